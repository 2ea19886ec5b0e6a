/**
 * Exact nanosecond times as bigint: parsed from the API's RFC 3339 strings (nine fraction digits),
 * shown in UTC or the browser's zone with all nine digits, and durations as the API writes them.
 */

export type Zone = "UTC" | "local";

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** RFC 3339 (as the API answers) to nanoseconds since 1970. */
export function parseRfc3339(text: string): bigint {
  const m = RFC3339.exec(text);
  if (m === null) throw new Error(`not an RFC 3339 time: ${text}`);
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 time: ${text}`);
  return BigInt(ms) * NS_PER_MS + BigInt((m[2] ?? "").padEnd(9, "0"));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function split(ns: bigint): { date: Date; fraction: string } {
  const seconds = floorDiv(ns, NS_PER_S);
  return {
    date: new Date(Number(seconds) * 1000),
    fraction: (ns - seconds * NS_PER_S).toString().padStart(9, "0"),
  };
}

/** `2024-01-01T00:00:00.000000001Z`: what the API takes in `start` and `end`. */
export function toRfc3339(ns: bigint): string {
  const { date, fraction } = split(ns);
  return `${date.toISOString().slice(0, 19)}.${fraction}Z`;
}

function offsetOf(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Full nanosecond time in the zone: `2024-01-01 00:05:00.000000000 UTC` (or `… +01:00`). */
export function formatNs(ns: bigint, zone: Zone): string {
  const { date, fraction } = split(ns);
  if (zone === "UTC")
    return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}.${fraction} UTC`;
  const wall = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${wall}.${fraction} ${offsetOf(date)}`;
}

/** The text an absolute-range field shows for a time: `2024-01-01 00:05:00` (fraction when not 0). */
export function formatWall(ns: bigint, zone: Zone): string {
  const full = formatNs(ns, zone);
  const [day, time] = full.split(" ") as [string, string];
  const [clock, fraction] = time.split(".") as [string, string];
  const trimmed = fraction.replace(/0+$/, "");
  return `${day} ${clock}${trimmed === "" ? "" : `.${trimmed}`}`;
}

const WALL =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d\d:\d\d)?$/i;

/** `2024-01-01 00:05[:00[.123456789]]` in the zone (or with its own `Z`/offset) to nanoseconds. */
export function parseWall(text: string, zone: Zone): bigint {
  const m = WALL.exec(text.trim());
  if (m === null) throw new Error(`"${text}" is not a time like 2024-01-01 00:00:00`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as number[];
  let ms: number;
  if (m[8] !== undefined || zone === "UTC") {
    ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
    if (m[8] !== undefined && m[8].toUpperCase() !== "Z") {
      const sign = m[8].startsWith("-") ? -1 : 1;
      ms -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000;
    }
  } else ms = new Date(y!, mo! - 1, d!, h!, mi!, s!).getTime();
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not a valid time`);
  return BigInt(ms) * NS_PER_MS + BigInt((m[7] ?? "").padEnd(9, "0"));
}

/** The zone as shown beside times: `UTC`, or the browser's `Europe/Paris (UTC+01:00)`. */
export function zoneLabel(zone: Zone): string {
  if (zone === "UTC") return "UTC";
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${name} (UTC${offsetOf(new Date())})`;
}

const UNITS: [string, bigint][] = [
  ["d", 86_400n * NS_PER_S],
  ["h", 3_600n * NS_PER_S],
  ["m", 60n * NS_PER_S],
  ["s", NS_PER_S],
  ["ms", NS_PER_MS],
  ["us", 1_000n],
  ["ns", 1n],
];

/** `1h30m` to nanoseconds; undefined when it is not a duration. */
export function parseDuration(text: string): bigint | undefined {
  const re = /(\d+)(ms|us|ns|d|h|m|s)/gy;
  let total = 0n;
  let at = 0;
  const t = text.trim();
  if (t === "") return undefined;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += BigInt(m[1]!) * UNITS.find(([u]) => u === m![2])![1];
    at = re.lastIndex;
  }
  return at === t.length && total > 0n ? total : undefined;
}

export function formatDuration(ns: bigint): string {
  let rest = ns;
  let out = "";
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      out += `${rest / size}${unit}`;
      rest %= size;
    }
  }
  return out === "" ? "0s" : out;
}

const NICE = [
  "1ms",
  "10ms",
  "100ms",
  "1s",
  "5s",
  "10s",
  "30s",
  "1m",
  "5m",
  "10m",
  "15m",
  "30m",
  "1h",
  "3h",
  "6h",
  "12h",
  "1d",
  "7d",
  "30d",
  "365d",
].map((d) => parseDuration(d)!);

/** The smallest round bucket that cuts `range` into at most `max` buckets. */
export function bucketFor(range: bigint, max: number): bigint {
  const want = (range + BigInt(max) - 1n) / BigInt(max);
  return NICE.find((n) => n >= want) ?? want;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

/** For the chart's x axis: seconds since 1970 as a double (display only; exact times kept aside). */
export function toSeconds(ns: bigint): number {
  return Number(floorDiv(ns, NS_PER_MS)) / 1000;
}
