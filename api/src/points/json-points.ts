/**
 * JSON points (rows or columns) into a series' typed columns, checked against its schema. A JSON
 * write is all or nothing: every bad value is reported (up to 100) and nothing is written.
 */
import type { Issue } from "../errors/app-error.js";
import { ValidationError } from "../errors/errors.js";
import type { Column } from "../series/series-schemas.js";
import { SeriesColumns } from "./column-builders.js";
import { MAX_REPORTED, push } from "./line-protocol-batch.js";
import { fromJson, type Precision, ValueError } from "./point-values.js";
import type { WritePointsInput } from "./points-schemas.js";

class Issues {
  readonly list: Issue[] = [];
  add(path: (string | number)[], message: string): void {
    if (this.list.length < MAX_REPORTED) this.list.push({ code: "custom", path: ["body", ...path], message });
  }
}

function checkNames(
  names: Iterable<string>,
  target: SeriesColumns,
  issues: Issues,
  at: (name: string) => (string | number)[],
) {
  for (const name of names)
    if (target.indexOf(name) === undefined) issues.add(at(name), `the series has no column ${name}`);
}

function set(
  target: SeriesColumns,
  index: number,
  value: unknown,
  precision: Precision,
  issues: Issues,
  path: (string | number)[],
) {
  const builder = target.builders[index]!;
  try {
    if (index === 0 && value == null) throw new ValueError("time is required");
    push(builder, fromJson(builder.letter, value ?? null, precision));
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    issues.add(path, err.message);
    builder.pushNull();
  }
}

function fromRows(
  points: Record<string, unknown>[],
  target: SeriesColumns,
  precision: Precision,
  issues: Issues,
) {
  points.forEach((point, row) => {
    checkNames(Object.keys(point), target, issues, (name) => ["points", row, name]);
    target.columns.forEach((column, index) => {
      set(target, index, point[column.name], precision, issues, ["points", row, column.name]);
    });
    target.endRow();
  });
}

function fromColumns(
  columns: Record<string, unknown[]>,
  target: SeriesColumns,
  precision: Precision,
  issues: Issues,
) {
  checkNames(Object.keys(columns), target, issues, (name) => ["columns", name]);
  const rows = columns.time?.length ?? 0;
  if (rows === 0) issues.add(["columns", "time"], "time is required and may not be empty");
  for (const [name, values] of Object.entries(columns))
    if (values.length !== rows)
      issues.add(["columns", name], `has ${values.length} values, time has ${rows}`);
  if (issues.list.length > 0) return;
  for (let row = 0; row < rows; row++) {
    target.columns.forEach((column, index) => {
      set(target, index, columns[column.name]?.[row], precision, issues, ["columns", column.name, row]);
    });
    target.endRow();
  }
}

/** The typed columns of the points; ValidationError listing every bad value. */
export function jsonPoints(
  input: WritePointsInput,
  columns: readonly Column[],
  precision: Precision,
): SeriesColumns {
  const issues = new Issues();
  const target = new SeriesColumns(
    columns,
    "points" in input ? input.points.length : (input.columns.time?.length ?? 0),
  );
  if ("points" in input) fromRows(input.points, target, precision, issues);
  else fromColumns(input.columns, target, precision, issues);
  if (issues.list.length > 0) throw new ValidationError(issues.list);
  return target;
}
