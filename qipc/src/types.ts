/**
 * The model of q values. Every decoded value keeps its q type code, so a server can check that
 * an argument is, say, a timestamp and not a long. 64-bit types are bigint / BigInt64Array and
 * vectors are typed arrays: nothing passes through a double.
 */

/** q type codes: negative for atoms, positive for vectors. */
export const T = {
  list: 0,
  boolean: 1,
  guid: 2,
  byte: 4,
  short: 5,
  int: 6,
  long: 7,
  real: 8,
  float: 9,
  char: 10,
  symbol: 11,
  timestamp: 12,
  month: 13,
  date: 14,
  datetime: 15,
  timespan: 16,
  minute: 17,
  second: 18,
  time: 19,
  table: 98,
  dict: 99,
  lambda: 100,
  unary: 101,
  sortedDict: 127,
  error: -128,
} as const;

/** Vector attributes: none, `s#` sorted, `u#` unique, `p#` parted, `g#` grouped. */
export type Attr = 0 | 1 | 2 | 3 | 4;

type IntAtomType = -4 | -5 | -6 | -13 | -14 | -17 | -18 | -19;
type LongAtomType = -7 | -12 | -16;
type FloatAtomType = -8 | -9 | -15;

/**
 * Atoms. Integral temporal types hold their raw q count (days, months, minutes… since 2000 or
 * midnight); use the helpers in `temporal.ts` to convert.
 */
export type QAtom =
  | { type: -1; value: boolean }
  /** guid as lowercase text `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; null guid is all zeros */
  | { type: -2; value: string }
  | { type: IntAtomType; value: number }
  | { type: LongAtomType; value: bigint }
  | { type: FloatAtomType; value: number }
  /** one byte, as a one-character latin1 string */
  | { type: -10; value: string }
  | { type: -11; value: string };

/** Vectors: typed arrays, never arrays of boxed numbers. */
export type QVector =
  | { type: 1; attr: Attr; value: Uint8Array }
  | { type: 2; attr: Attr; value: string[] }
  | { type: 4; attr: Attr; value: Uint8Array }
  | { type: 5; attr: Attr; value: Int16Array }
  | { type: 6 | 13 | 14 | 17 | 18 | 19; attr: Attr; value: Int32Array }
  | { type: 7 | 12 | 16; attr: Attr; value: BigInt64Array }
  | { type: 8; attr: Attr; value: Float32Array }
  | { type: 9 | 15; attr: Attr; value: Float64Array }
  /** char vector: raw bytes (q strings are bytes; UTF-8 passes through untouched) */
  | { type: 10; attr: Attr; value: Uint8Array }
  | { type: 11; attr: Attr; value: string[] };

export interface QList {
  type: 0;
  attr: Attr;
  value: QValue[];
}

/** Dictionary (99) or sorted dictionary (127). A keyed table is a dict of two tables. */
export interface QDict {
  type: 99 | 127;
  keys: QValue;
  values: QValue;
}

/** Table (flip of a dict of symbol column names to equal-length columns). */
export interface QTable {
  type: 98;
  attr: Attr;
  columns: string[];
  data: QValue[];
}

/** An error reply (`'word`). */
export interface QError {
  type: -128;
  value: string;
}

/**
 * Functions, projections, compositions, iterators (100–112), kept opaque: `raw` holds the
 * encoded bytes after the type byte, so they round-trip without being understood. The generic
 * null `::` is `{ type: 101, raw: Uint8Array.of(0) }`.
 */
export interface QFunction {
  type: 100 | 101 | 102 | 103 | 104 | 105 | 106 | 107 | 108 | 109 | 110 | 111 | 112;
  raw: Uint8Array;
}

/** The type code of `QEncoded`: outside q's byte-sized codes, so no message can carry it. */
export const ENCODED = 256;

/**
 * A value encoded beforehand by `encodeValue` (in a worker thread, say), written into a message
 * as it is. Only the encoder takes it; decoding never yields one.
 */
export interface QEncoded {
  type: typeof ENCODED;
  bytes: Uint8Array;
}

export type QValue = QAtom | QVector | QList | QDict | QTable | QError | QFunction | QEncoded;

/** IPC message types (header byte 1). */
export const MsgType = { async: 0, sync: 1, response: 2 } as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** Raised for truncated, malformed or oversized input; never a crash or an unbounded allocation. */
export class QDecodeError extends Error {
  override name = "QDecodeError";
}

type FixedWidthVector = Exclude<QVector, { type: 2 | 11 }>;

/** Typed-array constructor of every fixed-width vector type; its BYTES_PER_ELEMENT is the item size. */
export const VECTOR_ARRAY: Readonly<Record<FixedWidthVector["type"], TypedArrayConstructor>> = {
  1: Uint8Array,
  4: Uint8Array,
  5: Int16Array,
  6: Int32Array,
  7: BigInt64Array,
  8: Float32Array,
  9: Float64Array,
  10: Uint8Array,
  12: BigInt64Array,
  13: Int32Array,
  14: Int32Array,
  15: Float64Array,
  16: BigInt64Array,
  17: Int32Array,
  18: Int32Array,
  19: Int32Array,
};

export type TypedArray = FixedWidthVector["value"];

export interface TypedArrayConstructor {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
}
