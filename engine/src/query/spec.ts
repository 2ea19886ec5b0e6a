/** A parsed `.guru.query` (docs/q-api.md), checked against the series' schema. */
import type { TypeLetter } from "../store/column-types.js";
import type { ColumnDef, SeriesDef } from "../store/schema.js";

export const OPS = ["=", "<>", "<", "<=", ">", ">=", "in", "within", "like"] as const;
export type Op = (typeof OPS)[number];

export const AGG_FNS = ["first", "last", "min", "max", "sum", "avg", "count", "dev", "med"] as const;
export type AggFn = (typeof AGG_FNS)[number];

export const FILLS = ["none", "null", "prev", "linear", "zero"] as const;
export type Fill = (typeof FILLS)[number];

/**
 * One value of a column in JS form: bigint for `p j n`, number for `i e f` (null for q nulls),
 * boolean for `b`, text for `s` and `C`.
 */
export type Scalar = bigint | number | boolean | string | null;

export interface Condition {
  column: ColumnDef;
  op: Op;
  /** an atom for comparisons, a list for `in` and `within` (two items), the pattern for `like` */
  value: Scalar | Scalar[];
}

export interface AggSpec {
  output: string;
  fn: AggFn;
  column: ColumnDef;
}

export interface QuerySpec {
  series: SeriesDef;
  start: bigint | null;
  end: bigint | null;
  /** raw queries: the columns returned after `time` */
  columns: ColumnDef[];
  where: Condition[];
  by: ColumnDef[];
  bucket: bigint | null;
  /** null for a raw query */
  agg: AggSpec[] | null;
  fill: Fill;
  order: "asc" | "desc";
  /** page size; with `cursor`, turns on paged mode */
  limit: number | null;
  cursor: string | null;
}

/** Which functions take which column types (docs/q-api.md, aggregates). */
const AGG_INPUTS: Readonly<Record<AggFn, readonly TypeLetter[] | "any">> = {
  first: "any",
  last: "any",
  count: "any",
  min: ["b", "i", "j", "e", "f", "p", "n"],
  max: ["b", "i", "j", "e", "f", "p", "n"],
  sum: ["b", "i", "j", "e", "f", "n"],
  avg: ["b", "i", "j", "e", "f", "n"],
  dev: ["i", "j", "e", "f", "n"],
  med: ["i", "j", "e", "f", "n"],
};

export function aggAccepts(fn: AggFn, type: TypeLetter): boolean {
  const inputs = AGG_INPUTS[fn];
  return inputs === "any" || inputs.includes(type);
}

/** The q type of an aggregate's result. */
export function aggResultType(fn: AggFn, type: TypeLetter): TypeLetter {
  switch (fn) {
    case "count":
      return "j";
    case "avg":
    case "dev":
    case "med":
      return "f";
    case "sum":
      return type === "n" ? "n" : type === "e" || type === "f" ? "f" : "j";
    default:
      return type;
  }
}
