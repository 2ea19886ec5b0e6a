/**
 * The registry of named API schemas: every response body schema is registered here with an id,
 * and becomes `#/components/schemas/<id>` in the OpenAPI document. Shared schemas live here too.
 */
import { z } from "zod";
import { ERROR_CODES } from "../errors/registry.js";

export const apiSchemas = z.registry<{ id: string; description?: string }>();

/** Registers a response schema under `id` and returns it. */
export function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  apiSchemas.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

export const issueSchema = named(
  "Issue",
  z.object({
    code: z
      .string()
      .describe("zod's issue code: invalid_type, too_small, unrecognized_keys, invalid_format, custom..."),
    path: z
      .array(z.union([z.string(), z.number()]))
      .describe("where: body, query, path or header, then the field path"),
    message: z.string(),
  }),
  "One validation issue.",
);

export const problemSchema = named(
  "Problem",
  z.looseObject({
    type: z.string().describe("a URI naming the problem type; docs/api.md lists every code"),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional().describe("the request path"),
    code: z.enum(ERROR_CODES as [string, ...string[]]).describe("the stable error code"),
    requestId: z.string().optional().describe("also in the X-Request-Id header and the logs"),
    errors: z.array(issueSchema).optional().describe("validation issues (VALIDATION_FAILED)"),
  }),
  "An RFC 9457 problem document (application/problem+json).",
);

export const timestampSchema = z.iso.datetime({ offset: false }).describe("RFC 3339, UTC");

/** A page of a list: the items and the cursor of the next page (null on the last). */
export function pageOf<S extends z.ZodType>(id: string, item: S) {
  return named(
    id,
    z.object({
      items: z.array(item),
      nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last page"),
    }),
  );
}

/** Every cursor the API hands out is base64url (paging/cursors.ts, the engine's): no other text is one. */
export function cursorSchema(maxLength: number) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor: base64url")
    .describe("`nextCursor` of the previous page");
}

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("items per page, 1–100"),
  cursor: cursorSchema(2048).optional(),
});
