/**
 * Values passed to DuckDB beside the SQL text. Numbers we format ourselves are inlined as typed
 * literals; text from clients is always bound as a parameter, never spliced into SQL.
 */
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBPreparedStatement,
  FLOAT,
  INTEGER,
  LIST,
  VARCHAR,
} from "@duckdb/node-api";

export type ListType = "VARCHAR" | "BIGINT" | "INTEGER" | "DOUBLE" | "FLOAT" | "BOOLEAN";

export type Param =
  | { kind: "text"; value: string }
  | { kind: "list"; type: ListType; values: (string | number | bigint | boolean)[] };

const LIST_TYPES = { VARCHAR, BIGINT, INTEGER, DOUBLE, FLOAT, BOOLEAN } as const;

export class SqlParams {
  readonly list: Param[] = [];

  /** Adds a parameter; returns its placeholder. */
  add(param: Param): string {
    this.list.push(param);
    return `$${this.list.length}`;
  }
}

export function bindParams(statement: DuckDBPreparedStatement, params: readonly Param[]): void {
  params.forEach((param, i) => {
    if (param.kind === "text") statement.bindVarchar(i + 1, param.value);
    else statement.bindList(i + 1, param.values, LIST(LIST_TYPES[param.type]));
  });
}
