/**
 * A SELECT statement run as `.guru.query` calls, one per measurement and field, and the tables
 * reshaped into InfluxDB series: one per measurement and tag set, time first, named columns.
 *
 * How InfluxDB's semantics are kept on the engine's: each field is queried with a "not null"
 * condition (an InfluxDB point only has the fields it was written with, so `first`/`last` skip
 * absent ones); a hidden `count` of the field tells empty buckets apart, so `fill(null)` leaves
 * `count` 0 and everything else null, and `fill(<number>)` writes the number there; `stddev` is
 * the sample standard deviation (the engine's is the population one, so it is rescaled by
 * n/(n−1), and null below two values); a single selector without GROUP BY time carries the time of
 * the point it selected; GROUP BY time buckets start at multiples of the interval from 1970 plus
 * the offset: the engine's 2000-aligned buckets where the interval divides the distance, else one
 * engine call per bucket (`windowsOf`).
 */
import type { QTable } from "../../../qipc/src/index.js";
import type { QueryInput } from "../queries/query-schemas.js";
import type { Column } from "../series/series-schemas.js";
import type { SelectStatement } from "./ast.js";
import { type EngineValue, type InfluxReader, rowsOf, tableColumns } from "./engine-reader.js";
import type { InfluxSeries, InfluxValue } from "./influx-json.js";
import { AGGREGATES, planSelect, SELECTORS, type SelectItem, uniqueNames } from "./select-plan.js";
import { byText, StatementError } from "./statement-error.js";
import { formatTime } from "./time-literals.js";
import { type Condition, type Translated, translateWhere } from "./where-clause.js";

/** 2000-01-01T00:00:00Z, where the engine's buckets are aligned, in ns since 1970 */
const ENGINE_ALIGNMENT = 946_684_800_000_000_000n;
const NUMERIC = new Set(["float", "real", "long", "int", "timespan", "boolean"]);

export interface SelectContext {
  reader: InfluxReader;
  /** the `db` parameter */
  db: string | undefined;
  now: bigint;
  epoch: string | undefined;
}

interface Row {
  /** one value per output item */
  values: InfluxValue[];
  /** points per field (aggregates other than first and last) */
  counts: Map<string, bigint>;
  /** the fields that had points in this bucket */
  present: Set<string>;
  /** first and last: the time of the point each output took */
  times: (bigint | undefined)[];
}

interface Group {
  tags: Record<string, string>;
  /** bucket time (ns since 1970) → its row */
  rows: Map<bigint, Row>;
}

const mod = (a: bigint, b: bigint) => ((a % b) + b) % b;

/** A condition that only rows holding the field pass (q's null is below every value). */
function presentCondition(column: Column): Condition | undefined {
  if (NUMERIC.has(column.type) && column.type !== "boolean")
    return { column: column.name, op: ">", value: null };
  if (column.type === "symbol") return { column: column.name, op: "!=", value: null };
  return undefined;
}

function whereInput(conditions: Condition[]): QueryInput["where"] {
  return conditions.map((c) => ({ column: c.column, op: c.op, value: c.value, text: false }));
}

function range(t: Translated): Pick<QueryInput, "start" | "end"> {
  return {
    ...(t.start === undefined ? {} : { start: String(t.start) }),
    ...(t.end === undefined ? {} : { end: String(t.end) }),
  };
}

/** The values of a tag among the rows the range and conditions select. */
export async function tagValues(
  reader: InfluxReader,
  db: string,
  measurement: string,
  tag: string,
  t: Pick<Translated, "start" | "end" | "conditions">,
): Promise<string[]> {
  const table = await reader.query(db, measurement, {
    precision: "ns",
    ...range(t as Translated),
    where: whereInput(t.conditions),
    by: [tag],
    agg: ["influxql_n=count(time)"],
  });
  const get = tableColumns(table).get(tag)!;
  const out: string[] = [];
  for (let r = 0; r < rowsOf(table); r++) out.push((get(r) as string | null) ?? "");
  return out;
}

/** Regexes on tags → `in` lists of the matching values. False when nothing can match. */
async function resolveRegexes(reader: InfluxReader, db: string, m: string, t: Translated): Promise<boolean> {
  for (const re of t.regexes) {
    const values = await tagValues(reader, db, m, re.column, {
      start: t.start,
      end: t.end,
      conditions: t.conditions,
    });
    const patterns = re.sources.map((s) => new RegExp(s));
    const matching = values.filter((v) => {
      const hit = re.values.includes(v) || patterns.some((p) => p.test(v));
      return re.negate ? !hit : hit;
    });
    if (matching.length === 0) return false;
    t.conditions.push({ column: re.column, op: "in", value: matching.map((v) => (v === "" ? null : v)) });
  }
  return true;
}

export async function executeSelect(st: SelectStatement, ctx: SelectContext): Promise<InfluxSeries[]> {
  const plan = planSelect(st);
  if (st.tz !== undefined && st.tz !== "UTC" && st.tz !== "Etc/UTC")
    throw new StatementError(`guru-api answers times in UTC only: tz('${st.tz}') is not supported`);
  const out: InfluxSeries[] = [];
  for (const source of st.sources) {
    const db = source.database ?? ctx.db;
    if (db === undefined || db === "") throw new StatementError("database name required");
    let names: string[];
    if (source.regex !== undefined) {
      const re = new RegExp(source.regex);
      names = (await ctx.reader.measurements(db)).map((m) => m.name).filter((n) => re.test(n));
    } else names = [source.name!];
    for (const m of names) out.push(...(await selectMeasurement(st, plan.items, plan.aggregate, db, m, ctx)));
  }
  const offset = st.soffset ?? 0;
  return out.slice(offset, st.slimit === undefined || st.slimit === 0 ? undefined : offset + st.slimit);
}

async function selectMeasurement(
  st: SelectStatement,
  items: SelectItem[],
  aggregate: boolean,
  db: string,
  m: string,
  ctx: SelectContext,
): Promise<InfluxSeries[]> {
  const columns = await ctx.reader.schema(db, m);
  if (columns === undefined) return [];
  const t = translateWhere(st.condition, columns, ctx.now);
  if (t.empty) return [];
  if (!(await resolveRegexes(ctx.reader, db, m, t))) return [];
  const tagColumns = columns.filter((c) => c.tag).map((c) => c.name);
  const groupTags = st.groupAllTags ? tagColumns : [...new Set(st.groupTags)];
  const series = aggregate
    ? await aggregateSeries(st, items, columns, groupTags, t, db, m, ctx)
    : await rawSeries(st, items, columns, groupTags, t, db, m, ctx);
  series.sort((a, b) => byText(tagKey(a.tags), tagKey(b.tags)));
  return series;
}

function tagKey(tags: Record<string, string> | undefined): string {
  return tags === undefined
    ? ""
    : Object.entries(tags)
        .map(([k, v]) => `${k}\u0000${v}`)
        .join("\u0001");
}

function groupOf(
  groups: Map<string, Group>,
  groupTags: string[],
  get: Map<string, (r: number) => EngineValue>,
  r: number,
): Group {
  const tags: Record<string, string> = {};
  for (const tag of [...groupTags].sort()) tags[tag] = (get.get(tag)?.(r) as string | null | undefined) ?? "";
  const key = tagKey(tags);
  let g = groups.get(key);
  if (g === undefined) {
    g = { tags, rows: new Map() };
    groups.set(key, g);
  }
  return g;
}

function limitRows<T>(rows: T[], st: SelectStatement): T[] {
  const offset = st.offset ?? 0;
  return rows.slice(offset, st.limit === undefined || st.limit === 0 ? undefined : offset + st.limit);
}

interface AggContext {
  st: SelectStatement;
  aggs: Extract<SelectItem, { kind: "agg" }>[];
  byName: Map<string, Column>;
  groupTags: string[];
  t: Translated;
  end: bigint | undefined;
  db: string;
  m: string;
  ctx: SelectContext;
  groups: Map<string, Group>;
  /** the engine calls each field takes */
  windows: Window[];
}

/** One engine call's range; `at`, when set, is the one InfluxDB bucket it fills (no engine bucket). */
interface Window {
  start: bigint | undefined;
  end: bigint | undefined;
  at?: bigint;
}

/** Most GROUP BY time() buckets a statement may take one engine call each (see `windowsOf`). */
const MAX_UNALIGNED_BUCKETS = 1000;

/**
 * The engine buckets from 2000-01-01, InfluxDB from 1970 plus the offset: where the interval
 * divides the distance (1s, 1m, 5m, 1h, 1d, ...) one bucketed call answers; otherwise (1w, 7d,
 * 1h with a 15m offset, ...) each InfluxDB bucket is a call of its own over its range.
 */
function windowsOf(st: SelectStatement, t: Translated, end: bigint | undefined): Window[] {
  const interval = st.interval;
  if (interval === undefined || mod(ENGINE_ALIGNMENT - interval.offset, interval.ns) === 0n)
    return [{ start: t.start, end }];
  if (t.start === undefined || end === undefined)
    throw new StatementError(
      "a GROUP BY time() interval not aligned with 2000-01-01 (such as 1w, or an offset) needs a lower time bound (time >= ...)",
    );
  const first = t.start - mod(t.start - interval.offset, interval.ns);
  const count = (end - 1n - first) / interval.ns + 1n;
  if (count > BigInt(MAX_UNALIGNED_BUCKETS))
    throw new StatementError(
      `${count} GROUP BY time() buckets: an interval not aligned with 2000-01-01 takes at most ${MAX_UNALIGNED_BUCKETS}; narrow the time range or widen the interval`,
    );
  const windows: Window[] = [];
  for (let at = first; at < end; at += interval.ns)
    windows.push({
      start: at === first ? t.start : at, // the range may start inside the first bucket
      end: at + interval.ns < end ? at + interval.ns : end,
      at,
    });
  return windows;
}

function rowAt(g: Group, at: bigint, width: number): Row {
  let row = g.rows.get(at);
  if (row === undefined) {
    row = {
      values: new Array<InfluxValue>(width).fill(null),
      counts: new Map(),
      present: new Set(),
      times: [],
    };
    g.rows.set(at, row);
  }
  return row;
}

function baseInput(a: AggContext, w: Window, field: string, by: string[], agg: string[]): QueryInput {
  const column = a.byName.get(field)!;
  const present = presentCondition(column);
  const interval = w.at === undefined ? a.st.interval : undefined;
  return {
    precision: "ns",
    ...range({ ...a.t, start: w.start, end: w.end }),
    where: whereInput([...a.t.conditions, ...(present === undefined ? [] : [present])]),
    ...(by.length === 0 ? {} : { by }),
    ...(interval === undefined ? {} : { bucket: `${interval.ns}ns`, fill: "none" as const }),
    agg,
  };
}

/** Every aggregate of one field but first and last: one call grouped by the GROUP BY tags. */
async function aggregateField(
  a: AggContext,
  field: string,
  mine: { fn: string; i: number }[],
): Promise<void> {
  const by = a.groupTags.filter((g) => a.byName.get(g)?.tag === true);
  const agg = [
    ...mine.map(({ fn, i }) => `influxql_${i}=${AGGREGATES[fn]}(${field})`),
    `influxql_n=count(${field})`,
  ];
  await perWindow({ a, field, mine }, by, agg, aggregated);
}

/** The items of one field that an engine call answers. */
interface FieldCall {
  a: AggContext;
  field: string;
  mine: { fn: string; i: number }[];
}

/** The field's engine call in each window, each answer handed to `take` with its window. */
async function perWindow(
  call: FieldCall,
  by: string[],
  agg: string[],
  take: (call: FieldCall, w: Window, table: QTable) => void,
): Promise<void> {
  const { a, field } = call;
  for (const w of a.windows)
    take(call, w, await a.ctx.reader.query(a.db, a.m, baseInput(a, w, field, by, agg)));
}

function aggregated({ a, field, mine }: FieldCall, w: Window, table: QTable): void {
  const get = tableColumns(table);
  const time = get.get("time");
  const n = get.get("influxql_n")!;
  const column = a.byName.get(field)!;
  for (let r = 0; r < rowsOf(table); r++) {
    const count = (n(r) as bigint | null) ?? 0n;
    if (count === 0n) continue;
    const g = groupOf(a.groups, a.groupTags, get, r);
    const row = rowAt(g, rowTime(a, w, time, r), a.aggs.length);
    row.counts.set(field, count);
    row.present.add(field);
    for (const { fn, i } of mine) {
      let v: InfluxValue = get.get(`influxql_${i}`)!(r);
      if (fn === "stddev")
        v = count > 1n && typeof v === "number" ? v * Math.sqrt(Number(count) / Number(count - 1n)) : null;
      if (typeof v === "bigint" && (column.type === "float" || column.type === "real") && fn !== "count")
        v = Number(v);
      row.values[i] = v;
    }
  }
}

/** The bucket of a result row: the engine's, the window's, or the range's start without buckets. */
function rowTime(
  a: AggContext,
  w: Window,
  time: ((r: number) => EngineValue) | undefined,
  r: number,
): bigint {
  return time === undefined ? (w.at ?? a.t.start ?? 0n) : (time(r) as bigint);
}

function before(x: InfluxValue, y: InfluxValue): boolean {
  if (x === null || y === null) return y === null && x !== null;
  return x < y;
}

/**
 * first and last: grouped by every tag, then reduced to the GROUP BY groups in InfluxDB's way —
 * the earliest (latest) point, and among points at the same time the smallest (largest) value.
 */
async function selectorField(a: AggContext, field: string, mine: { fn: string; i: number }[]): Promise<void> {
  const allTags = [...a.byName.values()].filter((c) => c.tag).map((c) => c.name);
  const agg = [
    ...mine.map(({ fn, i }) => `influxql_${i}=${fn}(${field})`),
    `influxql_tmin=min(time)`,
    `influxql_tmax=max(time)`,
  ];
  await perWindow({ a, field, mine }, allTags, agg, selected);
}

function selected({ a, field, mine }: FieldCall, w: Window, table: QTable): void {
  const get = tableColumns(table);
  const time = get.get("time");
  const [tmin, tmax] = [get.get("influxql_tmin")!, get.get("influxql_tmax")!];
  for (let r = 0; r < rowsOf(table); r++) {
    if (tmin(r) === null) continue;
    const g = groupOf(a.groups, a.groupTags, get, r);
    const row = rowAt(g, rowTime(a, w, time, r), a.aggs.length);
    row.present.add(field);
    for (const { fn, i } of mine) {
      const v = get.get(`influxql_${i}`)!(r) as InfluxValue;
      const at = (fn === "first" ? tmin(r) : tmax(r)) as bigint;
      const best = row.times[i];
      const better =
        best === undefined ||
        (fn === "first"
          ? at < best || (at === best && before(v, row.values[i]!))
          : at > best || (at === best && before(row.values[i]!, v)));
      if (better) {
        row.values[i] = v;
        row.times[i] = at;
      }
    }
  }
}

/** The buckets of the range, each group's empty ones filled as `fill()` says. */
function fillBuckets(a: AggContext): void {
  const { st } = a;
  const interval = st.interval!;
  const floor = (t: bigint) => t - mod(t - interval.offset, interval.ns);
  let lowest: bigint | undefined = a.t.start;
  if (lowest === undefined)
    for (const g of a.groups.values())
      for (const at of g.rows.keys()) lowest = lowest === undefined || at < lowest ? at : lowest;
  if (lowest === undefined || a.end === undefined) return;
  const first = floor(lowest);
  const last = floor(a.end - 1n);
  const buckets = (last - first) / interval.ns + 1n;
  if (buckets * BigInt(Math.max(1, a.groups.size)) > BigInt(a.ctx.reader.maxRows))
    throw new StatementError(
      `the result has more than ${a.ctx.reader.maxRows} rows (GURU_API_QUERY_MAX_ROWS): ${buckets} GROUP BY time() buckets per series; narrow the time range or widen the interval`,
    );
  for (const g of a.groups.values()) {
    const times: bigint[] = [];
    for (let at = first; at <= last; at += interval.ns) times.push(at);
    const rows = times.map((at) => rowAt(g, at, a.aggs.length));
    a.aggs.forEach((agg, i) => {
      const filled = (k: number) => rows[k]!.present.has(agg.field);
      for (let k = 0; k < rows.length; k++) {
        if (filled(k)) continue;
        let v: InfluxValue = null;
        if (st.fill.kind === "null") v = agg.fn === "count" ? 0n : null;
        else if (st.fill.kind === "number") v = st.fill.value;
        else if (st.fill.kind === "previous") {
          for (let p = k - 1; p >= 0; p--)
            if (filled(p)) {
              v = rows[p]!.values[i]!;
              break;
            }
        } else if (st.fill.kind === "linear") v = linear(rows, times, k, i, filled, interval.ns);
        rows[k]!.values[i] = v;
      }
    });
  }
}

/**
 * InfluxDB's fill(linear): m·x + b from the neighbouring non-empty buckets, with times counted in
 * intervals (time / interval, as InfluxDB's fill iterator does); integers truncated.
 */
function linear(
  rows: Row[],
  times: bigint[],
  k: number,
  i: number,
  filled: (k: number) => boolean,
  interval: bigint,
): InfluxValue {
  let p = k - 1;
  while (p >= 0 && !filled(p)) p--;
  let n = k + 1;
  while (n < rows.length && !filled(n)) n++;
  if (p < 0 || n >= rows.length) return null;
  const [a, b] = [rows[p]!.values[i]!, rows[n]!.values[i]!];
  const at = (j: number) => times[j]! / interval;
  const x = Number(at(k) - at(p));
  const span = Number(at(n) - at(p));
  if (typeof a === "number" && typeof b === "number") return ((b - a) / span) * x + a;
  if (typeof a === "bigint" && typeof b === "bigint")
    return BigInt(Math.trunc((Number(b - a) / span) * x + Number(a)));
  return null;
}

async function aggregateSeries(
  st: SelectStatement,
  items: SelectItem[],
  columns: Column[],
  groupTags: string[],
  t: Translated,
  db: string,
  m: string,
  ctx: SelectContext,
): Promise<InfluxSeries[]> {
  const aggs = items as Extract<SelectItem, { kind: "agg" }>[];
  const byName = new Map(columns.map((c) => [c.name, c]));
  const interval = st.interval;
  let end = t.end;
  // InfluxDB ends a GROUP BY time() query without an upper bound at now()
  if (interval !== undefined) end ??= ctx.now + 1n;
  const windows = windowsOf(st, t, end);
  const a: AggContext = { st, aggs, byName, groupTags, t, end, db, m, ctx, groups: new Map(), windows };
  for (const field of [...new Set(aggs.map((x) => x.field))]) {
    const column = byName.get(field);
    if (column === undefined || column.tag) continue;
    const mine = aggs.map((x, i) => ({ fn: x.fn, i })).filter(({ i }) => aggs[i]!.field === field);
    const selectors = mine.filter(({ fn }) => fn === "first" || fn === "last");
    const others = mine.filter(({ fn }) => fn !== "first" && fn !== "last");
    if (others.length > 0) await aggregateField(a, field, others);
    if (selectors.length > 0) await selectorField(a, field, selectors);
  }
  if (interval !== undefined && st.fill.kind !== "none") fillBuckets(a);
  const names = uniqueNames(aggs.map((x) => x.name));
  const single = interval === undefined && aggs.length === 1 && SELECTORS.has(aggs[0]!.fn);
  const out: InfluxSeries[] = [];
  for (const g of a.groups.values()) {
    let rows = [...g.rows.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    if (single) rows = await selectorTime(byName.get(aggs[0]!.field)!, g, rows, t, db, m, ctx);
    if (st.order === "desc") rows.reverse();
    out.push({
      name: m,
      ...(groupTags.length === 0 ? {} : { tags: g.tags }),
      columns: ["time", ...names],
      values: limitRows(rows, st).map(([at, row]) => [formatTime(at, ctx.epoch), ...row.values]),
    });
  }
  return out;
}

/** InfluxDB gives a lone selector (first, last, min, max) the time of the point it selected. */
async function selectorTime(
  column: Column,
  g: Group,
  rows: [bigint, Row][],
  t: Translated,
  db: string,
  m: string,
  ctx: SelectContext,
): Promise<[bigint, Row][]> {
  const [entry] = rows;
  if (entry === undefined) return rows;
  const [, row] = entry;
  if (row.times[0] !== undefined) return [[row.times[0], row]];
  const value = row.values[0];
  const conditions: Condition[] = [...t.conditions];
  for (const [tag, v] of Object.entries(g.tags))
    conditions.push({ column: tag, op: "=", value: v === "" ? null : v });
  conditions.push({ column: column.name, op: "=", value: typeof value === "bigint" ? String(value) : value });
  const table = await ctx.reader.query(db, m, {
    precision: "ns",
    ...range(t),
    where: whereInput(conditions),
    columns: [column.name],
    order: "asc",
    limit: 1,
  });
  if (rowsOf(table) === 0) return rows;
  const at = tableColumns(table).get("time")!(0) as bigint;
  return [[at, row]];
}

async function rawSeries(
  st: SelectStatement,
  items: SelectItem[],
  columns: Column[],
  groupTags: string[],
  t: Translated,
  db: string,
  m: string,
  ctx: SelectContext,
): Promise<InfluxSeries[]> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const selected: { field: string; name: string }[] = [];
  for (const it of items) {
    if (it.kind === "wildcard") {
      const names = columns
        .filter((c) => c.name !== "time" && !(c.tag && groupTags.includes(c.name)))
        .map((c) => c.name)
        .sort();
      selected.push(...names.map((n) => ({ field: n, name: n })));
    } else if (it.kind === "raw") selected.push({ field: it.field, name: it.name });
  }
  const fields = selected.filter((s) => byName.get(s.field) !== undefined && !byName.get(s.field)!.tag);
  if (fields.length === 0) return [];
  const by = groupTags.filter((g) => byName.get(g)?.tag === true);
  const wanted = [
    ...new Set([...selected.map((s) => s.field).filter((f) => byName.has(f) && f !== "time"), ...by]),
  ];
  const conditions = [...t.conditions];
  const lone = fields.length === 1 ? presentCondition(byName.get(fields[0]!.field)!) : undefined;
  if (lone !== undefined) conditions.push(lone);
  const engineLimit =
    by.length === 0 &&
    (fields.length === 1 ? lone !== undefined : false) &&
    st.limit !== undefined &&
    st.limit > 0
      ? (st.offset ?? 0) + st.limit
      : undefined;
  const table = await ctx.reader.query(db, m, {
    precision: "ns",
    ...range(t),
    where: whereInput(conditions),
    columns: wanted,
    order: st.order,
    ...(engineLimit === undefined ? {} : { limit: engineLimit }),
  });
  const get = tableColumns(table);
  const time = get.get("time")!;
  const groups = new Map<string, { tags: Record<string, string>; rows: InfluxValue[][] }>();
  for (let r = 0; r < rowsOf(table); r++) {
    // InfluxDB has no point where none of the selected fields has a value
    if (fields.every((f) => get.get(f.field)!(r) === null)) continue;
    const tags: Record<string, string> = {};
    for (const tag of [...groupTags].sort())
      tags[tag] = (get.get(tag)?.(r) as string | null | undefined) ?? "";
    const key = tagKey(tags);
    let g = groups.get(key);
    if (g === undefined) {
      g = { tags, rows: [] };
      groups.set(key, g);
    }
    g.rows.push([
      formatTime(time(r) as bigint, ctx.epoch),
      ...selected.map((s) => (get.has(s.field) ? get.get(s.field)!(r) : null)),
    ]);
  }
  const names = uniqueNames(["time", ...selected.map((s) => s.name)]);
  return [...groups.values()].map((g) => ({
    name: m,
    ...(groupTags.length === 0 ? {} : { tags: g.tags }),
    columns: names,
    values: limitRows(g.rows, st),
  }));
}
