/**
 * Numbers read straight from ASCII bytes, with no string in between. Each function returns
 * exactly what `Number(text)` or `BigInt(text)` would give, or says it cannot (NaN / null) so
 * that the caller falls back to those: the fast paths only take inputs whose result they can
 * prove exact.
 */

const ZERO = 48;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const SMALL_E = 101;
const BIG_E = 69;

/** Exact powers of ten: 10^22 is the largest a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Significant digits that always fit below 2^53. */
const SAFE_DIGITS = 15;

/**
 * A float in InfluxDB's syntax (`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`) from `bytes[start, end)`.
 * Returns NaN when the bytes are not that syntax. Correctly rounded (Clinger's fast path: an exact
 * integer mantissa below 2^53 times or divided by an exact power of ten is one IEEE operation);
 * other inputs (more than 15 significant digits, large exponents) go through `Number()`.
 */
export function parseFloatBytes(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  const c0 = bytes[p];
  const negative = c0 === MINUS;
  if (negative || c0 === PLUS) p++;
  let mantissa = 0;
  let digits = 0; // significant digits taken into the mantissa
  let seen = 0; // digits seen in the mantissa, leading zeros included
  let scale = 0; // power of ten to apply
  let overflow = false;
  for (; p < end; p++) {
    const d = (bytes[p] as number) - ZERO;
    if (d < 0 || d > 9) break;
    seen++;
    if (digits < SAFE_DIGITS) {
      mantissa = mantissa * 10 + d;
      if (mantissa !== 0) digits++;
    } else {
      overflow = true;
      break;
    }
  }
  if (!overflow && p < end && bytes[p] === DOT) {
    for (p++; p < end; p++) {
      const d = (bytes[p] as number) - ZERO;
      if (d < 0 || d > 9) break;
      seen++;
      if (digits < SAFE_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) digits++;
        scale--;
      } else {
        overflow = true;
        break;
      }
    }
  }
  if (overflow) return slowFloat(bytes, start, end);
  if (seen === 0) return Number.NaN;
  if (p < end && (bytes[p] === SMALL_E || bytes[p] === BIG_E)) {
    const exponent = parseExponent(bytes, p + 1, end);
    if (Number.isNaN(exponent)) return Number.NaN;
    scale += exponent;
    p = end;
  }
  if (p !== end) return Number.NaN;
  if (mantissa === 0) return negative ? -0 : 0;
  let value: number;
  if (scale >= 0 && scale < POW10.length) value = mantissa * (POW10[scale] as number);
  else if (scale < 0 && -scale < POW10.length) value = mantissa / (POW10[-scale] as number);
  else return slowFloat(bytes, start, end);
  return negative ? -value : value;
}

/**
 * The common float, `-?\d+(\.\d*)?` of at most 15 significant digits, read while scanning for its
 * end: returns the index of the first byte after it, the value in `out[0]` (exactly what
 * `Number()` gives: one IEEE division of exact operands), or -1 when the bytes at `start` take
 * another form (sign `+`, exponent, more digits: `parseFloatBytes` then decides).
 */
export function readPlainDecimal(bytes: Uint8Array, start: number, out: Float64Array): number {
  let p = start;
  const negative = bytes[p] === MINUS;
  if (negative) p++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  const first = p;
  for (let d = (bytes[p] as number) - ZERO; d >= 0 && d <= 9; d = (bytes[++p] as number) - ZERO) {
    mantissa = mantissa * 10 + d;
    if (mantissa !== 0 && ++digits > SAFE_DIGITS) return -1;
  }
  if (p === first) return -1;
  if (bytes[p] === DOT) {
    for (let d = (bytes[++p] as number) - ZERO; d >= 0 && d <= 9; d = (bytes[++p] as number) - ZERO) {
      mantissa = mantissa * 10 + d;
      scale++;
      if (mantissa !== 0 && ++digits > SAFE_DIGITS) return -1;
    }
  }
  if (scale >= POW10.length || bytes[p] === SMALL_E || bytes[p] === BIG_E) return -1;
  const value = mantissa / (POW10[scale] as number);
  out[0] = negative ? -value : value;
  return p;
}

/** `[+-]?\d+` as a small integer; NaN when not that syntax; saturates far past any double's range. */
function parseExponent(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  const negative = bytes[p] === MINUS;
  if (negative || bytes[p] === PLUS) p++;
  if (p === end) return Number.NaN;
  let n = 0;
  for (; p < end; p++) {
    const d = (bytes[p] as number) - ZERO;
    if (d < 0 || d > 9) return Number.NaN;
    if (n < 100_000) n = n * 10 + d;
  }
  return negative ? -n : n;
}

function slowFloat(bytes: Uint8Array, start: number, end: number): number {
  const text = latin1(bytes, start, end);
  return FLOAT_TEXT.test(text) ? Number(text) : Number.NaN;
}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
}

/**
 * `[+-]?\d+` (or `\d+` when `signed` is false) from `bytes[start, end)` as a safe integer;
 * `null` for bad syntax, `undefined` when it has more digits than a double holds exactly (the
 * caller then takes `BigInt` of the text).
 */
export function parseIntegerBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  signed: boolean,
): number | null | undefined {
  let p = start;
  const negative = signed && bytes[p] === MINUS;
  if (negative || (signed && bytes[p] === PLUS)) p++;
  if (p === end) return null;
  let n = 0;
  let digits = 0;
  for (; p < end; p++) {
    const d = (bytes[p] as number) - ZERO;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
    if (n !== 0) digits++;
  }
  if (digits > SAFE_DIGITS) return undefined;
  return negative ? -n : n;
}

const TWO_32 = 4294967296;
const TWO_21 = 2097152;

/**
 * Writes the 64-bit integer `seconds * 10^9 + nanos` (|seconds| < 9.2e9, 0 <= nanos < 10^9) as
 * little-endian 32-bit words at `words[2i]`, `words[2i+1]`, exactly, without a BigInt: the
 * product is split into parts that each stay below 2^53.
 */
export function writeSecondsNanos(words: Int32Array, i: number, seconds: number, nanos: number): void {
  const s1 = Math.floor(seconds / TWO_21);
  const a = s1 * 1e9; // |a| < 4.4e12
  const b = (seconds - s1 * TWO_21) * 1e9 + nanos; // < 2.1e15
  const a1 = Math.floor(a / 2048);
  const b1 = Math.floor(b / TWO_32);
  let lo = b - b1 * TWO_32 + (a - a1 * 2048) * TWO_21;
  let carry = 0;
  if (lo >= TWO_32) {
    lo -= TWO_32;
    carry = 1;
  }
  words[2 * i] = lo | 0;
  words[2 * i + 1] = (a1 + b1 + carry) | 0;
}

/** Writes a 64-bit integer as little-endian words at `words[2i]`, `words[2i+1]`. */
export function writeBigInt(words: Int32Array, i: number, v: bigint): void {
  words[2 * i] = Number(BigInt.asIntN(32, v));
  words[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Writes a safe integer as little-endian 64-bit words at `words[2i]`, `words[2i+1]`. */
export function writeSafeInteger(words: Int32Array, i: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  words[2 * i] = (n - hi * TWO_32) | 0;
  words[2 * i + 1] = hi | 0;
}

/** Digits of each precision's unit below one second. */
const SUBSECOND_DIGITS = { ns: 9, us: 6, ms: 3, s: 0 } as const;
const UNIX_EPOCH_OFFSET_S = 946_684_800;
/** Seconds from 2000 that keep a q timestamp well inside its 64-bit range. */
const MAX_SECONDS = 9.2e9;

/**
 * A Unix time `[+-]?\d+` in `precision` units from `bytes[start, end)`, written as the q
 * timestamp (nanoseconds since 2000) at `words[2i]`. Returns false, writing nothing, for what it
 * cannot take exactly: bad syntax, or times near the ends of q's range (the caller then uses the
 * BigInt path, which says why).
 */
export function writeUnixTime(
  bytes: Uint8Array,
  start: number,
  end: number,
  precision: string,
  words: Int32Array,
  i: number,
): boolean {
  if (!(precision in SUBSECOND_DIGITS)) return false; // m, h: the caller's exact path
  const negative = bytes[start] === MINUS;
  const first = negative || bytes[start] === PLUS ? start + 1 : start;
  const split = Math.max(first, end - SUBSECOND_DIGITS[precision as keyof typeof SUBSECOND_DIGITS]);
  const whole = split > first ? parseIntegerBytes(bytes, first, split, false) : 0;
  const fraction = split < end ? parseIntegerBytes(bytes, split, end, false) : 0;
  if (first === end || typeof whole !== "number" || typeof fraction !== "number") return false;
  const units = POW10[9 - SUBSECOND_DIGITS[precision as keyof typeof SUBSECOND_DIGITS]] as number;
  let seconds = negative ? -whole : whole;
  let nanos = negative ? -fraction * units : fraction * units;
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  seconds -= UNIX_EPOCH_OFFSET_S;
  if (seconds >= MAX_SECONDS || seconds <= -MAX_SECONDS) return false;
  writeSecondsNanos(words, i, seconds, nanos);
  return true;
}
