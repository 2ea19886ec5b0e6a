/**
 * The SHOW statements Grafana and the `influx` CLI send, answered from the catalog (databases,
 * series schemas) and, for tag values, from `.guru.query` grouped by the tag. Shapes and names as
 * InfluxDB 1.x: `databases`/`measurements` series of `name`, `tagKey`, `key`/`value`,
 * `fieldKey`/`fieldType` per measurement, one `autogen` retention policy.
 */
import type { Column } from "../series/series-schemas.js";
import type { ShowFieldKeys, ShowMeasurements, ShowTagKeys, ShowTagValues, Source } from "./ast.js";
import type { InfluxReader, Measurement } from "./engine-reader.js";
import type { InfluxSeries } from "./influx-json.js";
import { tagValues } from "./select-executor.js";
import { byText, StatementError } from "./statement-error.js";
import { type Translated, translateWhere } from "./where-clause.js";

const FIELD_TYPES: Record<Column["type"], string> = {
  float: "float",
  real: "float",
  long: "integer",
  int: "integer",
  timespan: "integer",
  boolean: "boolean",
  string: "string",
  symbol: "string",
  timestamp: "integer",
};

function database(statement: { database?: string }, db: string | undefined): string {
  const name = statement.database ?? db;
  if (name === undefined || name === "") throw new StatementError("database name required");
  return name;
}

function page<T>(items: T[], limit: number | undefined, offset: number | undefined): T[] {
  const from = offset ?? 0;
  return items.slice(from, limit === undefined || limit === 0 ? undefined : from + limit);
}

async function measurementsOf(reader: InfluxReader, db: string, sources: Source[]): Promise<Measurement[]> {
  const all = await reader.measurements(db);
  if (sources.length === 0) return all;
  return all.filter((m) =>
    sources.some((s) => (s.regex !== undefined ? new RegExp(s.regex).test(m.name) : s.name === m.name)),
  );
}

export async function showDatabases(reader: InfluxReader): Promise<InfluxSeries[]> {
  const names = (await reader.databases()).sort();
  return [{ name: "databases", columns: ["name"], values: names.map((n) => [n]) }];
}

export function showRetentionPolicies(): InfluxSeries[] {
  return [
    {
      columns: ["name", "duration", "shardGroupDuration", "replicaN", "default"],
      values: [["autogen", "0s", "168h0m0s", 1, true]],
    },
  ];
}

export async function showMeasurements(
  st: ShowMeasurements,
  reader: InfluxReader,
  db: string | undefined,
): Promise<InfluxSeries[]> {
  if (st.condition !== undefined)
    throw new StatementError("guru-api does not support WHERE in SHOW MEASUREMENTS");
  let names = (await reader.measurements(database(st, db))).map((m) => m.name).sort();
  const match = st.match;
  if (match !== undefined) {
    const test =
      match.op === "=" || match.op === "!="
        ? (n: string) => n === match.value
        : (
            (re) => (n: string) =>
              re.test(n)
          )(new RegExp(match.value));
    const negate = match.op === "!=" || match.op === "!~";
    names = names.filter((n) => test(n) !== negate);
  }
  names = page(names, st.limit, st.offset);
  return names.length === 0
    ? []
    : [{ name: "measurements", columns: ["name"], values: names.map((n) => [n]) }];
}

export async function showTagKeys(
  st: ShowTagKeys,
  reader: InfluxReader,
  db: string | undefined,
): Promise<InfluxSeries[]> {
  if (st.condition !== undefined)
    throw new StatementError("guru-api does not support WHERE in SHOW TAG KEYS");
  const out: InfluxSeries[] = [];
  for (const m of (await measurementsOf(reader, database(st, db), st.sources)).sort((a, b) =>
    byText(a.name, b.name),
  )) {
    const keys = page(
      m.columns
        .filter((c) => c.tag)
        .map((c) => c.name)
        .sort(),
      st.limit,
      st.offset,
    );
    if (keys.length > 0) out.push({ name: m.name, columns: ["tagKey"], values: keys.map((k) => [k]) });
  }
  return out;
}

export async function showFieldKeys(
  st: ShowFieldKeys,
  reader: InfluxReader,
  db: string | undefined,
): Promise<InfluxSeries[]> {
  const out: InfluxSeries[] = [];
  for (const m of (await measurementsOf(reader, database(st, db), st.sources)).sort((a, b) =>
    byText(a.name, b.name),
  )) {
    const fields = page(
      m.columns.filter((c) => !c.tag && c.name !== "time").sort((a, b) => byText(a.name, b.name)),
      st.limit,
      st.offset,
    );
    if (fields.length > 0)
      out.push({
        name: m.name,
        columns: ["fieldKey", "fieldType"],
        values: fields.map((c) => [c.name, FIELD_TYPES[c.type]]),
      });
  }
  return out;
}

export async function showTagValues(
  st: ShowTagValues,
  reader: InfluxReader,
  db: string | undefined,
  now: bigint,
): Promise<InfluxSeries[]> {
  const name = database(st, db);
  const out: InfluxSeries[] = [];
  const key = st.key;
  const keyMatches = (k: string) => {
    switch (key.op) {
      case "=":
        return k === key.values[0];
      case "!=":
        return k !== key.values[0];
      case "IN":
        return key.values.includes(k);
      default: {
        const hit = new RegExp(key.values[0]!).test(k);
        return key.op === "=~" ? hit : !hit;
      }
    }
  };
  for (const m of (await measurementsOf(reader, name, st.sources)).sort((a, b) => byText(a.name, b.name))) {
    const t: Translated = translateWhere(st.condition, m.columns, now);
    if (t.empty) continue;
    if (t.regexes.length > 0) {
      // resolve regexes on other tags into value lists, as SELECT does
      for (const re of t.regexes) {
        const values = await tagValues(reader, name, m.name, re.column, t);
        const patterns = re.sources.map((s) => new RegExp(s));
        const hits = values.filter(
          (v) => (re.values.includes(v) || patterns.some((p) => p.test(v))) !== re.negate,
        );
        t.conditions.push({ column: re.column, op: "in", value: hits.map((v) => (v === "" ? null : v)) });
      }
    }
    const rows: [string, string][] = [];
    for (const tag of m.columns
      .filter((c) => c.tag && keyMatches(c.name))
      .map((c) => c.name)
      .sort()) {
      // InfluxDB lists the values points carry: a point without the tag has none
      for (const v of (await tagValues(reader, name, m.name, tag, t)).filter((v) => v !== "").sort())
        rows.push([tag, v]);
    }
    const paged = page(rows, st.limit, st.offset);
    if (paged.length > 0) out.push({ name: m.name, columns: ["key", "value"], values: paged });
  }
  return out;
}
