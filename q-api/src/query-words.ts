/** The words of `.guru.query`'s options (docs/q-api.md §5): where ops, aggregates and fills. */
import type { TypeLetter } from "./column-types.js";

export const OPS = ["=", "<>", "<", "<=", ">", ">=", "in", "within", "like"] as const;
export type Op = (typeof OPS)[number];

export const AGG_FNS = ["first", "last", "min", "max", "sum", "avg", "count", "dev", "med"] as const;
export type AggFn = (typeof AGG_FNS)[number];

export const FILLS = ["none", "null", "prev", "linear", "zero"] as const;
export type Fill = (typeof FILLS)[number];

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
