import { z } from "zod";
import { NAME_PATTERN, RESERVED_NAMES, TYPE_NAMES } from "../../../q-api/src/index.js";
import { databaseNameSchema } from "../auth/database-name.js";
import { named, pageOf, timestampSchema } from "../openapi/registry.js";

export const qNameSchema = z
  .string()
  .regex(NAME_PATTERN, "a letter, then letters, digits or _; at most 64 characters")
  .refine((n) => !RESERVED_NAMES.has(n), "a word q reserves")
  // the refinement, as JSON Schema says it
  .meta({ example: "cpu", not: { enum: [...RESERVED_NAMES] } });

/**
 * The body's refinement as far as JSON Schema can say it (it cannot compare field names): tags
 * are unique, and `time` is taken.
 */
const TIME = { const: "time" };

export const createSeriesBody = z
  .strictObject({
    name: qNameSchema,
    tags: z
      .array(qNameSchema)
      .max(64)
      .meta({ uniqueItems: true, not: { contains: TIME } })
      .default([])
      .describe("tag columns (symbols): the identity of a point, what queries group by"),
    fields: z
      .array(z.strictObject({ name: qNameSchema, type: z.enum(TYPE_NAMES) }))
      .max(255)
      .meta({ not: { contains: { properties: { name: TIME } } } })
      .default([])
      .describe("typed value columns; every column name (tags and fields) once, and not `time`"),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>(["time"]);
    const columns = [
      ...body.tags.map((name) => ({ name, at: "tags" })),
      ...body.fields.map((f) => ({ name: f.name, at: "fields" })),
    ];
    columns.forEach((column, i) => {
      if (seen.has(column.name))
        ctx.addIssue({
          code: "custom",
          path: [column.at, column.at === "tags" ? i : i - body.tags.length],
          message:
            column.name === "time" ? "time is the implicit first column" : `duplicate column ${column.name}`,
        });
      seen.add(column.name);
    });
    if (columns.length + 1 > 256)
      ctx.addIssue({ code: "custom", path: [], message: "at most 256 columns with time" });
  });

export const seriesParams = z.strictObject({ db: databaseNameSchema, series: qNameSchema });
export const seriesListParams = z.strictObject({ db: databaseNameSchema });

export const columnSchema = named(
  "Column",
  z.object({
    name: z.string(),
    type: z.enum(TYPE_NAMES),
    tag: z.boolean(),
  }),
);

export const seriesSchema = named(
  "Series",
  z.object({
    name: z.string(),
    database: databaseNameSchema,
    columns: z.array(columnSchema).describe("time first, then tags, then fields"),
    createdAt: timestampSchema,
  }),
  "A series: a table of points with a time column, tag columns and typed fields.",
);

export const seriesPageSchema = pageOf("SeriesPage", seriesSchema);

export type SeriesView = z.infer<typeof seriesSchema>;
export type CreateSeriesInput = z.infer<typeof createSeriesBody>;
export type Column = z.infer<typeof columnSchema>;
