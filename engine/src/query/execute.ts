/**
 * Runs `.guru.query` and `.guru.last` specs on the store and shapes the results: order, fill,
 * pages and cursors, then q tables.
 */

import { aggResultType, qFail, type TypeLetter } from "../../../q-api/src/index.js";
import { LONG_NULL, type QTable } from "../../../qipc/src/index.js";
import { type RawColumn, toQ } from "../store/result-columns.js";
import { type ColumnDef, type SeriesDef, tableName, timeRange } from "../store/schema.js";
import { SqlParams } from "../store/sql-params.js";
import type { Store } from "../store/store.js";
import type { SymbolTable } from "../store/symbols.js";
import { slice, take } from "./columns.js";
import { decodeCursor, encodeCursor, type Position } from "./cursor.js";
import { fillBuckets } from "./fill.js";
import { sortedIndex } from "./order.js";
import { conditionSql } from "./predicates.js";
import type { AggSpec, QuerySpec } from "./spec.js";
import { aggSql, lastSql, rawSql, type Source } from "./sql.js";

export interface QueryEnv {
  store: Store;
  /** the server's row limit (docs/q-api.md §4) */
  maxRows: number;
  signal?: AbortSignal;
}

export interface QueryResult {
  table: QTable;
  /** cursor of the next page, or null when this was the last */
  next: string | null;
}

/** Paged mode: the result is `data`next!(table; cursor) (docs/q-api.md, paging). */
export function isPaged(spec: QuerySpec): boolean {
  return spec.limit !== null || spec.cursor !== null;
}

export function runQuery(spec: QuerySpec, env: QueryEnv): Promise<QueryResult> {
  return spec.agg === null ? runRaw(spec, env) : runAggregate(spec, spec.agg, env);
}

function pageSize(spec: QuerySpec, env: QueryEnv): number {
  return Math.min(spec.limit ?? env.maxRows, env.maxRows);
}

function position(spec: QuerySpec, kind: Position["kind"]): Position | null {
  if (spec.cursor === null) return null;
  const decoded = decodeCursor(spec, spec.cursor);
  if (decoded.kind !== kind) throw qFail("guru.arg", "cursor");
  return decoded;
}

function sourceOf(spec: QuerySpec, env: QueryEnv, params: SqlParams): Source {
  // expired rows (older than the retention's cutoff) are never seen, whatever `start` says
  const from = env.store.visibleFrom(spec.start);
  const conditions = [
    ...timeRange(from, spec.end),
    ...spec.where.map((w) => conditionSql(w, env.store.symbols, params)),
  ];
  return {
    segments: env.store.segments,
    table: tableName(spec.series),
    where: conditions.length === 0 ? "TRUE" : conditions.join(" AND "),
    from,
  };
}

async function runRaw(spec: QuerySpec, env: QueryEnv): Promise<QueryResult> {
  const resume = position(spec, "raw") as Extract<Position, { kind: "raw" }> | null;
  const size = pageSize(spec, env);
  const params = new SqlParams();
  const sql = rawSql(sourceOf(spec, env, params), spec, resume, size + 1);
  const letters: TypeLetter[] = ["p", ...spec.columns.map((c) => c.type)];
  const names = ["time", ...spec.columns.map((c) => c.name)];
  const result = await env.store.read(sql, params.list, letters, { maxRows: size + 1, signal: env.signal });
  if (result.rows <= size)
    return { table: toTable(names, letters, result.columns, env.store.symbols), next: null };
  if (!isPaged(spec)) throw qFail("guru.query.limit", `more than ${env.maxRows} rows`);
  const columns = result.columns.map((c) => slice(c, 0, size));
  const time = columns[0] as BigInt64Array;
  const last = time[size - 1] as bigint;
  let skip = 0;
  for (let i = size - 1; i >= 0 && time[i] === last; i--) skip++;
  if (resume !== null && resume.time === last) skip += resume.skip;
  return {
    table: toTable(names, letters, columns, env.store.symbols),
    next: encodeCursor(spec, { kind: "raw", time: last, skip }),
  };
}

async function runAggregate(spec: QuerySpec, aggs: AggSpec[], env: QueryEnv): Promise<QueryResult> {
  const resume = position(spec, "offset") as Extract<Position, { kind: "offset" }> | null;
  const bucketed = spec.bucket !== null;
  const letters: TypeLetter[] = [
    ...(bucketed ? (["p"] as const) : []),
    ...spec.by.map(() => "s" as const),
    ...aggs.map((a) => aggResultType(a.fn, a.column.type)),
  ];
  const names = [...(bucketed ? ["time"] : []), ...spec.by.map((c) => c.name), ...aggs.map((a) => a.output)];
  const params = new SqlParams();
  const sql = aggSql(sourceOf(spec, env, params), spec, aggs);
  const result = await env.store.read(sql, params.list, letters, {
    maxRows: env.maxRows,
    signal: env.signal,
  });
  refuseOverflow(aggs, result.columns.slice(letters.length - aggs.length));
  const { columns, rows } = arrange(spec, aggs, letters, result.columns, result.rows, env);
  if (!isPaged(spec) && rows > env.maxRows) throw qFail("guru.query.limit", `${rows} rows`);
  const offset = resume?.offset ?? 0;
  const end = Math.min(rows, offset + pageSize(spec, env));
  const page = columns.map((c) => slice(c, Math.min(offset, rows), end));
  return {
    table: toTable(names, letters, page, env.store.symbols),
    next: end < rows ? encodeCursor(spec, { kind: "offset", offset: end }) : null,
  };
}

/** A sum of longs or timespans is never null unless it is past what a long holds (sql.ts). */
function refuseOverflow(aggs: AggSpec[], outputs: RawColumn[]): void {
  aggs.forEach((a, i) => {
    const values = outputs[i];
    if (a.fn === "sum" && values instanceof BigInt64Array && values.includes(LONG_NULL))
      throw qFail("guru.overflow", `${a.output}: sum of ${a.column.name} is beyond what a long holds`);
  });
}

/** Puts aggregated rows in result order, filling empty buckets when asked. */
function arrange(
  spec: QuerySpec,
  aggs: AggSpec[],
  letters: TypeLetter[],
  columns: RawColumn[],
  rows: number,
  env: QueryEnv,
): { columns: RawColumn[]; rows: number } {
  const lead = spec.bucket === null ? 0 : 1;
  const bucket = spec.bucket === null ? null : (columns[0] as BigInt64Array);
  const groups = columns.slice(lead, lead + spec.by.length) as Int32Array[];
  const ranks = env.store.symbols.ranks();
  if (spec.bucket !== null && bucket !== null && spec.fill !== "none") {
    const filled = fillBuckets(
      { rows, bucket, groups, values: columns.slice(lead + spec.by.length) },
      {
        width: spec.bucket,
        start: spec.start,
        end: spec.end,
        mode: spec.fill,
        descending: spec.order === "desc",
        grouped: spec.by.length > 0,
        outputs: aggs.map((a, i) => ({ fn: a.fn, letter: letters[lead + spec.by.length + i] as TypeLetter })),
        ranks,
        maxRows: env.maxRows,
      },
    );
    return { columns: [filled.bucket, ...filled.groups, ...filled.values], rows: filled.rows };
  }
  if (rows <= 1) return { columns, rows };
  const index = sortedIndex({ time: bucket, descending: spec.order === "desc", groups, ranks }, rows);
  return { columns: columns.map((c, i) => take(c, letters[i] as TypeLetter, index)), rows };
}

/** The latest row of each group of the `by` tags, sorted by them. */
export async function runLast(series: SeriesDef, by: ColumnDef[], env: QueryEnv): Promise<QTable> {
  const names = series.columns.map((c) => c.name);
  const letters = series.columns.map((c) => c.type);
  const visible = timeRange(env.store.visibleFrom(null), null);
  const source = {
    segments: env.store.segments,
    table: tableName(series),
    where: visible.length === 0 ? "TRUE" : visible.join(" AND "),
    from: null,
  };
  const sql = lastSql(
    source,
    names,
    by.map((c) => c.name),
  );
  const result = await env.store.read(sql, [], letters, { maxRows: env.maxRows, signal: env.signal });
  const groups = by.map((c) => result.columns[names.indexOf(c.name)] as Int32Array);
  const index = sortedIndex(
    { time: null, descending: false, groups, ranks: env.store.symbols.ranks() },
    result.rows,
  );
  const columns = result.columns.map((c, i) => take(c, letters[i] as TypeLetter, index));
  return toTable(names, letters, columns, env.store.symbols);
}

export function toTable(
  names: readonly string[],
  letters: readonly TypeLetter[],
  columns: readonly RawColumn[],
  symbols: SymbolTable,
): QTable {
  return {
    type: 98,
    attr: 0,
    columns: [...names],
    data: columns.map((c, i) => toQ(letters[i] as TypeLetter, c, symbols)),
  };
}
