/** Kubernetes quantities ("100Gi", "1.5T", "500M") in bytes, and back (binary suffixes when exact). */

const FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  const factor = match ? FACTORS[match[2] ?? ""] : undefined;
  if (!match || factor === undefined) throw new Error(`not a quantity: ${quantity}`);
  return Number(match[1]) * factor;
}

/** Bytes as the largest exact binary unit ("20Gi"), else as plain bytes. */
export function formatBytes(bytes: number): string {
  for (const unit of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
    const factor = FACTORS[unit]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}
