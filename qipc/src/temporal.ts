/**
 * Exact conversions between q's temporal counts (from 2000-01-01, or from midnight) and text or
 * Unix time. 64-bit values stay bigint throughout; only values already known to fit in 2^53
 * (a day's nanoseconds, a year number) become numbers. Nulls map to null; infinities format as
 * q writes them (`0W`, `-0W`) and parse back.
 */

export const LONG_NULL = -(2n ** 63n);
export const LONG_INF = 2n ** 63n - 1n;
export const INT_NULL = -0x80000000;
export const INT_INF = 0x7fffffff;

/** Days from 1970-01-01 to 2000-01-01. */
export const UNIX_EPOCH_OFFSET_DAYS = 10957;
export const UNIX_EPOCH_OFFSET_NS = 946_684_800_000_000_000n;

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SECOND;

const UNIT_NS = { s: NS_PER_SECOND, ms: 1_000_000n, us: 1_000n, ns: 1n } as const;
export type UnixPrecision = keyof typeof UNIT_NS;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const TIMESPAN = /^(-?)(\d+)D(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

// ---- timestamps -------------------------------------------------------------------------

/** `2024-01-02T03:04:05.123456789Z` (always 9 fraction digits, UTC); null for 0Np. */
export function timestampToString(ns: bigint): string | null {
  if (ns === LONG_NULL) return null;
  const infinite = longInfinity(ns);
  if (infinite) return infinite;
  const days = floorDiv(ns, NS_PER_DAY);
  const ofDay = Number(ns - days * NS_PER_DAY);
  return `${civilDate(Number(days))}T${clock(ofDay)}Z`;
}

/**
 * Parses RFC 3339 with 0-9 fraction digits and `Z` or a ±hh:mm offset (also `0W`/`-0W`).
 * Throws a RangeError naming the problem for anything else or for an instant outside q's range.
 */
export function timestampFromString(text: string): bigint {
  const infinite = parseLongInfinity(text);
  if (infinite !== undefined) return infinite;
  const m = RFC3339.exec(text);
  if (!m) throw new RangeError(`not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const days = daysFromCivil(Number(y), Number(mo), Number(d), text);
  const seconds = clockSeconds(Number(h), Number(mi), Number(s), text);
  let offset = 0;
  if (!z) {
    if (Number(oh) > 23 || Number(om) > 59)
      throw new RangeError(`invalid UTC offset in ${JSON.stringify(text)}`);
    offset = (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  }
  const ns = BigInt(days) * NS_PER_DAY + BigInt(seconds - offset) * NS_PER_SECOND + fractionNs(frac);
  return checkFinite(ns, text);
}

/** Nanoseconds since 1970 (exact); null for 0Np. Infinities are rejected: they have no Unix time. */
export function timestampToUnixNs(ns: bigint): bigint | null {
  if (ns === LONG_NULL) return null;
  if (longInfinity(ns)) throw new RangeError("an infinite timestamp has no Unix time");
  return ns + UNIX_EPOCH_OFFSET_NS;
}

export function timestampFromUnixNs(unixNs: bigint): bigint {
  return checkFinite(unixNs - UNIX_EPOCH_OFFSET_NS, `${unixNs}ns since 1970`);
}

/**
 * For JSON input, and only when the caller chooses the unit: an integer count of `precision`
 * units since 1970. Non-integers and numbers beyond 2^53 are rejected rather than rounded.
 */
export function timestampFromUnixNumber(n: number, precision: UnixPrecision): bigint {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`Unix time must be a safe integer count of ${precision}, got ${n}`);
  }
  const unit = UNIT_NS[precision];
  if (unit === undefined) throw new RangeError(`unknown precision ${String(precision)}`);
  return timestampFromUnixNs(BigInt(n) * unit);
}

/** Rejects what a 64-bit q temporal cannot hold, and the values reserved for null and ±infinity. */
function checkFinite(ns: bigint, what: string): bigint {
  if (ns <= -LONG_INF || ns >= LONG_INF) {
    throw new RangeError(`${what} is outside q's range (timestamps: 1707-09-22 to 2292-04-11)`);
  }
  return ns;
}

// ---- dates and months ---------------------------------------------------------------------

/** `YYYY-MM-DD` from q's days since 2000-01-01; null for 0Nd. */
export function dateToString(days: number): string | null {
  if (days === INT_NULL) return null;
  return intInfinity(days) ?? civilDate(days);
}

export function dateFromString(text: string): number {
  const infinite = parseIntInfinity(text);
  if (infinite !== undefined) return infinite;
  const m = ISO_DATE.exec(text);
  if (!m) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(text)}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]), text);
}

/** `YYYY-MM` from q's months since 2000-01 (floor division, so 1999-12 is -1); null for 0Nm. */
export function monthToString(months: number): string | null {
  if (months === INT_NULL) return null;
  const infinite = intInfinity(months);
  if (infinite) return infinite;
  const year = 2000 + Math.floor(months / 12);
  return `${pad(year, 4)}-${pad(months - (year - 2000) * 12 + 1, 2)}`;
}

export function monthFromString(text: string): number {
  const infinite = parseIntInfinity(text);
  if (infinite !== undefined) return infinite;
  const m = ISO_MONTH.exec(text);
  const month = Number(m?.[2]);
  if (!m || month < 1 || month > 12)
    throw new RangeError(`not an ISO month (YYYY-MM): ${JSON.stringify(text)}`);
  return (Number(m[1]) - 2000) * 12 + month - 1;
}

// ---- timespans ----------------------------------------------------------------------------

/** q's text for a timespan: `0D00:05:00.000000000`, `-1D23:00:00.000000000`; null for 0Nn. */
export function timespanToString(ns: bigint): string | null {
  if (ns === LONG_NULL) return null;
  const infinite = longInfinity(ns);
  if (infinite) return infinite;
  const abs = ns < 0n ? -ns : ns;
  const days = abs / NS_PER_DAY;
  return `${ns < 0n ? "-" : ""}${days}D${clock(Number(abs - days * NS_PER_DAY))}`;
}

export function timespanFromString(text: string): bigint {
  const infinite = parseLongInfinity(text);
  if (infinite !== undefined) return infinite;
  const m = TIMESPAN.exec(text);
  if (!m) throw new RangeError(`not a q timespan (like 0D00:05:00.000000000): ${JSON.stringify(text)}`);
  const [, sign, d, h, mi, s, frac] = m;
  const ofDay = clockSeconds(Number(h), Number(mi), Number(s), text);
  const abs = BigInt(d!) * NS_PER_DAY + BigInt(ofDay) * NS_PER_SECOND + fractionNs(frac);
  return checkFinite(sign ? -abs : abs, text);
}

// ---- calendar arithmetic ------------------------------------------------------------------

/** Civil date of a day count since 2000-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
function civilDate(days2000: number): string {
  const z = days2000 + UNIX_EPOCH_OFFSET_DAYS + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Days since 2000-01-01 of a validated civil date. */
function daysFromCivil(year: number, month: number, day: number, text: string): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`no such date in ${JSON.stringify(text)}`);
  }
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 - UNIX_EPOCH_OFFSET_DAYS;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function clockSeconds(h: number, mi: number, s: number, text: string): number {
  // q has no leap seconds, so :60 is rejected rather than folded into the next minute.
  if (h > 23 || mi > 59 || s > 59) throw new RangeError(`no such time of day in ${JSON.stringify(text)}`);
  return h * 3600 + mi * 60 + s;
}

/** `hh:mm:ss.fffffffff` of a nanosecond count within one day (exact: < 2^53). */
function clock(nsOfDay: number): string {
  const seconds = Math.floor(nsOfDay / 1e9);
  const frac = nsOfDay - seconds * 1e9;
  return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad(frac, 9)}`;
}

function fractionNs(frac: string | undefined): bigint {
  return frac ? BigInt(frac.padEnd(9, "0")) : 0n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function pad(n: number, width: number): string {
  return n < 0 ? `-${pad(-n, width)}` : String(n).padStart(width, "0");
}

// ---- infinities ---------------------------------------------------------------------------

function longInfinity(v: bigint): string | undefined {
  if (v === LONG_INF) return "0W";
  return v === -LONG_INF ? "-0W" : undefined;
}

function intInfinity(v: number): string | undefined {
  if (v === INT_INF) return "0W";
  return v === -INT_INF ? "-0W" : undefined;
}

function parseLongInfinity(text: string): bigint | undefined {
  if (text === "0W") return LONG_INF;
  return text === "-0W" ? -LONG_INF : undefined;
}

function parseIntInfinity(text: string): number | undefined {
  if (text === "0W") return INT_INF;
  return text === "-0W" ? -INT_INF : undefined;
}
