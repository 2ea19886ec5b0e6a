/** Building `.guru.query` option values the way a q client writes them. */
import type { QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";

/** `agg`: output → (function; column), each pair a 2-symbol vector as q collapses it. */
export function aggregate(outputs: Readonly<Record<string, readonly [fn: string, column: string]>>): QValue {
  return q.dict(
    q.symbols(Object.keys(outputs)),
    q.list(...Object.values(outputs).map(([fn, col]) => q.symbols([fn, col]))),
  );
}

/** One `where` condition as a general list `(column; op; value)`. */
export function condition(column: string, op: string, value: QValue): QValue {
  return q.list(q.symbol(column), q.symbol(op), value);
}
