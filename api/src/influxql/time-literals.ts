/**
 * InfluxQL time values: `now()`, RFC 3339 strings (and InfluxDB's `'2024-01-01 00:00:00'` form),
 * integers (nanoseconds since 1970), duration literals (`1704067200000ms`) and sums and
 * differences of these, all in exact nanoseconds since 1970; and times back into text, as Go's
 * RFC3339Nano prints them (trailing fraction zeros dropped) or as integers of an `epoch` unit.
 */
import type { Expr } from "./ast.js";
import { StatementError } from "./statement-error.js";

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A time string in nanoseconds since 1970, or undefined when it is not one. */
export function parseTimeString(text: string): bigint | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, "0") || "0");
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1n : 1n;
    const minutes = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ns -= sign * minutes * 60_000_000_000n;
  }
  return ns;
}

/** The value of a time expression, in nanoseconds since 1970. */
export function evaluateTime(expr: Expr, now: bigint): bigint {
  switch (expr.kind) {
    case "call":
      if (expr.name === "now" && expr.args.length === 0) return now;
      throw new StatementError(`invalid time expression: ${expr.name}()`);
    case "string": {
      const t = parseTimeString(expr.value);
      if (t === undefined)
        throw new StatementError(`invalid operation: time and *influxql.StringLiteral are not compatible`);
      return t;
    }
    case "number":
      if (!Number.isFinite(expr.value)) throw new StatementError("invalid time literal");
      return /^-?\d+$/.test(expr.text) ? BigInt(expr.text) : BigInt(Math.trunc(expr.value));
    case "duration":
      return expr.ns;
    case "paren":
      return evaluateTime(expr.expr, now);
    case "binary":
      if (expr.op === "+") return evaluateTime(expr.lhs, now) + evaluateTime(expr.rhs, now);
      if (expr.op === "-") return evaluateTime(expr.lhs, now) - evaluateTime(expr.rhs, now);
      break;
  }
  throw new StatementError("invalid time expression");
}

const EPOCH_NS: Record<string, bigint> = {
  ns: 1n,
  n: 1n,
  u: 1_000n,
  us: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export const EPOCHS = Object.keys(EPOCH_NS) as [string, ...string[]];

/** `2024-01-01T00:00:00.5Z` (no trailing zeros), as Go's time.RFC3339Nano. */
export function rfc3339Nano(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
  const sub = ns - ms * 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2024-01-01T00:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(sub).padStart(6, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction === "" ? "" : `.${fraction}`}Z`;
}

/** A result time: RFC 3339 text, or an integer count of `epoch` units (truncated, as Go divides). */
export function formatTime(ns: bigint, epoch: string | undefined): string | bigint {
  if (epoch === undefined) return rfc3339Nano(ns);
  return ns / (EPOCH_NS[epoch] ?? 1n);
}
