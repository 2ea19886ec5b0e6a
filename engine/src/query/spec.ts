/** A parsed `.guru.query` (docs/q-api.md), checked against the series' schema. */
import type { AggFn, Fill, Op } from "../../../q-api/src/index.js";
import type { ColumnDef, SeriesDef } from "../store/schema.js";

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
