/**
 * DuckDB results to q columns: each vector's memory is copied out in one call and the pieces
 * joined into one typed array per column; SQL NULLs become q nulls. 64-bit values stay in
 * BigInt64Arrays throughout, so no timestamp or long passes through a double.
 */
import type { DuckDBMaterializedResult } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { COLUMN_TYPES, qFail, type TypeLetter } from "../../../q-api/src/index.js";
import type { QValue } from "../../../qipc/src/index.js";
import type { FixedArray } from "./column-types.js";
import { NULL_SYMBOL_ID, type SymbolTable } from "./symbols.js";

/** Columns as read: fixed-width values (symbol columns as ids), or byte strings for `C`. */
export type RawColumn = FixedArray | Uint8Array[];

export interface RawResult {
  columns: RawColumn[];
  rows: number;
}

const FIXED: Readonly<
  Record<Exclude<TypeLetter, "C">, { array: new (n: number) => FixedArray; width: number }>
> = {
  p: { array: BigInt64Array, width: 8 },
  j: { array: BigInt64Array, width: 8 },
  n: { array: BigInt64Array, width: 8 },
  i: { array: Int32Array, width: 4 },
  s: { array: Int32Array, width: 4 },
  e: { array: Float32Array, width: 4 },
  f: { array: Float64Array, width: 8 },
  b: { array: Uint8Array, width: 1 },
};

/**
 * Reads every chunk of a materialized `result` (no thread hop per chunk, as fetching a stream
 * takes); more than `maxRows` rows is `'guru.query.limit`.
 */
export function readResult(
  result: DuckDBMaterializedResult,
  letters: readonly TypeLetter[],
  maxRows: number,
): RawResult {
  const pieces: RawColumn[][] = letters.map(() => []);
  let rows = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const count = chunk.rowCount;
    if (count === 0) continue;
    rows += count;
    if (rows > maxRows) throw qFail("guru.query.limit", `more than ${maxRows} rows`);
    letters.forEach((letter, i) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
      (pieces[i] as RawColumn[]).push(
        letter === "C" ? readText(vector, count) : readFixed(vector, letter, count),
      );
    });
  }
  return { columns: letters.map((letter, i) => join(letter, pieces[i] as RawColumn[], rows)), rows };
}

function readFixed(vector: duckdb.Vector, letter: Exclude<TypeLetter, "C">, count: number): FixedArray {
  const { array, width } = FIXED[letter];
  const bytes = duckdb.vector_get_data(vector, count * width);
  const values = new (array as unknown as new (b: ArrayBufferLike, o: number, n: number) => FixedArray)(
    bytes.buffer,
    bytes.byteOffset,
    count,
  );
  const validity = duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8);
  if (validity !== null) setNulls(values, letter, validity, count);
  return values;
}

function setNulls(
  values: FixedArray,
  letter: Exclude<TypeLetter, "C">,
  validity: Uint8Array,
  count: number,
): void {
  const nullValue = nullOf(letter);
  for (let i = 0; i < count; i++) {
    if (((validity[i >> 3] as number) & (1 << (i & 7))) === 0)
      (values as unknown as (number | bigint)[])[i] = nullValue;
  }
}

/** The q null stored in a typed array of this letter (booleans have none: `0b`; symbols are ids). */
export function nullOf(letter: Exclude<TypeLetter, "C">): number | bigint {
  return letter === "s" ? NULL_SYMBOL_ID : COLUMN_TYPES[letter].null;
}

/** duckdb_string_t: a 4-byte length, then up to 12 inline bytes, or a 4-byte prefix and a pointer. */
function readText(vector: duckdb.Vector, count: number): Uint8Array[] {
  const data = duckdb.vector_get_data(vector, count * 16);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(count / 64) * 8);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const offset = i * 16;
    const length = view.getUint32(offset, true);
    if (validity !== null && ((validity[i >> 3] as number) & (1 << (i & 7))) === 0)
      out.push(new Uint8Array(0));
    else if (length <= 12) out.push(data.slice(offset + 4, offset + 4 + length));
    else
      out.push(
        duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + offset + 8, length),
      );
  }
  return out;
}

function join(letter: TypeLetter, pieces: RawColumn[], rows: number): RawColumn {
  if (letter === "C") return (pieces as Uint8Array[][]).flat();
  if (pieces.length === 1) return pieces[0] as FixedArray;
  const out = new FIXED[letter].array(rows);
  let offset = 0;
  for (const piece of pieces as FixedArray[]) {
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** An empty column of a letter. */
export function emptyColumn(letter: TypeLetter): RawColumn {
  return letter === "C" ? [] : new FIXED[letter].array(0);
}

/** A raw column as a q value: symbol ids become names, `C` a general list of char vectors. */
export function toQ(letter: TypeLetter, column: RawColumn, symbols: SymbolTable): QValue {
  if (letter === "C") {
    return {
      type: 0,
      attr: 0,
      value: (column as Uint8Array[]).map((bytes) => ({ type: 10, attr: 0, value: bytes })),
    };
  }
  if (letter === "s") {
    const ids = column as Int32Array;
    const names: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) names[i] = symbols.name(ids[i] as number);
    return { type: 11, attr: 0, value: names };
  }
  return { type: COLUMN_TYPES[letter].vector, attr: 0, value: column } as QValue;
}
