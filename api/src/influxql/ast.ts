/**
 * The InfluxQL statements guru-api answers (the subset Grafana's InfluxDB data source and the
 * `influx` CLI send), as the parser produces them. Times are nanoseconds since 1970 (bigint).
 */

export type Expr =
  | { kind: "ref"; name: string }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number; integer: boolean; text: string }
  | { kind: "duration"; ns: bigint; text: string }
  | { kind: "regex"; source: string }
  | { kind: "bool"; value: boolean }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "binary"; op: BinaryOp; lhs: Expr; rhs: Expr }
  | { kind: "paren"; expr: Expr }
  | { kind: "wildcard" };

export type BinaryOp =
  | "AND"
  | "OR"
  | "="
  | "!="
  | "<>"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=~"
  | "!~"
  | "+"
  | "-"
  | "*"
  | "/";

export interface Source {
  database?: string;
  retentionPolicy?: string;
  /** the measurement name, or undefined with `regex` */
  name?: string;
  regex?: string;
}

export interface Field {
  expr: Expr;
  alias?: string;
}

export type Fill =
  | { kind: "null" }
  | { kind: "none" }
  | { kind: "previous" }
  | { kind: "linear" }
  | { kind: "number"; value: number };

export interface SelectStatement {
  kind: "select";
  fields: Field[];
  sources: Source[];
  condition?: Expr;
  /** GROUP BY time(interval[, offset]) */
  interval?: { ns: bigint; offset: bigint };
  /** GROUP BY tags; `*` is all tags */
  groupTags: string[];
  groupAllTags: boolean;
  fill: Fill;
  order: "asc" | "desc";
  limit?: number;
  offset?: number;
  slimit?: number;
  soffset?: number;
  tz?: string;
}

export interface ShowDatabases {
  kind: "show-databases";
}

export interface ShowRetentionPolicies {
  kind: "show-retention-policies";
  database?: string;
}

export interface ShowMeasurements {
  kind: "show-measurements";
  database?: string;
  /** WITH MEASUREMENT = name | =~ /re/ */
  match?: { op: "=" | "=~" | "!=" | "!~"; value: string };
  condition?: Expr;
  limit?: number;
  offset?: number;
}

export interface ShowTagKeys {
  kind: "show-tag-keys";
  database?: string;
  sources: Source[];
  condition?: Expr;
  limit?: number;
  offset?: number;
}

export interface ShowTagValues {
  kind: "show-tag-values";
  database?: string;
  sources: Source[];
  /** WITH KEY = "k" | != "k" | =~ /re/ | !~ /re/ | IN ("a", "b") */
  key: { op: "=" | "!=" | "=~" | "!~" | "IN"; values: string[] };
  condition?: Expr;
  limit?: number;
  offset?: number;
}

export interface ShowFieldKeys {
  kind: "show-field-keys";
  database?: string;
  sources: Source[];
  limit?: number;
  offset?: number;
}

export type Statement =
  | SelectStatement
  | ShowDatabases
  | ShowRetentionPolicies
  | ShowMeasurements
  | ShowTagKeys
  | ShowTagValues
  | ShowFieldKeys;
