/**
 * Kubernetes MicroTime (Lease renewTime/acquireTime, events.k8s.io eventTime): RFC 3339 with
 * exactly six fractional digits. `Date#toISOString()` gives three, which the API server refuses
 * (400), so leader election would never succeed.
 */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** A MicroTime or Time (string or Date, as client-node may deserialize it) as epoch milliseconds. */
export function parseTime(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
