/**
 * Conversion of one incoming value to a column's representation, for each write format: JSON
 * values, CSV text, line-protocol fields. Nothing is rounded: an integer that does not fit, or a
 * fraction where an integer belongs, is refused with a reason. `null` stands for the q null.
 */
import type { TypeLetter } from "../../../q-api/src/index.js";
import { INT_NULL, LONG_NULL, timestampFromString, timestampFromUnixNs } from "../../../qipc/src/index.js";
import type { FieldKind, FieldValue } from "./line-protocol.js";

export const PRECISIONS = ["ns", "us", "ms", "s"] as const;
export type Precision = (typeof PRECISIONS)[number];
/** Line protocol also takes InfluxDB 1.x's minutes and hours. */
export type WritePrecision = Precision | "m" | "h";
/** nanoseconds per unit */
export const UNIT_NS: Readonly<Record<WritePrecision, bigint>> = {
  ns: 1n,
  us: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export type Converted = number | bigint | string | null;

export class ValueError extends Error {}

const INTEGER_TEXT = /^[+-]?\d{1,20}$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_LONG = 2n ** 63n - 1n;

/** An integer count of `precision` units since 1970 → q nanoseconds since 2000. */
export function unixToQTime(count: bigint, precision: WritePrecision): bigint {
  try {
    return timestampFromUnixNs(count * UNIT_NS[precision]);
  } catch {
    throw new ValueError(`timestamp ${count} (${precision}) is outside 1707–2292`);
  }
}

/** A float that is a number: NaN, infinities and what overflows its type (1e400; 1e39 as real) are refused. */
function finite(letter: TypeLetter, v: number): number {
  if (!Number.isFinite(v) || (letter === "e" && !Number.isFinite(Math.fround(v))))
    throw new ValueError(`${v} is out of range for a ${letter === "e" ? "real" : "float"} column`);
  return v;
}

function rfc3339(text: string): bigint {
  try {
    const ns = timestampFromString(text);
    if (ns === LONG_NULL || ns === MAX_LONG || ns === -MAX_LONG) throw new RangeError("infinite");
    return ns;
  } catch {
    throw new ValueError(`not an RFC 3339 timestamp: ${JSON.stringify(text.slice(0, 40))}`);
  }
}

/** A long that is not q's null (-2^63). */
function long(v: bigint, what: string): bigint {
  if (v <= LONG_NULL || v > MAX_LONG) throw new ValueError(`${what} ${v} is outside q's long range`);
  return v;
}

function int(v: number | bigint): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= INT_NULL || n > 0x7fffffff)
    throw new ValueError(`${v} is not a 32-bit integer (int column)`);
  return n;
}

function integerText(text: string): bigint {
  if (!INTEGER_TEXT.test(text)) throw new ValueError(`not an integer: ${JSON.stringify(text.slice(0, 40))}`);
  return BigInt(text);
}

function time(value: string | number | bigint, precision: Precision): bigint {
  if (typeof value === "string")
    return INTEGER_TEXT.test(value) ? unixToQTime(BigInt(value), precision) : rfc3339(value);
  if (typeof value === "number" && !Number.isSafeInteger(value))
    throw new ValueError(`timestamp ${value} is not a safe integer; send it as a string`);
  return unixToQTime(BigInt(value), precision);
}

const TYPE_NAMES: Record<TypeLetter, string> = {
  f: "a number",
  e: "a number",
  j: "an integer (a string for 64-bit values)",
  i: "an integer",
  b: "a boolean",
  C: "a string",
  s: "a string",
  p: "an RFC 3339 string or an integer",
  n: "an integer count of nanoseconds",
};

/** A JSON value for a column of type `letter`. */
export function fromJson(letter: TypeLetter, value: unknown, precision: Precision): Converted {
  if (value === null) return null;
  const t = typeof value;
  switch (letter) {
    case "f":
    case "e":
      if (t === "number") return finite(letter, value as number);
      break;
    case "i":
      if (t === "number") return int(value as number);
      break;
    case "j":
    case "n":
      if (t === "number" && Number.isSafeInteger(value)) return long(BigInt(value as number), "integer");
      if (t === "string") return long(integerText(value as string), "integer");
      break;
    case "b":
      if (t === "boolean") return (value as boolean) ? 1 : 0;
      break;
    case "s":
    case "C":
      if (t === "string") return value as string;
      break;
    case "p":
      if (t === "string" || t === "number") return time(value as string | number, precision);
      break;
  }
  throw new ValueError(`expected ${TYPE_NAMES[letter]}, got ${JSON.stringify(value)?.slice(0, 40)}`);
}

const TRUE_TEXT = new Set(["true", "t", "1", "TRUE", "True", "T"]);
const FALSE_TEXT = new Set(["false", "f", "0", "FALSE", "False", "F"]);

/** CSV text for a column of type `letter`; an empty cell is null (an empty string for C). */
export function fromText(letter: TypeLetter, text: string, precision: Precision): Converted {
  if (text === "") return letter === "C" ? "" : null;
  switch (letter) {
    case "f":
    case "e":
      if (NUMBER_TEXT.test(text)) return finite(letter, Number(text));
      throw new ValueError(`not a number: ${JSON.stringify(text.slice(0, 40))}`);
    case "i":
      return int(integerText(text));
    case "j":
    case "n":
      return long(integerText(text), "integer");
    case "b":
      if (TRUE_TEXT.has(text)) return 1;
      if (FALSE_TEXT.has(text)) return 0;
      throw new ValueError(`not a boolean: ${JSON.stringify(text.slice(0, 40))}`);
    case "p":
      return time(text, precision);
    default:
      return text;
  }
}

/**
 * A line-protocol field for a column: floats into float/real; integers into long/int (or
 * float/real, exactly when below 2^53); unsigned as integers up to 2^63-1 (q has no unsigned
 * type); strings into string or symbol columns; booleans into boolean columns.
 */
export function fromLineField(letter: TypeLetter, kind: FieldKind, value: FieldValue): Converted {
  switch (kind) {
    case "float":
      if (letter === "f" || letter === "e") return finite(letter, value as number);
      break;
    case "integer":
    case "unsigned": {
      const v = value as bigint;
      if (letter === "j" || letter === "n") return long(v, `${kind} field`);
      if (letter === "i") return int(v);
      if ((letter === "f" || letter === "e") && v <= 2n ** 53n && v >= -(2n ** 53n)) return Number(v);
      break;
    }
    case "string":
      if (letter === "C" || letter === "s") return value as string;
      break;
    case "boolean":
      if (letter === "b") return value ? 1 : 0;
      break;
  }
  throw new ValueError(`a ${kind} value cannot go into a column of type ${letter}`);
}
