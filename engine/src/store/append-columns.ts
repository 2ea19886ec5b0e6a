/**
 * Columns ready to be copied into DuckDB vectors: the q vectors' own typed arrays (never copied
 * value by value) plus a validity mask when the column holds q nulls, which are stored as SQL
 * NULLs so that aggregates skip them as q's do.
 */

import type { TypeLetter } from "../../../q-api/src/index.js";
import { INT_NULL, type QList, type QVector } from "../../../qipc/src/index.js";
import { type FixedArray, int64Words, isNullLongAt } from "./column-types.js";
import type { SymbolTable } from "./symbols.js";

export type AppendColumn =
  /** byte-copyable values; `validity` is DuckDB's mask layout (bit i of 64-bit word i/64 set = valid) */
  | { kind: "fixed"; data: FixedArray; validity: Uint8Array | null }
  | { kind: "text"; data: readonly Uint8Array[] };

/** A column as written: checked to be the q vector (or list of char vectors) its letter requires. */
export type ColumnValue = QVector | QList;

export interface PreparedColumns {
  columns: AppendColumn[];
  /** resolves once every symbol used is durable */
  symbolsDurable: Promise<unknown>;
}

export function prepareColumns(
  letters: readonly TypeLetter[],
  values: readonly ColumnValue[],
  rows: number,
  symbols: SymbolTable,
): PreparedColumns {
  const durable: Promise<void>[] = [];
  const columns = letters.map((letter, i): AppendColumn => {
    const value = values[i] as ColumnValue;
    if (letter === "s") {
      const ids = new Int32Array(rows);
      durable.push(symbols.enumerate(value.value as string[], ids));
      return { kind: "fixed", data: ids, validity: null };
    }
    if (letter === "C")
      return { kind: "text", data: (value.value as QVector[]).map((v) => v.value as Uint8Array) };
    const data = value.value as FixedArray;
    return { kind: "fixed", data, validity: validityOf(data) };
  });
  return { columns, symbolsDurable: Promise.all(durable) };
}

/** By the array, which the letter has fixed: 64-bit and int columns have their nulls, floats NaN, booleans none. */
function validityOf(data: FixedArray): Uint8Array | null {
  if (data instanceof BigInt64Array) return int64Validity(data);
  if (data instanceof Int32Array) return int32Validity(data);
  if (data instanceof Float64Array || data instanceof Float32Array) return floatValidity(data);
  return null;
}

// One tight loop per kind: columns without nulls (the usual case) cost one pass and no allocation.

function int64Validity(data: BigInt64Array): Uint8Array | null {
  const words = int64Words(data);
  let mask: Uint8Array | null = null;
  for (let i = 0; i < data.length; i++) if (isNullLongAt(words, i)) mask = clearBit(mask, data.length, i);
  return mask;
}

function int32Validity(data: Int32Array): Uint8Array | null {
  let mask: Uint8Array | null = null;
  for (let i = 0; i < data.length; i++) if (data[i] === INT_NULL) mask = clearBit(mask, data.length, i);
  return mask;
}

function floatValidity(data: Float64Array | Float32Array): Uint8Array | null {
  let mask: Uint8Array | null = null;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (Number.isNaN(v)) mask = clearBit(mask, data.length, i);
  }
  return mask;
}

/** Marks row `i` null, allocating an all-valid mask on the first null. */
function clearBit(mask: Uint8Array | null, length: number, i: number): Uint8Array {
  const m = mask ?? new Uint8Array(Math.ceil(length / 64) * 8).fill(0xff);
  m[i >> 3] = (m[i >> 3] as number) & ~(1 << (i & 7));
  return m;
}
