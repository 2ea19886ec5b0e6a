import { z } from "zod";
import { databaseNameSchema } from "../auth/database-name.js";
import { named } from "../openapi/registry.js";
import { PRECISIONS } from "./point-values.js";

export const MAX_JSON_POINTS = 100_000;

export const precisionSchema = z
  .enum(PRECISIONS)
  .default("ns")
  .describe("unit of integer timestamps (counted from 1970-01-01T00:00:00Z)");

export const pointsQuery = z.strictObject({ precision: precisionSchema });

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const writePointsBody = z.union([
  z
    .strictObject({
      points: z
        .array(z.record(z.string(), value))
        .min(1)
        .max(MAX_JSON_POINTS)
        .describe("rows: column name → value; missing columns are null"),
    })
    .describe("row-oriented"),
  z
    .strictObject({
      columns: z
        .record(z.string(), z.array(value).max(MAX_JSON_POINTS))
        .describe("columnar: column name → values, all of one length; `time` is required"),
    })
    .describe("columnar"),
]);

export type WritePointsInput = z.infer<typeof writePointsBody>;

export const writeResultSchema = named(
  "WriteResult",
  z.object({ written: z.number().int().describe("rows written, durable on the database") }),
);

export const lineProtocolQuery = z.strictObject({ precision: precisionSchema });

/** InfluxDB v2: bucket is the database; org is accepted and ignored (the token names the account). */
export const influxV2Query = z.strictObject({
  bucket: databaseNameSchema.describe("the database"),
  org: z.string().optional().describe("ignored: the token's account is the organisation"),
  orgID: z.string().optional().describe("ignored"),
  precision: precisionSchema,
});

/** InfluxDB v1: db is the database; rp and consistency are accepted and ignored. */
export const influxV1Query = z.strictObject({
  db: databaseNameSchema.describe("the database"),
  rp: z.string().optional().describe("ignored"),
  consistency: z.string().optional().describe("ignored"),
  u: z.string().max(255).optional().describe("user name: ignored"),
  p: z.string().max(255).optional().describe("password: a guru-api token (as with Basic auth)"),
  precision: z
    .enum(["ns", "n", "u", "us", "ms", "s", "m", "h"])
    .default("ns")
    .transform((p) => (p === "n" ? "ns" : p === "u" ? "us" : p))
    .describe("ns (or n), us (or u), ms, s, m (minutes), h (hours)"),
});

const collectdName = z.string().max(255);

/** One value list as collectd's write_http plugin sends it with `Format "JSON"`. */
export const collectdValueList = z
  .strictObject({
    values: z
      .array(z.number().nullable())
      .min(1)
      .max(64)
      .describe("one per data source; null is a gauge's NaN (nothing is stored for it)"),
    dstypes: z.array(z.enum(["gauge", "derive", "counter", "absolute"])).max(64),
    dsnames: z.array(collectdName).max(64).describe("the field of each value (types.db)"),
    time: z.number().nonnegative().describe("seconds since 1970-01-01T00:00:00Z, with decimals"),
    interval: z.number().nonnegative().describe("seconds between readings: not stored"),
    host: collectdName,
    plugin: collectdName,
    plugin_instance: collectdName,
    type: collectdName,
    type_instance: collectdName,
    meta: z.record(z.string(), z.unknown()).optional().describe("not stored"),
  })
  .describe("a value list: series <plugin>_<type> (or <plugin> when both are equal)");

export type CollectdValueList = z.infer<typeof collectdValueList>;

export const collectdBody = z.array(collectdValueList).max(MAX_JSON_POINTS);
