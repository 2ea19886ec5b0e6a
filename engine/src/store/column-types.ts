/**
 * How each q type of a series column (docs/q-api.md §2) is stored in DuckDB. Values are stored
 * raw, in q's own units: timestamps as nanoseconds since 2000.01.01, so a column is copied to and
 * from DuckDB without any per-value arithmetic.
 */

import type { TypeLetter } from "../../../q-api/src/index.js";
import { INT_NULL } from "../../../qipc/src/index.js";

/** DuckDB column type of each letter */
export const COLUMN_SQL: Readonly<Record<TypeLetter, string>> = {
  p: "BIGINT",
  b: "BOOLEAN",
  i: "INTEGER",
  j: "BIGINT",
  e: "FLOAT",
  f: "DOUBLE",
  // enumerated against the database's symbol list, as kdb+ enumerates against its `sym` file
  s: "INTEGER",
  C: "VARCHAR",
  n: "BIGINT",
};

/** One nanosecond-day, the width of a time partition. */
export const DAY_NS = 86_400_000_000_000n;

/** The typed array holding a fixed-width column (symbols as ids into the symbol list). */
export type FixedArray = BigInt64Array | Int32Array | Float32Array | Float64Array | Uint8Array;

/** Whether item `i` of a 64-bit column, viewed as 32-bit words, is `0N` (0x8000000000000000):
 * two integer compares instead of a BigInt per value. */
export function isNullLongAt(words: Int32Array, i: number): boolean {
  return words[2 * i + 1] === INT_NULL && words[2 * i] === 0;
}

export function int64Words(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}
