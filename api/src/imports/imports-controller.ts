import { decodedBody } from "../http/raw-body.js";
import { type AnyRoute, route } from "../http/route.js";
import { jobSchema } from "../jobs/jobs-schemas.js";
import { pointsQuery } from "../points/points-schemas.js";
import { seriesParams } from "../series/series-schemas.js";
import type { ImportsService } from "./imports-service.js";

export function importsRoutes(service: ImportsService): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/databases/:db/series/:series/import",
      operationId: "importCsv",
      summary: "Import a CSV upload of any size into a series, as a job (db:<name>:write)",
      description:
        "The first line names the columns (time required; missing columns are null). The reply's status and Location (the job) are sent at once; its body, sent when the upload is done, is the job's final state. Bad rows are reported with their line numbers and skipped; the others are written in durable batches.",
      tag: "Jobs",
      params: seriesParams,
      query: pointsQuery,
      rawBody: {
        mediaTypes: ["text/csv", "text/plain", "application/octet-stream"],
        description: "CSV with a header line; `Content-Encoding: gzip` accepted",
        strict: true,
      },
      responses: {
        202: {
          description: "The job, in its final state (status succeeded or failed)",
          schema: jobSchema,
          headers: { Location: "the job, to follow while the upload runs" },
        },
      },
      handler: async ({ principal, params, query, req }) => {
        const started = await service.start(
          principal,
          params.db,
          params.series,
          decodedBody(req),
          query.precision,
        );
        return {
          status: 202,
          headers: {
            Location: `/v1/jobs/${started.job.id}`,
            "Content-Type": "application/json; charset=utf-8",
          },
          stream: async (res) => {
            res.flushHeaders();
            res.end(JSON.stringify(await started.run()));
          },
        };
      },
    }),
  ];
}
