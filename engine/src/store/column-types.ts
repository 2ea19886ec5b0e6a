/**
 * The q types a series column may have (docs/q-api.md §2) and how each is stored in DuckDB.
 * Values are stored raw, in q's own units: timestamps as nanoseconds since 2000.01.01, so a
 * column is copied to and from DuckDB without any per-value arithmetic.
 */

export const TYPE_LETTERS = ["p", "b", "i", "j", "e", "f", "s", "C", "n"] as const;
export type TypeLetter = (typeof TYPE_LETTERS)[number];

export interface ColumnType {
  /** DuckDB column type */
  sql: string;
  /** q vector type code of a column of this type; 0 (general list of char vectors) for `C` */
  vector: number;
  /** q atom type code of one value; 10 (a char vector) for `C` */
  atom: number;
}

export const COLUMN_TYPES: Readonly<Record<TypeLetter, ColumnType>> = {
  p: { sql: "BIGINT", vector: 12, atom: -12 },
  b: { sql: "BOOLEAN", vector: 1, atom: -1 },
  i: { sql: "INTEGER", vector: 6, atom: -6 },
  j: { sql: "BIGINT", vector: 7, atom: -7 },
  e: { sql: "FLOAT", vector: 8, atom: -8 },
  f: { sql: "DOUBLE", vector: 9, atom: -9 },
  // enumerated against the database's symbol list, as kdb+ enumerates against its `sym` file
  s: { sql: "INTEGER", vector: 11, atom: -11 },
  C: { sql: "VARCHAR", vector: 0, atom: 10 },
  n: { sql: "BIGINT", vector: 16, atom: -16 },
};

export function isTypeLetter(value: string): value is TypeLetter {
  return (TYPE_LETTERS as readonly string[]).includes(value);
}

/** q's null of the 64-bit types (`0N`, `0Np`, `0Nn`). */
export const NULL_LONG = -0x8000000000000000n;
/** q's null int (`0Ni`). */
export const NULL_INT = -0x80000000;

/** One nanosecond-day, the width of a time partition. */
export const DAY_NS = 86_400_000_000_000n;

/** The typed array holding a fixed-width column (symbols as ids into the symbol list). */
export type FixedArray = BigInt64Array | Int32Array | Float32Array | Float64Array | Uint8Array;

/** Whether item `i` of a 64-bit column, viewed as 32-bit words, is `0N` (0x8000000000000000):
 * two integer compares instead of a BigInt per value. */
export function isNullLongAt(words: Int32Array, i: number): boolean {
  return words[2 * i + 1] === NULL_INT && words[2 * i] === 0;
}

export function int64Words(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}
