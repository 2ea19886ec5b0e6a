/**
 * InfluxDB 1.x's answer to /query: `{"results": [{"statement_id", "series": [{"name", "tags",
 * "columns", "values"}], "error"}]}`, written by hand so that 64-bit integers (bigint) print
 * exactly as JSON numbers, as InfluxDB prints them; `pretty` indents as InfluxDB does (4 spaces).
 */

export type InfluxValue = string | number | boolean | null | bigint;

export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: InfluxValue[][];
}

export interface StatementResult {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

type Json = InfluxValue | Json[] | { [key: string]: Json | undefined };

function write(v: Json, indent: string | undefined, depth: number): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  const pad = indent === undefined ? "" : `\n${indent.repeat(depth + 1)}`;
  const end = indent === undefined ? "" : `\n${indent.repeat(depth)}`;
  const colon = indent === undefined ? ":" : ": ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[${v.map((x) => pad + write(x, indent, depth + 1)).join(",")}${end}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined) as [string, Json][];
  if (entries.length === 0) return "{}";
  return `{${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}${colon}${write(x, indent, depth + 1)}`).join(",")}${end}}`;
}

function seriesJson(s: InfluxSeries): Json {
  return {
    name: s.name,
    tags: s.tags,
    columns: s.columns,
    values: s.values.length === 0 ? undefined : s.values,
  };
}

export function resultJson(r: StatementResult): Json {
  return {
    statement_id: r.statement_id,
    series: r.series === undefined || r.series.length === 0 ? undefined : r.series.map(seriesJson),
    error: r.error,
  };
}

/** The body of a non-chunked answer. */
export function resultsBody(results: StatementResult[], pretty: boolean): string {
  return write({ results: results.map(resultJson) }, pretty ? "    " : undefined, 0);
}

/** One chunk of a chunked answer (one statement's result), newline-terminated. */
export function chunkBody(result: StatementResult, pretty: boolean): string {
  return `${write({ results: [resultJson(result)] }, pretty ? "    " : undefined, 0)}\n`;
}
