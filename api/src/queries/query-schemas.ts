import { z } from "zod";
import { FILLS, NAME_PATTERN, OPS as Q_OPS, TYPE_NAMES } from "../../../q-api/src/index.js";
import { cursorSchema, named } from "../openapi/registry.js";
import { PRECISIONS } from "../points/point-values.js";
import { precisionSchema } from "../points/points-schemas.js";

export const FORMATS = ["json", "rows", "jsonl", "csv"] as const;
export type Format = (typeof FORMATS)[number];
/** q's ops, and `!=` for `<>` */
export const OPS = ["!=", ...Q_OPS] as const;
export type Op = (typeof OPS)[number];

const time = z
  .union([z.string().max(64), z.number()])
  .describe("RFC 3339 (up to 9 fraction digits), or an integer count of `precision` units since 1970");
const cursor = cursorSchema(4096);
const format = z
  .enum(FORMATS)
  .optional()
  .describe(
    "json (columnar), rows (JSON objects), jsonl (streamed), csv (streamed); default from Accept, else json",
  );
const epoch = z
  .enum(PRECISIONS)
  .optional()
  .describe("timestamps as integer strings in this unit since 1970 instead of RFC 3339");
const bucket = z
  .string()
  .max(32)
  .describe("bucket width: 500ms, 10s, 5m, 1h, 1d, 1h30m (units ns us ms s m h d)");
const aggText = z
  .string()
  .max(200)
  .describe("[output=]function(column); functions: first last min max sum avg count stddev median");

// names go to the database as symbols, which cannot hold every character (NUL)
const columnName = z.string().regex(NAME_PATTERN, "a column name: a letter, then letters, digits or _");

/** Everything both forms share, once parsed. */
export interface QueryInput {
  start?: string | number;
  end?: string | number;
  precision: (typeof PRECISIONS)[number];
  columns?: string[];
  where: { column: string; op: Op; value: unknown; text: boolean }[];
  by?: string[];
  bucket?: string;
  agg?: string[];
  fill?: (typeof FILLS)[number];
  order?: "asc" | "desc";
  limit?: number;
  cursor?: string;
  format?: Format;
  epoch?: (typeof PRECISIONS)[number];
}

export const queryBody = z.strictObject({
  start: time.optional(),
  end: time.optional().describe("excluded"),
  precision: precisionSchema,
  columns: z.array(columnName).max(256).optional().describe("raw queries: columns after time"),
  where: z
    .array(
      z.strictObject({
        column: columnName,
        op: z.enum(OPS),
        value: z.unknown().describe("typed as the column; a list for in and within ([lo, hi])"),
      }),
    )
    .max(64)
    .default([])
    .describe("conditions, all of which must hold"),
  by: z.array(columnName).max(64).optional().describe("tag columns to group by"),
  bucket: bucket.optional(),
  agg: z.array(aggText).max(64).optional(),
  fill: z.enum(FILLS).optional().describe("empty buckets: none (default), null, prev, linear, zero"),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.number().int().min(1).optional().describe("page size; turns on paging (nextCursor)"),
  cursor: cursor.optional(),
  format,
  epoch,
});

const splitList = (s: string) =>
  s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
const list = z.string().max(4096).transform(splitList);
const columnList = z
  .string()
  .max(4096)
  .regex(/^[A-Za-z0-9_,\s]*$/, "comma-separated column names")
  .transform(splitList);

export const queryQuery = z.strictObject({
  start: z
    .string()
    .max(64)
    .optional()
    .describe("RFC 3339, or an integer count of `precision` units since 1970"),
  end: z.string().max(64).optional().describe("excluded; as start"),
  precision: precisionSchema,
  columns: columnList.optional().describe("comma-separated columns (raw queries)"),
  where: z
    .string()
    .max(8192)
    .optional()
    .describe(
      "conditions separated by `;`: `host=a;usage>0.5;host in a|b;usage within 0|1;note like fo*` (ops = != < <= > >= in within like)",
    ),
  by: columnList.optional().describe("comma-separated tag columns"),
  bucket: bucket.optional(),
  agg: list.optional().describe("comma-separated [output=]function(column)"),
  fill: z.enum(FILLS).optional(),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.coerce.number().int().min(1).optional().describe("page size; turns on paging"),
  cursor: cursor.optional(),
  format,
  epoch,
});

export const lastQuery = z.strictObject({
  by: columnList.optional().describe("comma-separated tag columns: the latest point of each group"),
  format,
  epoch,
});

const resultColumn = z.object({ name: z.string(), type: z.enum(TYPE_NAMES) });
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const queryResultSchema = named(
  "QueryResult",
  z.object({
    columns: z.array(resultColumn),
    values: z.record(z.string(), z.array(cell)).optional().describe("format json: column → values"),
    points: z.array(z.record(z.string(), cell)).optional().describe("format rows: one object per row"),
    count: z.number().int(),
    nextCursor: z
      .string()
      .nullable()
      .describe("with limit: pass as cursor for the next page; null on the last"),
  }),
  "A query result. Timestamps are RFC 3339 with nine fraction digits (or integer strings with epoch); longs and timespans are strings; null is the q null.",
);
