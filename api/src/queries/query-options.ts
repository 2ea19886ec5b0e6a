/**
 * A query request (GET parameters or POST body) into the options dict of `.guru.query`
 * (docs/q-api.md), every value typed from the series' schema. No q text is ever built: values go
 * as typed atoms and vectors. Problems are collected as validation issues naming the parameter.
 */
import { type AggFn, COLUMN_TYPES, LETTER_OF, type TypeLetter } from "../../../q-api/src/index.js";
import { type QAtom, type QValue, q } from "../../../qipc/src/index.js";
import type { Issue } from "../errors/app-error.js";
import { ValidationError } from "../errors/errors.js";
import { columnBuilder } from "../points/column-builders.js";
import { type Converted, fromJson, fromText, UNIT_NS, ValueError } from "../points/point-values.js";
import type { Column } from "../series/series-schemas.js";
import type { Op, QueryInput } from "./query-schemas.js";

/** the REST API's aggregate names, q's and the aliases it also takes */
const AGG_FUNCTIONS: Record<string, AggFn> = {
  first: "first",
  last: "last",
  min: "min",
  max: "max",
  sum: "sum",
  avg: "avg",
  mean: "avg",
  count: "count",
  stddev: "dev",
  dev: "dev",
  median: "med",
  med: "med",
};

/** bucket widths: the write precisions, and days */
const DURATION_UNIT_NS: Readonly<Record<string, bigint>> = { ...UNIT_NS, d: 86_400_000_000_000n };

/** the widest timespan: 2^63−1 ns (−2^63 is q's null) */
const MAX_TIMESPAN = 2n ** 63n - 1n;

const WHERE_TEXT = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(>=|<=|!=|<>|=|<|>|\s(?:in|within|like)\s)\s*(.*?)\s*$/;
const AGG_TEXT = /^(?:([A-Za-z][A-Za-z0-9_]*)=)?([a-z]+)\(([A-Za-z][A-Za-z0-9_]*)\)$/;

/** `5m`, `1h30m`, `250ms` → nanoseconds. */
export function parseDuration(text: string): bigint | undefined {
  const parts = [...text.matchAll(/(\d+)(ns|us|ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + BigInt(p[1]!) * DURATION_UNIT_NS[p[2]!]!, 0n);
}

/** GET's `where` text into conditions. */
export function parseWhereText(text: string): QueryInput["where"] | Issue {
  const out: QueryInput["where"] = [];
  for (const part of text.split(";").filter((p) => p.trim() !== "")) {
    const m = WHERE_TEXT.exec(part);
    if (!m)
      return { code: "invalid_format", path: ["query", "where"], message: `cannot read condition "${part}"` };
    const op = m[2]!.trim() as Op;
    const raw = m[3]!;
    out.push({ column: m[1]!, op, value: op === "in" || op === "within" ? raw.split("|") : raw, text: true });
  }
  return out;
}

class Collector {
  readonly issues: Issue[] = [];
  add(path: (string | number)[], message: string): void {
    this.issues.push({ code: "invalid_value", path, message });
  }
}

function atom(letter: TypeLetter, v: Converted): QValue {
  if (letter === "b") return q.boolean(v === 1);
  if (letter === "C") return q.string(v as string);
  return { type: COLUMN_TYPES[letter].atom, value: v } as QAtom;
}

export interface BuiltQuery {
  options: Record<string, QValue>;
  /** a raw query (no aggregation) */
  raw: boolean;
}

export class QueryBuilder {
  readonly #columns: Map<string, Column>;
  readonly #input: QueryInput;
  readonly #c = new Collector();
  readonly #where: "query" | "body";

  constructor(columns: readonly Column[], input: QueryInput, where: "query" | "body") {
    this.#columns = new Map(columns.map((c) => [c.name, c]));
    this.#input = input;
    this.#where = where;
  }

  #convert(letter: TypeLetter, value: unknown, text: boolean, path: (string | number)[]): Converted {
    try {
      const precision = this.#input.precision;
      const v = text ? fromText(letter, String(value), precision) : fromJson(letter, value, precision);
      // q IPC ends a symbol at its first NUL
      if (letter === "s" && typeof v === "string" && v.includes("\0"))
        throw new ValueError("a symbol cannot hold a NUL character");
      return v;
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      this.#c.add(path, err.message);
      return null;
    }
  }

  #letter(name: string, path: (string | number)[]): TypeLetter | undefined {
    const column = this.#columns.get(name);
    if (column === undefined) this.#c.add(path, `the series has no column ${name}`);
    return column === undefined ? undefined : LETTER_OF[column.type];
  }

  #time(key: "start" | "end"): QValue | undefined {
    const value = this.#input[key];
    if (value === undefined) return undefined;
    const v = this.#convert("p", value, typeof value === "string", [this.#where, key]);
    return v === null ? undefined : q.timestamp(v as bigint);
  }

  #condition(w: QueryInput["where"][number], i: number): QValue | undefined {
    const path = this.#where === "query" ? ["query", "where"] : ["body", "where", i];
    const letter = this.#letter(w.column, path);
    if (letter === undefined) return undefined;
    const op = w.op === "!=" ? "<>" : w.op;
    let value: QValue;
    if (op === "in" || op === "within") {
      if (!Array.isArray(w.value)) {
        this.#c.add(path, `${op} takes a list`);
        return undefined;
      }
      const builder = columnBuilder(letter, w.value.length);
      for (const item of w.value) {
        const v = this.#convert(letter, item, w.text, path);
        if (v === null) builder.pushNull();
        else builder.push(v);
      }
      value = builder.toQ();
    } else if (op === "like") value = q.string(String(w.value));
    else value = atom(letter, this.#convert(letter, w.value, w.text, path) ?? COLUMN_TYPES[letter].null);
    return q.list(q.symbol(w.column), q.symbol(op), value);
  }

  #agg(texts: string[]): QValue {
    const entries: Record<string, QValue> = {};
    texts.forEach((text, i) => {
      const path = [this.#where, "agg", ...(this.#where === "body" ? [i] : [])];
      const m = AGG_TEXT.exec(text.trim());
      const fn = m === null ? undefined : AGG_FUNCTIONS[m[2]!];
      if (m === null || fn === undefined) {
        this.#c.add(path, `expected [output=]function(column) with a known function, got "${text}"`);
        return;
      }
      this.#letter(m[3]!, path);
      entries[m[1] ?? `${m[2]}_${m[3]}`] = q.symbols([fn, m[3]!]);
    });
    return q.dictOf(entries);
  }

  build(): BuiltQuery {
    const input = this.#input;
    const options: Record<string, QValue | undefined> = {
      start: this.#time("start"),
      end: this.#time("end"),
      columns: input.columns === undefined ? undefined : q.symbols(input.columns),
      where:
        input.where.length === 0
          ? undefined
          : q.list(...input.where.flatMap((w, i) => this.#condition(w, i) ?? [])),
      by: input.by === undefined ? undefined : q.symbols(input.by),
      bucket: this.#bucket(),
      agg: input.agg === undefined ? undefined : this.#agg(input.agg),
      fill: input.fill === undefined ? undefined : q.symbol(input.fill),
      order: input.order === undefined ? undefined : q.symbol(input.order),
    };
    if (this.#c.issues.length > 0) throw new ValidationError(this.#c.issues);
    const present = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    return { options: present as Record<string, QValue>, raw: input.agg === undefined };
  }

  #bucket(): QValue | undefined {
    if (this.#input.bucket === undefined) return undefined;
    const ns = parseDuration(this.#input.bucket);
    if (ns === undefined || ns <= 0n || ns > MAX_TIMESPAN) {
      const why =
        ns !== undefined && ns > 0n ? "wider than a timespan holds (106751 days)" : "not a duration";
      this.#c.add([this.#where, "bucket"], `bucket ${this.#input.bucket}: ${why}`);
      return undefined;
    }
    return q.timespan(ns);
  }
}

/** The options dict, with the paging items added. */
export function optionsDict(
  options: Record<string, QValue>,
  limit: number,
  cursor: string | undefined,
): QValue {
  return q.dictOf({
    ...options,
    limit: q.long(BigInt(limit)),
    ...(cursor === undefined ? {} : { cursor: q.string(cursor) }),
  });
}
