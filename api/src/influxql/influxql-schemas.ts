/** The /query and /health parameters and answers, as zod schemas (validation and OpenAPI). */
import { z } from "zod";
import { named } from "../openapi/registry.js";
import { EPOCHS } from "./time-literals.js";

const flag = z.enum(["true", "false"]);

/** /query's parameters (in the URL, or for POST also in a form body). `q` is checked by the handler,
 * so that its absence answers InfluxDB's message. */
export const influxQueryParams = z.strictObject({
  db: z.string().max(255).optional().describe("the database statements run against (FROM may name another)"),
  q: z.string().max(1_048_576).optional().describe("InfluxQL: one or more statements separated by `;`"),
  epoch: z
    .enum(EPOCHS)
    .optional()
    .describe("times as integers of this unit since 1970 (h, m, s, ms, u, ns) instead of RFC 3339"),
  chunked: flag.optional().describe("true: one JSON object per statement, each on its own line"),
  chunk_size: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional()
    .describe("accepted; each chunk holds one statement's result"),
  pretty: flag.optional().describe("indent the JSON"),
  rp: z.string().max(255).optional().describe("ignored: a database has one retention policy, autogen"),
  u: z.string().max(255).optional().describe("user name: ignored"),
  p: z.string().max(255).optional().describe("password: a guru-api token (as with Basic auth)"),
});

export type InfluxQueryParams = z.infer<typeof influxQueryParams>;

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const influxResultsSchema = named(
  "InfluxQLResults",
  z.object({
    results: z.array(
      z.object({
        statement_id: z.number().int(),
        series: z
          .array(
            z.object({
              name: z.string().optional(),
              tags: z.record(z.string(), z.string()).optional(),
              columns: z.array(z.string()),
              values: z.array(z.array(value)).optional(),
            }),
          )
          .optional(),
        error: z.string().optional().describe("this statement's error; the others still ran"),
      }),
    ),
  }),
  "InfluxDB 1.x's answer to /query: one result per statement. Integers are exact JSON numbers (up to 2^63−1).",
);

export const influxHealthSchema = named(
  "InfluxHealth",
  z.object({
    name: z.string(),
    message: z.string(),
    status: z.enum(["pass", "fail"]),
    checks: z.array(z.unknown()),
    version: z.string(),
    commit: z.string(),
  }),
  "InfluxDB 2.x's health answer, for clients that call health() before writing or querying.",
);
