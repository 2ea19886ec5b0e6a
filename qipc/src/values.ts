/**
 * Constructors for q values, so callers never hand-write `{ type: -12, value: ... }`. Integral
 * inputs are checked (an int must be an integer in range) instead of wrapping silently.
 */
import { INT_INF, INT_NULL, LONG_INF, LONG_NULL, timestampFromString } from "./temporal.js";
import {
  ENCODED,
  type QAtom,
  type QDict,
  type QEncoded,
  type QError,
  type QFunction,
  type QList,
  type QTable,
  type QValue,
  type QVector,
} from "./types.js";

/** The null of each type, as stored on the wire. Floats and reals: NaN. Symbols: "". */
export const NULL = {
  short: -0x8000,
  int: INT_NULL,
  long: LONG_NULL,
  real: Number.NaN,
  float: Number.NaN,
  char: " ",
  symbol: "",
  guid: "00000000-0000-0000-0000-000000000000",
} as const;

/** Positive infinities (`0W`); negate for `-0W`. Integral infinities are plain values to q. */
export const INF = {
  short: 0x7fff,
  int: INT_INF,
  long: LONG_INF,
  real: Number.POSITIVE_INFINITY,
  float: Number.POSITIVE_INFINITY,
} as const;

type IntType = 4 | 5 | 6 | 13 | 14 | 17 | 18 | 19;
type LongType = 7 | 12 | 16;

const INT_BOUNDS: Record<IntType, readonly [number, number]> = {
  4: [0, 0xff],
  5: [-0x8000, 0x7fff],
  6: [INT_NULL, INT_INF],
  13: [INT_NULL, INT_INF],
  14: [INT_NULL, INT_INF],
  17: [INT_NULL, INT_INF],
  18: [INT_NULL, INT_INF],
  19: [INT_NULL, INT_INF],
};

function checkInt(type: IntType, v: number): number {
  const [lo, hi] = INT_BOUNDS[type];
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new RangeError(`q type ${type} needs an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

function checkLong(v: bigint): bigint {
  if (typeof v !== "bigint" || BigInt.asIntN(64, v) !== v)
    throw new RangeError(`q long needs a 64-bit bigint, got ${String(v)}`);
  return v;
}

function intAtom(type: IntType) {
  return (v: number) => ({ type: -type, value: checkInt(type, v) }) as QAtom;
}

function longAtom(type: LongType) {
  return (v: bigint) => ({ type: -type, value: checkLong(v) }) as QAtom;
}

function intVector(type: IntType) {
  const Typed = type === 4 ? Uint8Array : type === 5 ? Int16Array : Int32Array;
  return (values: Uint8Array | Int16Array | Int32Array | readonly number[]): QVector => {
    if (values instanceof Typed) return { type, attr: 0, value: values } as QVector;
    const out = new Typed(values.length);
    for (let i = 0; i < values.length; i++) out[i] = checkInt(type, values[i]!);
    return { type, attr: 0, value: out } as QVector;
  };
}

function longVector(type: LongType) {
  return (values: BigInt64Array | readonly bigint[]): QVector => ({
    type,
    attr: 0,
    value: values instanceof BigInt64Array ? values : BigInt64Array.from(values, checkLong),
  });
}

function timestampOf(v: bigint | string): bigint {
  return typeof v === "string" ? timestampFromString(v) : checkLong(v);
}

/** Number of items of a vector or list (the length of a table column). */
function count(v: QValue): number {
  if (v.type >= 0 && v.type < 20) return (v as QVector | QList).value.length;
  throw new TypeError(`a table column must be a vector or a general list, got q type ${v.type}`);
}

export const q = {
  boolean: (v: boolean): QAtom => ({ type: -1, value: v }),
  guid: (v: string): QAtom => ({ type: -2, value: v.toLowerCase() }),
  byte: intAtom(4),
  short: intAtom(5),
  int: intAtom(6),
  long: longAtom(7),
  real: (v: number): QAtom => ({ type: -8, value: v }),
  float: (v: number): QAtom => ({ type: -9, value: v }),
  char: (v: string): QAtom => ({ type: -10, value: v }),
  symbol: (v: string): QAtom => ({ type: -11, value: v }),
  /** Nanoseconds since 2000-01-01 as a bigint, or RFC 3339 text. */
  timestamp: (v: bigint | string): QAtom => ({ type: -12, value: timestampOf(v) }),
  month: intAtom(13),
  date: intAtom(14),
  datetime: (v: number): QAtom => ({ type: -15, value: v }),
  timespan: longAtom(16),
  minute: intAtom(17),
  second: intAtom(18),
  time: intAtom(19),

  booleans: (v: Uint8Array | readonly boolean[]): QVector => ({
    type: 1,
    attr: 0,
    value: v instanceof Uint8Array ? v : Uint8Array.from(v, Number),
  }),
  guids: (v: readonly string[]): QVector => ({ type: 2, attr: 0, value: v.map((g) => g.toLowerCase()) }),
  bytes: intVector(4),
  shorts: intVector(5),
  ints: intVector(6),
  longs: longVector(7),
  reals: (v: Float32Array | readonly number[]): QVector => ({
    type: 8,
    attr: 0,
    value: v instanceof Float32Array ? v : Float32Array.from(v),
  }),
  floats: (v: Float64Array | readonly number[]): QVector => ({
    type: 9,
    attr: 0,
    value: v instanceof Float64Array ? v : Float64Array.from(v),
  }),
  /** A q string: a char vector of the UTF-8 bytes of `s`. */
  string: (s: string): QVector => ({ type: 10, attr: 0, value: new Uint8Array(Buffer.from(s, "utf8")) }),
  symbols: (v: string[]): QVector => ({ type: 11, attr: 0, value: v }),
  timestamps: (v: BigInt64Array | readonly (bigint | string)[]): QVector => ({
    type: 12,
    attr: 0,
    value: v instanceof BigInt64Array ? v : BigInt64Array.from(v, timestampOf),
  }),
  months: intVector(13),
  dates: intVector(14),
  datetimes: (v: Float64Array | readonly number[]): QVector => ({
    type: 15,
    attr: 0,
    value: v instanceof Float64Array ? v : Float64Array.from(v),
  }),
  timespans: longVector(16),
  minutes: intVector(17),
  seconds: intVector(18),
  times: intVector(19),

  list: (...items: QValue[]): QList => ({ type: 0, attr: 0, value: items }),
  /** bytes from `encodeValue`, sent as they are */
  encoded: (bytes: Uint8Array): QEncoded => ({ type: ENCODED, bytes }),
  dict: (keys: QValue, values: QValue): QDict => ({ type: 99, keys, values }),
  /** A dictionary with symbol keys and a general list of values. */
  dictOf: (entries: Readonly<Record<string, QValue>>): QDict => ({
    type: 99,
    keys: { type: 11, attr: 0, value: Object.keys(entries) },
    values: { type: 0, attr: 0, value: Object.values(entries) },
  }),
  /** A table from named columns of equal length. */
  table: (columns: Readonly<Record<string, QValue>>): QTable => {
    const data = Object.values(columns);
    const rows = data.length > 0 ? count(data[0]!) : 0;
    for (const [name, col] of Object.entries(columns)) {
      if (count(col) !== rows)
        throw new RangeError(`column ${name} has ${count(col)} rows, expected ${rows}`);
    }
    return { type: 98, attr: 0, columns: Object.keys(columns), data };
  },
  /** A keyed table: key columns and value columns, each a table of the same length. */
  keyedTable: (keys: QTable, values: QTable): QDict => ({ type: 99, keys, values }),
  /** The generic null `::`. */
  nil: { type: 101, raw: Uint8Array.of(0) } as QFunction,
  error: (word: string): QError => ({ type: -128, value: word }),
} as const;
