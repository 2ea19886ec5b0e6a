/**
 * Bulk append through DuckDB's raw bindings: data chunks filled with `copy_data_to_vector`
 * straight from typed arrays. (`vector_get_data` returns a copy, so writing into it would change
 * nothing: see reference/duckdb-ingest.md.)
 */
import duckdb from "@duckdb/node-bindings";
import type { TypeLetter } from "../../../q-api/src/index.js";
import type { AppendColumn } from "./append-columns.js";
import { COLUMN_SQL } from "./column-types.js";

const LOGICAL_TYPE_IDS: Readonly<Record<string, duckdb.Type>> = {
  BIGINT: duckdb.Type.BIGINT,
  BOOLEAN: duckdb.Type.BOOLEAN,
  INTEGER: duckdb.Type.INTEGER,
  FLOAT: duckdb.Type.FLOAT,
  DOUBLE: duckdb.Type.DOUBLE,
  VARCHAR: duckdb.Type.VARCHAR,
};

export function logicalTypes(letters: readonly TypeLetter[]): duckdb.LogicalType[] {
  return letters.map((letter) =>
    duckdb.create_logical_type(LOGICAL_TYPE_IDS[COLUMN_SQL[letter]] as duckdb.Type),
  );
}

export interface AppendTarget {
  connection: duckdb.Connection;
  /** attached database name, e.g. `s0` */
  database: string;
  table: string;
  types: duckdb.LogicalType[];
}

/** Appends `rows` rows inside the connection's open transaction; throws on any failure. */
export function appendRows(target: AppendTarget, columns: readonly AppendColumn[], rows: number): void {
  const appender = duckdb.appender_create_ext(target.connection, target.database, "main", target.table);
  try {
    const chunk = duckdb.create_data_chunk(target.types);
    const size = duckdb.vector_size();
    for (let offset = 0; offset < rows; offset += size) {
      const count = Math.min(size, rows - offset);
      duckdb.data_chunk_reset(chunk);
      duckdb.data_chunk_set_size(chunk, count);
      for (const [i, column] of columns.entries()) {
        fillVector(duckdb.data_chunk_get_vector(chunk, i), column, offset, count);
      }
      duckdb.append_data_chunk(appender, chunk);
    }
    duckdb.appender_flush_sync(appender);
  } catch (err) {
    duckdb.appender_clear(appender);
    throw err;
  } finally {
    duckdb.appender_close_sync(appender);
  }
}

function fillVector(vector: duckdb.Vector, column: AppendColumn, offset: number, count: number): void {
  if (column.kind === "text") {
    for (let i = 0; i < count; i++) {
      duckdb.vector_assign_string_element_len(vector, i, column.data[offset + i] as Uint8Array);
    }
    return;
  }
  const { data, validity } = column;
  const width = data.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(
    vector,
    0,
    data.buffer as ArrayBuffer,
    data.byteOffset + offset * width,
    count * width,
  );
  if (validity === null) return;
  // chunk offsets are multiples of the vector size (2048), so each chunk's mask starts on a word
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(
    vector,
    0,
    validity.buffer as ArrayBuffer,
    offset >> 3,
    Math.ceil(count / 64) * 8,
  );
}
