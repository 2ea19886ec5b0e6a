/**
 * A WHERE clause into the range and conditions of the typed query options: the `time`
 * comparisons become start (included) and end (excluded) in nanoseconds since 1970; comparisons of
 * tags and fields become `where` conditions with JSON-typed values; an OR of equalities on one tag
 * becomes `in`; a regular expression on a tag is kept to be matched against the tag's values
 * (the engine takes no regular expressions). Anything else is InfluxDB's error for it, or ours.
 */
import type { Column } from "../series/series-schemas.js";
import type { Expr } from "./ast.js";
import { StatementError } from "./statement-error.js";
import { evaluateTime } from "./time-literals.js";

export type ConditionOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "in";

export interface Condition {
  column: string;
  op: ConditionOp;
  value: unknown;
}

/** Tag values matching any of `sources` (or, negated, none) are kept. */
export interface TagRegex {
  column: string;
  sources: string[];
  negate: boolean;
  /** exact values OR-ed with the regexes */
  values: string[];
}

export interface Translated {
  start?: bigint;
  end?: bigint;
  conditions: Condition[];
  regexes: TagRegex[];
  /** nothing can match (a condition on a column the series lacks, an impossible comparison) */
  empty: boolean;
}

const NUMERIC = new Set(["float", "real", "long", "int", "timespan"]);
const INTEGER = new Set(["long", "int", "timespan"]);

function conjuncts(expr: Expr, out: Expr[] = []): Expr[] {
  if (expr.kind === "paren") return conjuncts(expr.expr, out);
  if (expr.kind === "binary" && expr.op === "AND") {
    conjuncts(expr.lhs, out);
    conjuncts(expr.rhs, out);
  } else out.push(expr);
  return out;
}

function disjuncts(expr: Expr, out: Expr[] = []): Expr[] {
  if (expr.kind === "paren") return disjuncts(expr.expr, out);
  if (expr.kind === "binary" && expr.op === "OR") {
    disjuncts(expr.lhs, out);
    disjuncts(expr.rhs, out);
  } else out.push(expr);
  return out;
}

const isTime = (e: Expr) => e.kind === "ref" && e.name.toLowerCase() === "time";
const FLIP: Record<string, string> = {
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
  "=": "=",
  "!=": "!=",
  "<>": "<>",
};

function literal(e: Expr): string | number | boolean | undefined {
  if (e.kind === "string") return e.value;
  if (e.kind === "number") return e.value;
  if (e.kind === "bool") return e.value;
  if (e.kind === "paren") return literal(e.expr);
  return undefined;
}

export function translateWhere(expr: Expr | undefined, columns: readonly Column[], now: bigint): Translated {
  const out: Translated = { conditions: [], regexes: [], empty: false };
  if (expr === undefined) return out;
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const part of conjuncts(expr)) {
    if (part.kind === "bool") {
      if (!part.value) out.empty = true;
      continue;
    }
    if (part.kind !== "binary") throw new StatementError("invalid condition: expected a comparison");
    if (part.op === "OR") {
      orGroup(part, byName, out);
      continue;
    }
    let { op, lhs, rhs } = part;
    if (isTime(rhs) && !isTime(lhs)) {
      [lhs, rhs] = [rhs, lhs];
      op = (FLIP[op] ?? op) as typeof op;
    }
    if (isTime(lhs)) {
      timeBound(op, evaluateTime(rhs, now), out);
      continue;
    }
    comparison(op, lhs, rhs, byName, out);
  }
  if (out.start !== undefined && out.end !== undefined && out.start >= out.end) out.empty = true;
  return out;
}

function timeBound(op: string, t: bigint, out: Translated): void {
  const start = (v: bigint) => {
    out.start = out.start === undefined || v > out.start ? v : out.start;
  };
  const end = (v: bigint) => {
    out.end = out.end === undefined || v < out.end ? v : out.end;
  };
  if (op === ">=") start(t);
  else if (op === ">") start(t + 1n);
  else if (op === "<=") end(t + 1n);
  else if (op === "<") end(t);
  else if (op === "=") {
    start(t);
    end(t + 1n);
  } else throw new StatementError(`invalid time comparison operator: ${op}`);
}

function refName(e: Expr): string | undefined {
  if (e.kind === "paren") return refName(e.expr);
  return e.kind === "ref" ? e.name : undefined;
}

/** `host = 'a' OR host = 'b' OR host =~ /c/`: one tag, equalities and regexes. */
function orGroup(expr: Expr, byName: Map<string, Column>, out: Translated): void {
  const parts = disjuncts(expr);
  let column: string | undefined;
  const values: string[] = [];
  const sources: string[] = [];
  for (const p of parts) {
    const ok =
      p.kind === "binary" &&
      (p.op === "=" || p.op === "=~") &&
      refName(p.lhs) !== undefined &&
      (column === undefined || refName(p.lhs) === column);
    if (!ok || p.kind !== "binary")
      throw new StatementError("guru-api answers OR only between = or =~ conditions on one tag");
    column = refName(p.lhs)!;
    if (p.op === "=~" && p.rhs.kind === "regex") sources.push(p.rhs.source);
    else {
      const v = literal(p.rhs);
      if (typeof v !== "string")
        throw new StatementError("guru-api answers OR only between = or =~ conditions on one tag");
      values.push(v);
    }
  }
  const c = byName.get(column!);
  if (c === undefined || !c.tag) {
    if (c === undefined) {
      // an absent tag is '' on every point
      if (!values.includes("") && !sources.some((s) => new RegExp(s).test(""))) out.empty = true;
      return;
    }
    throw new StatementError("guru-api answers OR only between = or =~ conditions on one tag");
  }
  if (sources.length === 0) out.conditions.push({ column: column!, op: "in", value: values });
  else out.regexes.push({ column: column!, sources, negate: false, values });
}

function comparison(op: string, lhs: Expr, rhs: Expr, byName: Map<string, Column>, out: Translated): void {
  const name = refName(lhs);
  if (name === undefined)
    throw new StatementError("invalid condition: expected a column on the left of a comparison");
  const column = byName.get(name);
  if (op === "=~" || op === "!~") {
    if (rhs.kind !== "regex") throw new StatementError(`invalid operation: ${op} needs a regular expression`);
    try {
      new RegExp(rhs.source);
    } catch {
      throw new StatementError(`invalid regular expression /${rhs.source}/`);
    }
    if (column === undefined) {
      const matches = new RegExp(rhs.source).test("");
      if (matches === (op === "!~")) out.empty = true;
      return;
    }
    if (!column.tag) throw new StatementError("guru-api matches regular expressions only on tags");
    out.regexes.push({ column: name, sources: [rhs.source], negate: op === "!~", values: [] });
    return;
  }
  const value = literal(rhs);
  if (value === undefined)
    throw new StatementError("invalid condition: expected a literal on the right of a comparison");
  const normalized = (op === "<>" ? "!=" : op) as ConditionOp;
  if (!["=", "!=", "<", "<=", ">", ">="].includes(normalized))
    throw new StatementError(`invalid comparison operator: ${op}`);
  if (column === undefined) {
    // InfluxDB: a missing tag reads as ''; a missing field matches nothing
    if (
      !(
        typeof value === "string" &&
        ((normalized === "=" && value === "") || (normalized === "!=" && value !== ""))
      )
    )
      out.empty = true;
    return;
  }
  if (column.tag || column.type === "symbol" || column.type === "string") {
    if (typeof value !== "string") {
      out.empty = true;
      return;
    }
    out.conditions.push({ column: name, op: normalized, value });
    return;
  }
  if (column.type === "boolean") {
    if (typeof value !== "boolean" || (normalized !== "=" && normalized !== "!=")) {
      out.empty = true;
      return;
    }
    out.conditions.push({ column: name, op: normalized, value });
    return;
  }
  if (!NUMERIC.has(column.type) || typeof value !== "number") {
    out.empty = true;
    return;
  }
  // a missing field never matches (q's null is below every value)
  out.conditions.push({ column: name, op: ">", value: null });
  if (INTEGER.has(column.type) && !Number.isInteger(value)) {
    if (normalized === "=") out.empty = true;
    else if (normalized !== "!=") {
      const rounded = normalized === ">" || normalized === "<=" ? Math.floor(value) : Math.ceil(value);
      const long = column.type === "long" || column.type === "timespan";
      out.conditions.push({ column: name, op: normalized, value: long ? String(rounded) : rounded });
    }
    return;
  }
  const long = column.type === "long" || column.type === "timespan";
  out.conditions.push({ column: name, op: normalized, value: long ? String(BigInt(value)) : value });
}
