import { z } from "zod";
import { databaseParams } from "../databases/databases-schemas.js";
import { type AnyRoute, route } from "../http/route.js";
import { named } from "../openapi/registry.js";
import type { RetentionService } from "./retention-service.js";

const timeNs = z.string().describe("RFC 3339, UTC, nanoseconds");

const retentionSchema = named(
  "Retention",
  z.object({
    days: z.number().int().nullable().describe("whole days before today (UTC) kept; null: everything"),
    cutoff: timeNs.nullable().describe("points before it are expired: never returned, and dropped"),
    oldestTime: timeNs.nullable().describe("the oldest point time retained, of any series"),
    lastRunAt: timeNs.nullable().describe("when the database last dropped expired points"),
    droppedRows: z.number().int().describe("points that run dropped"),
  }),
  "How long a database keeps its points, as its engine applies it now.",
);

export function retentionRoutes(service: RetentionService): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/databases/:db/retention",
      operationId: "getRetention",
      summary: "The database's retention, its cutoff and the oldest time it retains (db:<name>:read)",
      tag: "Databases",
      params: databaseParams,
      responses: { 200: { description: "The retention in force", schema: retentionSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: await service.get(principal, params.db),
      }),
    }),
  ];
}
