/**
 * The options dict of `.guru.query` (docs/q-api.md) into a checked `QuerySpec`. Every item is
 * type checked (`guru.type: options.KEY`) and checked against the series' schema.
 */

import {
  AGG_FNS,
  type AggFn,
  aggAccepts,
  COLUMN_TYPES,
  FILLS,
  type Fill,
  isValidName,
  OPS,
  type Op,
  type TypeLetter,
} from "../../../q-api/src/index.js";
import type { QValue } from "../../../qipc/src/index.js";
import type { AggSpec, Condition, QuerySpec, Scalar } from "../query/spec.js";
import type { ColumnDef, SeriesDef } from "../store/schema.js";
import {
  argError,
  columnOf,
  listItems,
  noDuplicates,
  symbolAtom,
  symbolList,
  tagColumns,
  text,
  timestampAtom,
  typeError,
} from "./args.js";
import { isGenericNull, items } from "./q.js";

export const MAX_CONDITIONS = 64;
export const MAX_IN_ITEMS = 100_000;
export const MAX_AGGS = 64;

const KEYS = ["start", "end", "columns", "where", "by", "bucket", "agg", "fill", "limit", "cursor", "order"];

/** The options dict's entries, type checked as a whole (before the series is looked up). */
export function optionEntries(value: QValue): Map<string, QValue> {
  if (isGenericNull(value)) return new Map();
  if (value.type !== 99) throw typeError("options");
  const keys = value.keys;
  const names = keys.type === 11 ? keys.value : keys.type === 0 && keys.value.length === 0 ? [] : null;
  const values = items(value.values);
  if (names === null || values === null || values.length !== names.length) throw typeError("options");
  noDuplicates(names, "options");
  for (const key of names) if (!KEYS.includes(key)) throw argError(`options.${key}`);
  return new Map(names.map((n, i) => [n, values[i] as QValue]));
}

export function parseQuery(series: SeriesDef, options: Map<string, QValue>): QuerySpec {
  const get = (key: string) => options.get(key);
  const opt = <T>(key: string, parse: (v: QValue) => T, fallback: T): T => {
    const v = get(key);
    return v === undefined ? fallback : parse(v);
  };
  const spec: QuerySpec = {
    series,
    start: opt("start", (v) => timestampAtom(v, "options.start"), null),
    end: opt("end", (v) => timestampAtom(v, "options.end"), null),
    columns: opt("columns", (v) => outputColumns(series, v), series.columns.slice(1)),
    where: opt("where", (v) => conditions(series, v), []),
    by: opt("by", (v) => byColumns(series, v), []),
    bucket: opt("bucket", bucket, null),
    agg: opt("agg", (v) => aggregates(series, v), null),
    fill: opt("fill", (v) => oneOf(v, "options.fill", FILLS), "none" as Fill),
    order: opt("order", (v) => oneOf(v, "options.order", ["asc", "desc"] as const), "asc"),
    limit: opt("limit", limit, null),
    cursor: opt("cursor", (v) => text(v, "options.cursor"), null),
  };
  if ((spec.by.length > 0 || spec.bucket !== null) && spec.agg === null)
    throw argError("options.agg is required with by or bucket");
  if (spec.agg !== null && options.has("columns"))
    throw argError("options.columns applies to raw queries only");
  if (spec.fill !== "none" && spec.bucket === null) throw argError("options.fill needs options.bucket");
  if (spec.agg !== null) checkOutputNames(spec.agg, spec.by);
  return spec;
}

function outputColumns(series: SeriesDef, value: QValue): ColumnDef[] {
  const names = symbolList(value, "options.columns");
  noDuplicates(names, "options.columns");
  return names.filter((n) => n !== "time").map((n) => columnOf(series, n));
}

function byColumns(series: SeriesDef, value: QValue): ColumnDef[] {
  return tagColumns(series, symbolList(value, "options.by"), "options.by");
}

function bucket(value: QValue): bigint {
  if (value.type !== -16) throw typeError("options.bucket");
  if (value.value <= 0n) throw argError("options.bucket must be positive");
  return value.value;
}

function limit(value: QValue): number {
  if (value.type !== -7) throw typeError("options.limit");
  if (value.value <= 0n) throw argError("options.limit must be positive");
  return value.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value.value);
}

function oneOf<T extends string>(value: QValue, path: string, allowed: readonly T[]): T {
  const word = symbolAtom(value, path);
  if (!(allowed as readonly string[]).includes(word)) throw argError(`${path} ${word}`);
  return word as T;
}

function aggregates(series: SeriesDef, value: QValue): AggSpec[] {
  if (value.type !== 99 || value.keys.type !== 11) throw typeError("options.agg");
  const outputs = value.keys.value;
  const specs = items(value.values);
  if (specs === null || specs.length !== outputs.length) throw typeError("options.agg");
  if (outputs.length === 0 || outputs.length > MAX_AGGS)
    throw argError(`options.agg takes 1 to ${MAX_AGGS} outputs`);
  noDuplicates(outputs, "options.agg");
  return outputs.map((output, i) => {
    const pair = listItems(specs[i] as QValue, "options.agg");
    if (pair.length !== 2) throw typeError("options.agg");
    const fn = oneOf(pair[0] as QValue, "options.agg", AGG_FNS) as AggFn;
    const col = columnOf(series, symbolAtom(pair[1] as QValue, "options.agg"));
    if (!aggAccepts(fn, col.type)) throw argError(`options.agg: ${fn} of ${col.name} (type ${col.type})`);
    return { output, fn, column: col };
  });
}

function checkOutputNames(aggs: AggSpec[], by: ColumnDef[]): void {
  for (const { output } of aggs) {
    if (!isValidName(output) || output === "time" || by.some((c) => c.name === output)) {
      throw argError(`options.agg: bad output name ${output}`);
    }
  }
}

function conditions(series: SeriesDef, value: QValue): Condition[] {
  const list = listItems(value, "options.where");
  if (list.length > MAX_CONDITIONS)
    throw argError(`options.where takes at most ${MAX_CONDITIONS} conditions`);
  return list.map((item) => condition(series, item));
}

/** Which ops each column type takes (docs/q-api.md, where). */
function opAllowed(op: Op, type: TypeLetter): boolean {
  if (op === "like") return type === "s" || type === "C";
  if (op === "<" || op === "<=" || op === ">" || op === ">=" || op === "within")
    return type !== "b" && type !== "C";
  return true;
}

function condition(series: SeriesDef, item: QValue): Condition {
  const parts = listItems(item, "options.where");
  if (parts.length !== 3) throw typeError("options.where");
  const col = columnOf(series, symbolAtom(parts[0] as QValue, "options.where"));
  const op = oneOf(parts[1] as QValue, "options.where", OPS) as Op;
  if (!opAllowed(op, col.type)) throw argError(`options.where: ${op} on ${col.name} (type ${col.type})`);
  return { column: col, op, value: conditionValue(col.type, op, parts[2] as QValue) };
}

function conditionValue(type: TypeLetter, op: Op, value: QValue): Scalar | Scalar[] {
  if (op === "like") return text(value, "options.where");
  if (op === "in" || op === "within") {
    const values = listValues(type, value);
    if (op === "within" && values.length !== 2) throw argError("options.where: within takes 2 values");
    if (values.length > MAX_IN_ITEMS)
      throw argError(`options.where: in takes at most ${MAX_IN_ITEMS} values`);
    return values;
  }
  return scalar(type, value);
}

/** A list of the column's type; for `C` a general list of char vectors; `()` is empty. */
function listValues(type: TypeLetter, value: QValue): Scalar[] {
  if (value.type === 0 && value.value.length === 0) return [];
  if (type === "C") {
    if (value.type !== 0) throw typeError("options.where");
    return value.value.map((v) => scalar(type, v));
  }
  if (value.type !== COLUMN_TYPES[type].vector) throw typeError("options.where");
  return (items(value) as QValue[]).map((v) => scalar(type, v));
}

/** One value of the column's exact q type, nulls as null. */
function scalar(type: TypeLetter, value: QValue): Scalar {
  if (value.type !== COLUMN_TYPES[type].atom) throw typeError("options.where");
  if (type === "C") return text(value, "options.where");
  const v = (value as { value: Scalar }).value;
  // the empty symbol stays a name: where compares symbols by their text
  if (type === "s") return v;
  return v === COLUMN_TYPES[type].null || (Number.isNaN(v) && (type === "e" || type === "f")) ? null : v;
}
