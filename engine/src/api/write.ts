/** `.guru.write` and `.guru.delete`. */

import { COLUMN_TYPES, qFail } from "../../../q-api/src/index.js";
import type { QValue } from "../../../qipc/src/index.js";
import type { ColumnValue } from "../store/append-columns.js";
import { int64Words, isNullLongAt } from "../store/column-types.js";
import type { ColumnDef, SeriesDef } from "../store/schema.js";
import { argError, existingSeries, symbolAtom, timestampAtom, typeError } from "./args.js";
import type { ApiEnv, Call } from "./env.js";
import { count, items, long } from "./q.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export async function write(env: ApiEnv, { args }: Call): Promise<QValue> {
  const name = symbolAtom(args[0] as QValue, "name");
  const data = args[1] as QValue;
  const byName = columnsOf(data);
  const series = existingSeries(env.store, name);
  const { values, rows } = checkColumns(series, byName);
  await env.store.write(series, values, rows);
  env.written(rows);
  return long(BigInt(rows));
}

/** A table's or a dict's columns by name. */
function columnsOf(data: QValue): Map<string, QValue> {
  if (data.type === 98) return new Map(data.columns.map((c, i) => [c, data.data[i] as QValue]));
  if (data.type !== 99) throw typeError("data");
  const values = items(data.values);
  const keys = data.keys;
  const names = keys.type === 11 ? keys.value : keys.type === 0 && keys.value.length === 0 ? [] : null;
  if (names === null || values === null || values.length !== names.length) throw typeError("data");
  return new Map(names.map((n, i) => [n, values[i] as QValue]));
}

/** The columns in schema order, each exactly of its schema type and of one length. */
function checkColumns(
  series: SeriesDef,
  byName: Map<string, QValue>,
): { values: ColumnValue[]; rows: number } {
  const mismatch = (detail: string) => qFail("guru.schema.mismatch", detail);
  for (const name of byName.keys()) {
    if (!series.columns.some((c) => c.name === name)) throw mismatch(`no column ${name}`);
  }
  const values = series.columns.map((column) => {
    const value = byName.get(column.name);
    if (value === undefined) throw mismatch(`missing ${column.name}`);
    if (!hasType(column, value)) throw mismatch(`${column.name} is not of type ${column.type}`);
    return value as ColumnValue;
  });
  const rows = count(values[0] as ColumnValue);
  for (const [i, value] of values.entries()) {
    if (count(value) !== rows)
      throw mismatch(`${series.columns[i]?.name} has ${count(value)} rows, time ${rows}`);
  }
  if (hasNullTime(values[0]?.value as BigInt64Array)) throw argError("time holds a null");
  return { values, rows };
}

function hasType(column: ColumnDef, value: QValue): boolean {
  if (column.type !== "C") return value.type === COLUMN_TYPES[column.type].vector;
  return value.type === 0 && value.value.every((v) => v.type === 10 && isUtf8(v.value));
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hasNullTime(time: BigInt64Array): boolean {
  const words = int64Words(time);
  for (let i = 0; i < time.length; i++) if (isNullLongAt(words, i)) return true;
  return false;
}

export async function remove(env: ApiEnv, { args }: Call): Promise<QValue> {
  const name = symbolAtom(args[0] as QValue, "name");
  const start = timestampAtom(args[1] as QValue, "start");
  const end = timestampAtom(args[2] as QValue, "end");
  const series = existingSeries(env.store, name);
  return long(await env.store.delete(series, start, end));
}
