/** Building and taking apart q values for the API functions. */
import {
  GENERIC_NULL,
  type QAtom,
  type QDict,
  type QList,
  type QTable,
  type QValue,
  type QVector,
} from "../../../qipc/src/index.js";

export { GENERIC_NULL };

export function isGenericNull(value: QValue): boolean {
  return value.type === 101 && value.raw.length === 1 && value.raw[0] === 0;
}

export function symbol(value: string): QAtom {
  return { type: -11, value };
}

export function long(value: bigint): QAtom {
  return { type: -7, value };
}

export function timespan(value: bigint): QAtom {
  return { type: -16, value };
}

export function chars(text: string): QValue {
  return { type: 10, attr: 0, value: new Uint8Array(Buffer.from(text, "utf8")) };
}

export function symbols(values: string[]): QValue {
  return { type: 11, attr: 0, value: values };
}

export function list(values: QValue[]): QList {
  return { type: 0, attr: 0, value: values };
}

/** A dictionary with symbol keys. */
export function dict(entries: [string, QValue][]): QDict {
  return { type: 99, keys: symbols(entries.map(([k]) => k)), values: list(entries.map(([, v]) => v)) };
}

export function table(columns: [string, QValue][]): QTable {
  return { type: 98, attr: 0, columns: columns.map(([name]) => name), data: columns.map(([, v]) => v) };
}

/**
 * The items of any list as q values: a general list's own items, a typed vector's atoms (q
 * collapses uniform lists, so `(t0;t1)` arrives as a timestamp vector). Null for non-lists.
 */
export function items(value: QValue): QValue[] | null {
  if (value.type === 0) return value.value;
  if (!isVector(value)) return null;
  const atomType = -value.type;
  const values = value.value as ArrayLike<unknown>;
  if (value.type === 1) return Array.from(values as Uint8Array, (v) => ({ type: -1, value: v !== 0 }));
  if (value.type === 10)
    return Array.from(values as Uint8Array, (v) => ({ type: -10, value: String.fromCharCode(v) }));
  return Array.from(values, (v) => ({ type: atomType, value: v }) as QAtom);
}

/** Number of items of a list, or -1 for an atom or other non-list. */
export function count(value: QValue): number {
  if (value.type === 0 || isVector(value)) return value.value.length;
  return -1;
}

export function isVector(value: QValue): value is QVector {
  return value.type > 0 && value.type <= 19;
}
