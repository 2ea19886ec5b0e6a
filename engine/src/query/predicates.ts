/**
 * `where` conditions as SQL, with q's semantics: null is the smallest value and equal to itself,
 * symbols compare by their text. Symbol conditions are decided over the symbol list in JS and
 * become a test on enumeration ids, as q decides them on the `sym` list.
 */
import type { TypeLetter } from "../../../q-api/src/index.js";
import { COLUMN_SQL } from "../store/column-types.js";
import { ident } from "../store/schema.js";
import type { ListType, SqlParams } from "../store/sql-params.js";
import type { SymbolTable } from "../store/symbols.js";
import { likeMatcher, likeToRe2 } from "./like.js";
import type { Condition, Scalar } from "./spec.js";

/** Lists longer than this are bound as one list parameter instead of inline literals. */
const INLINE_LIST = 256;

export function conditionSql(condition: Condition, symbols: SymbolTable, params: SqlParams): string {
  const { column } = condition;
  if (column.type === "s") return symbolCondition(condition, symbols, params);
  if (column.type === "C") return textCondition(condition, params);
  return valueCondition(condition, params);
}

function symbolCondition(condition: Condition, symbols: SymbolTable, params: SqlParams): string {
  const test = symbolTest(condition);
  const matched: number[] = [];
  const unmatched: number[] = [];
  symbols.names.forEach((name, id) => {
    (test(name) ? matched : unmatched).push(id);
  });
  const col = ident(condition.column.name);
  if (matched.length <= unmatched.length) return inList(col, matched, "INTEGER", params);
  // ids added after this list was read cannot be in `unmatched`: bound the test to known ids
  return `(${col} < ${symbols.size} AND NOT ${inList(col, unmatched, "INTEGER", params)})`;
}

function symbolTest(condition: Condition): (name: string) => boolean {
  const value = condition.value;
  if (condition.op === "like") {
    const re = likeMatcher(value as string);
    return (name) => re.test(name);
  }
  if (condition.op === "in") {
    const set = new Set(value as string[]);
    return (name) => set.has(name);
  }
  if (condition.op === "within") {
    const [lo, hi] = value as string[];
    return (name) => compareText(name, lo as string) >= 0 && compareText(name, hi as string) <= 0;
  }
  const compare = COMPARE[condition.op as keyof typeof COMPARE];
  return (name) => compare(compareText(name, value as string));
}

const COMPARE = {
  "=": (c: number) => c === 0,
  "<>": (c: number) => c !== 0,
  "<": (c: number) => c < 0,
  "<=": (c: number) => c <= 0,
  ">": (c: number) => c > 0,
  ">=": (c: number) => c >= 0,
};

/** Byte order of the UTF-8 text, as q compares symbols. */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function textCondition(condition: Condition, params: SqlParams): string {
  const col = ident(condition.column.name);
  const value = condition.value;
  switch (condition.op) {
    case "=":
      return `${col} = ${params.add({ kind: "text", value: value as string })}`;
    case "<>":
      return `${col} <> ${params.add({ kind: "text", value: value as string })}`;
    case "in":
      return (value as string[]).length === 0
        ? "FALSE"
        : `${col} IN (SELECT unnest(${params.add({ kind: "list", type: "VARCHAR", values: value as string[] })}))`;
    case "like":
      return `regexp_full_match(${col}, ${params.add({ kind: "text", value: likeToRe2(value as string) })})`;
    default:
      throw new Error(`op ${condition.op} on a string column`);
  }
}

function valueCondition(condition: Condition, params: SqlParams): string {
  const col = ident(condition.column.name);
  const letter = condition.column.type;
  const value = condition.value;
  switch (condition.op) {
    case "in": {
      const items = value as Scalar[];
      const present = items.filter((v) => v !== null);
      const sql = inValues(col, letter, present as (number | bigint | boolean)[], params);
      return present.length < items.length ? `(${sql} OR ${col} IS NULL)` : sql;
    }
    case "within": {
      const [lo, hi] = value as Scalar[];
      return `(${compareSql(col, letter, ">=", lo ?? null)} AND ${compareSql(col, letter, "<=", hi ?? null)})`;
    }
    default:
      return compareSql(col, letter, condition.op, value as Scalar);
  }
}

/** A comparison where null sorts below everything and equals itself. */
function compareSql(col: string, letter: TypeLetter, op: string, value: Scalar): string {
  if (value === null) {
    const onNull: Record<string, string> = {
      "=": `${col} IS NULL`,
      "<>": `${col} IS NOT NULL`,
      "<": "FALSE",
      "<=": `${col} IS NULL`,
      ">": `${col} IS NOT NULL`,
      ">=": "TRUE",
    };
    return onNull[op] as string;
  }
  const lit = literal(letter, value);
  const nullsBelow = op === "<" || op === "<=" || op === "<>";
  return nullsBelow ? `(${col} IS NULL OR ${col} ${op} ${lit})` : `${col} ${op} ${lit}`;
}

function inValues(
  col: string,
  letter: TypeLetter,
  values: (number | bigint | boolean)[],
  params: SqlParams,
): string {
  if (values.length === 0) return "FALSE";
  if (values.length > INLINE_LIST) return inList(col, values, COLUMN_SQL[letter] as ListType, params);
  return `${col} IN (${values.map((v) => literal(letter, v)).join(", ")})`;
}

function inList(
  col: string,
  values: (number | bigint | boolean)[],
  type: ListType,
  params: SqlParams,
): string {
  if (values.length === 0) return "FALSE";
  if (values.length > INLINE_LIST)
    return `${col} IN (SELECT unnest(${params.add({ kind: "list", type, values })}))`;
  return `${col} IN (${values.join(", ")})`;
}

/** A typed SQL literal of a non-null value we hold as a number, bigint or boolean. */
export function literal(letter: TypeLetter, value: Exclude<Scalar, null>): string {
  switch (letter) {
    case "b":
      return value ? "TRUE" : "FALSE";
    case "e":
      // the shortest decimal that reads back as this double, which is exactly this real
      return `'${String(value)}'::DOUBLE::FLOAT`;
    case "f":
      return `'${String(value)}'::DOUBLE`;
    default:
      return `${String(value)}::${COLUMN_SQL[letter]}`;
  }
}
