/**
 * The SELECT list checked as InfluxDB 1.x checks it: aggregate calls `fn("field") [AS alias]`,
 * raw fields and tags, `*`; each output named as InfluxDB names it (the alias, else the function
 * or field name, with `_1`, `_2` for repeats). Errors are InfluxDB's words where it has them.
 */
import type { Field, SelectStatement } from "./ast.js";
import { StatementError } from "./statement-error.js";

/** InfluxQL aggregate → the aggregate function of our query options (queries/query-schemas.ts) */
export const AGGREGATES: Readonly<Record<string, string>> = {
  mean: "avg",
  median: "median",
  count: "count",
  sum: "sum",
  min: "min",
  max: "max",
  first: "first",
  last: "last",
  stddev: "stddev",
};

export const SELECTORS = new Set(["first", "last", "min", "max"]);

/** InfluxQL functions guru-api does not answer (yet): a clear error rather than "undefined". */
const KNOWN_FUNCTIONS = new Set(
  (
    "distinct integral mode spread percentile sample top bottom derivative non_negative_derivative " +
    "difference non_negative_difference moving_average cumulative_sum elapsed holt_winters " +
    "holt_winters_with_fit exponential_moving_average double_exponential_moving_average " +
    "triple_exponential_moving_average relative_strength_index kaufmans_efficiency_ratio " +
    "kaufmans_adaptive_moving_average triple_exponential_derivative chande_momentum_oscillator " +
    "abs sin cos tan asin acos atan atan2 exp log ln log2 log10 sqrt pow floor ceil round"
  ).split(" "),
);

export type SelectItem =
  | { kind: "agg"; fn: string; field: string; name: string }
  | { kind: "raw"; field: string; name: string }
  | { kind: "wildcard" };

export interface SelectPlan {
  items: SelectItem[];
  aggregate: boolean;
}

function item(field: Field): SelectItem {
  const e = field.expr;
  if (e.kind === "wildcard") return { kind: "wildcard" };
  if (e.kind === "ref") return { kind: "raw", field: e.name, name: field.alias ?? e.name };
  if (e.kind === "call") {
    if (AGGREGATES[e.name] === undefined) {
      if (KNOWN_FUNCTIONS.has(e.name))
        throw new StatementError(
          `guru-api does not support ${e.name}(); it answers ${Object.keys(AGGREGATES).join(", ")}`,
        );
      throw new StatementError(`undefined function ${e.name}()`);
    }
    if (e.args.length !== 1)
      throw new StatementError(`invalid number of arguments for ${e.name}, expected 1, got ${e.args.length}`);
    const arg = e.args[0]!;
    if (arg.kind === "call" && arg.name === "distinct")
      throw new StatementError("guru-api does not support distinct()");
    if (arg.kind !== "ref")
      throw new StatementError(
        arg.kind === "wildcard" || arg.kind === "regex"
          ? `guru-api does not support ${e.name}() of a wildcard or regular expression: name the field`
          : `expected field argument in ${e.name}()`,
      );
    return { kind: "agg", fn: e.name, field: arg.name, name: field.alias ?? e.name };
  }
  if (e.kind === "binary") throw new StatementError("guru-api does not support math in the SELECT list");
  throw new StatementError("guru-api does not support literals in the SELECT list");
}

export function planSelect(st: SelectStatement): SelectPlan {
  const items = st.fields.map(item);
  const aggs = items.filter((i) => i.kind === "agg").length;
  if (aggs > 0 && aggs < items.length)
    throw new StatementError("mixing aggregate and non-aggregate queries is not supported");
  if (aggs === 0 && st.interval !== undefined)
    throw new StatementError("GROUP BY requires at least one aggregate function");
  if (st.interval !== undefined && st.interval.ns <= 0n)
    throw new StatementError("GROUP BY time() interval must be positive");
  return { items, aggregate: aggs > 0 };
}

/** InfluxDB's column names: repeats get `_1`, `_2`, … */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n);
    seen.set(n, (k ?? 0) + 1);
    return k === undefined ? n : `${n}_${k}`;
  });
}
