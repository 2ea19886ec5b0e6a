/** Row selection on result columns (typed arrays, or byte strings for `C`). */
import type { TypeLetter } from "../../../q-api/src/index.js";
import type { FixedArray } from "../store/column-types.js";
import { nullOf, type RawColumn } from "../store/result-columns.js";

type Settable = { [i: number]: number | bigint; length: number };

/** `column[index[i]]` for each i; index -1 gives the letter's null. */
export function take(column: RawColumn, letter: TypeLetter, index: Int32Array): RawColumn {
  if (letter === "C") {
    const text = column as Uint8Array[];
    return Array.from(index, (i) => (i < 0 ? new Uint8Array(0) : (text[i] as Uint8Array)));
  }
  const source = column as FixedArray;
  const out = new (source.constructor as new (n: number) => FixedArray)(index.length) as unknown as Settable;
  const empty = nullOf(letter);
  const from = source as unknown as Settable;
  for (let r = 0; r < index.length; r++) {
    const i = index[r] as number;
    out[r] = i < 0 ? empty : (from[i] as number | bigint);
  }
  return out as unknown as RawColumn;
}

export function slice(column: RawColumn, start: number, end: number): RawColumn {
  return Array.isArray(column) ? column.slice(start, end) : column.subarray(start, end);
}

/** Sets one cell; values are of the column's own kind (number, bigint or bytes). */
export function setCell(column: RawColumn, row: number, value: number | bigint | Uint8Array): void {
  (column as unknown as { [i: number]: unknown })[row] = value;
}

export function cell(column: RawColumn, row: number): number | bigint | Uint8Array {
  return (column as unknown as { [i: number]: number | bigint | Uint8Array })[row] as
    | number
    | bigint
    | Uint8Array;
}

export function identity(length: number): Int32Array {
  const index = new Int32Array(length);
  for (let i = 0; i < length; i++) index[i] = i;
  return index;
}
