/**
 * Exact comparison of q values. `plain` keeps every value's q type code and exact contents
 * (bigint for 64-bit types, UTF-8 text for char vectors) and drops what the contract leaves open:
 * vector attributes (kdb+ may return `s#time`), typed-array views, and NaN bit patterns (q has one
 * float null, `0n`, whatever its bits).
 */
import { strict as assert } from "node:assert";
import type { QDict, QTable, QValue, QVector } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";

export type Plain = { t: number; v?: unknown; k?: Plain; c?: string[]; d?: Plain[] };

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
const float = (x: number) => (Number.isNaN(x) ? "0n" : x);

export function plain(value: QValue): Plain {
  switch (value.type) {
    case 0:
      return { t: 0, v: value.value.map(plain) };
    case 1:
      return { t: 1, v: Array.from(value.value, (b) => b !== 0) };
    case 8:
    case 9:
      return { t: value.type, v: Array.from(value.value, float) };
    case 10:
      return { t: 10, v: utf8(value.value) };
    case 98:
      return { t: 98, c: value.columns, d: value.data.map(plain) };
    case 99:
    case 127:
      return { t: value.type, k: plain(value.keys), v: plain(value.values) };
    case -8:
    case -9:
      return { t: value.type, v: float(value.value) };
    default:
      if ("raw" in value) return { t: value.type, v: Array.from(value.raw) };
      if ("bytes" in value) return { t: value.type, v: Array.from(value.bytes) };
      return {
        t: value.type,
        v: Array.isArray(value.value)
          ? value.value
          : ArrayBuffer.isView(value.value)
            ? Array.from(value.value as ArrayLike<unknown>)
            : value.value,
      };
  }
}

/** Short text of a value for test titles: its items and q type. */
export function show(value: QValue): string {
  const p = plain(value);
  return `${JSON.stringify(p.v, (_, v) => (typeof v === "bigint" ? `${v}` : v))} (type ${p.t})`;
}

export function assertSame(actual: QValue, expected: QValue, message?: string): void {
  assert.deepStrictEqual(plain(actual), plain(expected), message);
}

export function asTable(value: QValue): QTable {
  assert.equal(value.type, 98, `expected an unkeyed table (98), got q type ${value.type}`);
  return value as QTable;
}

export function asDict(value: QValue): QDict {
  assert.equal(value.type, 99, `expected a dictionary (99), got q type ${value.type}`);
  return value as QDict;
}

function isVector(value: QValue): value is QVector {
  return value.type > 0 && value.type < 20;
}

/** The items of any list, as q values (a typed vector's items as atoms). */
export function items(value: QValue): QValue[] {
  if (value.type === 0) return value.value;
  if (value.type === 1) return Array.from(value.value, (b) => q.boolean(b !== 0));
  if (value.type === 10) return Array.from(value.value, (c) => q.char(String.fromCharCode(c)));
  if (isVector(value)) {
    return Array.from(value.value as ArrayLike<unknown>, (v) => ({ type: -value.type, value: v }) as QValue);
  }
  throw new assert.AssertionError({ message: `expected a list, got q type ${value.type}` });
}

/** A vector's or general list's items as JS values (bigint, number, string, q value). */
export function values(value: QValue): unknown[] {
  if (value.type === 0) return value.value;
  if (isVector(value)) return Array.from(value.value as ArrayLike<unknown>);
  throw new assert.AssertionError({ message: `expected a list, got q type ${value.type}` });
}

/** A char vector's UTF-8 text. */
export function text(value: QValue): string {
  assert.equal(value.type, 10, `expected a char vector, got q type ${value.type}`);
  return Buffer.from(value.value as Uint8Array).toString("utf8");
}

/** A symbol-keyed dictionary's entries, whether q sent its values as a vector or a general list. */
export function entries(value: QValue): Map<string, QValue> {
  const dict = asDict(value);
  assert.equal(dict.keys.type, 11, "dictionary keys must be symbols");
  const keys = dict.keys.value as string[];
  const values = items(dict.values);
  assert.equal(values.length, keys.length);
  return new Map(keys.map((k, i) => [k, values[i] as QValue]));
}

export function entry(value: QValue, key: string): QValue {
  const found = entries(value).get(key);
  assert.ok(found !== undefined, `no key ${key}`);
  return found;
}

export function column(table: QValue, name: string): QValue {
  const t = asTable(table);
  const i = t.columns.indexOf(name);
  assert.ok(i >= 0, `no column ${name} in ${t.columns.join(",")}`);
  return t.data[i] as QValue;
}

export function rowCount(table: QValue): number {
  const t = asTable(table);
  return t.data.length === 0 ? 0 : items(t.data[0] as QValue).length;
}

/** A column's values as bigints (`p j n` columns). */
export function bigints(value: QValue): bigint[] {
  assert.ok(
    value.type === 7 || value.type === 12 || value.type === 16,
    `expected a p/j/n vector, got ${value.type}`,
  );
  return Array.from(value.value as BigInt64Array);
}

/** A symbol vector's items. */
export function symbolsOf(value: QValue): string[] {
  assert.equal(value.type, 11, `expected a symbol vector, got q type ${value.type}`);
  return value.value as string[];
}

/** A `C` value: a general list of char vectors. */
export function strings(texts: readonly string[]): QValue {
  return q.list(...texts.map((s) => q.string(s)));
}

/** The given rows of a table (all columns), to build expectations from the rows written. */
export function sliceRows(table: QTable, rows: readonly number[]): QTable {
  return { ...table, data: table.data.map((col) => pick(col, rows)) };
}

function pick(col: QValue, rows: readonly number[]): QValue {
  if (col.type === 0) return q.list(...rows.map((r) => col.value[r] as QValue));
  if (col.type === 11) return q.symbols(rows.map((r) => col.value[r] as string));
  if (isVector(col)) {
    const source = col.value as unknown as {
      constructor: new (n: number) => { [i: number]: unknown };
      [i: number]: unknown;
    };
    const out = new source.constructor(rows.length);
    rows.forEach((r, i) => {
      out[i] = source[r];
    });
    return { ...col, value: out } as QValue;
  }
  throw new Error(`not a column: q type ${col.type}`);
}
