/**
 * Argument checks shared by the functions. A wrong q type is `'guru.type: PATH`, where the path
 * names the argument as docs/q-api.md does; a right type with a bad value is `'guru.arg`.
 */

import { isValidName, qFail } from "../../../q-api/src/index.js";
import { LONG_NULL, type QFail, type QValue } from "../../../qipc/src/index.js";
import { type ColumnDef, findColumn, type SeriesDef } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { isGenericNull, items } from "./q.js";

export function typeError(path: string): QFail {
  return qFail("guru.type", path);
}

export function argError(detail: string): QFail {
  return qFail("guru.arg", detail);
}

export function expectGenericNull(value: QValue, path: string): void {
  if (!isGenericNull(value)) throw typeError(path);
}

export function symbolAtom(value: QValue, path: string): string {
  if (value.type !== -11) throw typeError(path);
  return value.value;
}

/** A timestamp atom; `0Np` is null (unbounded). */
export function timestampAtom(value: QValue, path: string): bigint | null {
  if (value.type !== -12) throw typeError(path);
  return value.value === LONG_NULL ? null : value.value;
}

/** A symbol atom, a symbol vector, or an empty general list `()`. */
export function symbolList(value: QValue, path: string): string[] {
  if (value.type === -11) return [value.value];
  if (value.type === 11) return value.value;
  if (value.type === 0 && value.value.length === 0) return [];
  throw typeError(path);
}

/** A char vector's text. */
export function text(value: QValue, path: string): string {
  if (value.type !== 10) throw typeError(path);
  return Buffer.from(value.value).toString("utf8");
}

/** Items of a list argument (any kind of list). */
export function listItems(value: QValue, path: string): QValue[] {
  const result = items(value);
  if (result === null) throw typeError(path);
  return result;
}

/** A series name argument: a valid name, type checked. */
export function seriesName(value: QValue): string {
  const name = symbolAtom(value, "name");
  if (!isValidName(name)) throw argError(`name ${name}`);
  return name;
}

export function existingSeries(store: Store, name: string): SeriesDef {
  const series = store.series(name);
  if (series === undefined) throw qFail("guru.series.unknown", name);
  return series;
}

export function noDuplicates(names: readonly string[], path: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw argError(`${path}: duplicate ${name}`);
    seen.add(name);
  }
}

export function columnOf(series: SeriesDef, name: string): ColumnDef {
  const found = findColumn(series, name);
  if (found === undefined) throw qFail("guru.column.unknown", name);
  return found;
}

/** Columns to group by: existing tags, each once. */
export function tagColumns(series: SeriesDef, names: string[], path: string): ColumnDef[] {
  noDuplicates(names, path);
  return names.map((name) => {
    const column = columnOf(series, name);
    if (!column.tag) throw argError(`${path}: ${name} is not a tag`);
    return column;
  });
}
