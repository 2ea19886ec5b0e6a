import type { Request } from "express";
import { BadRequestError } from "../errors/errors.js";
import { parseByteSize, readBody } from "../http/raw-body.js";
import { type AnyRoute, type RawBodySpec, type Reply, route } from "../http/route.js";
import { seriesListParams, seriesParams } from "../series/series-schemas.js";
import type { Principal } from "../tokens/scopes.js";
import type { WritePrecision } from "./point-values.js";
import {
  influxV1Query,
  influxV2Query,
  lineProtocolQuery,
  pointsQuery,
  writePointsBody,
  writeResultSchema,
} from "./points-schemas.js";
import type { PointsService } from "./points-service.js";

const TAG = "Points";

const LINE_PROTOCOL: RawBodySpec = {
  mediaTypes: ["text/plain"],
  description:
    "InfluxDB line protocol, one point per line; `Content-Encoding: gzip` accepted. Any Content-Type is taken, as InfluxDB does.",
};

const LINE_PROTOCOL_RESPONSES = {
  204: { description: "Every line was written (durable)" },
};

export function pointsRoutes(service: PointsService): AnyRoute[] {
  let bodyLimitBytes: number | undefined; // read on first use: routes are also built for the document alone
  /** Line protocol → 204, or 400 POINTS_REJECTED listing the bad lines (the good ones are written). */
  const writeLines = async (
    principal: Principal,
    db: string,
    precision: WritePrecision,
    req: Request,
  ): Promise<Reply> => {
    bodyLimitBytes ??= parseByteSize(service.bodyLimit);
    const body = await readBody(req, bodyLimitBytes);
    const result = await service.writeLineProtocol(principal, db, body, precision);
    if (result.rejected === 0) return { status: 204 };
    const first = result.rejections[0];
    const detail = `${result.rejected} line(s) refused, ${result.written} written; first: line ${first?.line}: ${first?.reason}`;
    throw new BadRequestError("POINTS_REJECTED", detail, {
      extensions: {
        written: result.written,
        rejected: result.rejected,
        lines: result.rejections,
        message: detail,
      },
    });
  };

  return [
    route({
      method: "post",
      path: "/v1/databases/:db/series/:series/points",
      operationId: "writePoints",
      summary: "Write points of one series as JSON rows or columns (db:<name>:write)",
      description:
        "All or nothing: every value is checked against the series' schema and a bad one refuses the request (400, each issue listed). Answers after the database made the rows durable.",
      tag: TAG,
      params: seriesParams,
      query: pointsQuery,
      body: writePointsBody,
      bodyLimit: () => service.bodyLimit,
      responses: { 200: { description: "Written and durable", schema: writeResultSchema } },
      handler: async ({ principal, params, query, body }) => ({
        status: 200,
        body: {
          written: await service.writeJson(principal, params.db, params.series, body, query.precision),
        },
      }),
    }),
    route({
      method: "post",
      path: "/v1/databases/:db/write",
      operationId: "writeLineProtocol",
      summary: "Write InfluxDB line protocol to any series of a database (db:<name>:write)",
      description:
        "Measurement → series, tags → symbol columns, fields → typed columns. Lines that do not fit are refused (400 POINTS_REJECTED with each line's number and reason) while the others are written.",
      tag: TAG,
      params: seriesListParams,
      query: lineProtocolQuery,
      rawBody: LINE_PROTOCOL,
      responses: LINE_PROTOCOL_RESPONSES,
      handler: ({ principal, params, query, req }) => writeLines(principal, params.db, query.precision, req),
    }),
    route({
      method: "post",
      path: "/api/v2/write",
      operationId: "writeInfluxV2",
      summary: "InfluxDB 2.x write API: bucket is the database (Authorization: Token …)",
      tag: TAG,
      query: influxV2Query,
      rawBody: LINE_PROTOCOL,
      responses: LINE_PROTOCOL_RESPONSES,
      handler: ({ principal, query, req }) => writeLines(principal, query.bucket, query.precision, req),
    }),
    route({
      method: "post",
      path: "/write",
      operationId: "writeInfluxV1",
      summary: "InfluxDB 1.x write API: db is the database (Authorization: Token …)",
      tag: TAG,
      query: influxV1Query,
      rawBody: LINE_PROTOCOL,
      responses: LINE_PROTOCOL_RESPONSES,
      handler: ({ principal, query, req }) => writeLines(principal, query.db, query.precision, req),
    }),
    route({
      method: "get",
      path: "/ping",
      operationId: "influxPing",
      summary: "InfluxDB's liveness probe, for agents that call it before writing",
      tag: TAG,
      auth: false,
      responses: { 204: { description: "Up" } },
      handler: async () => ({ status: 204, headers: { "X-Influxdb-Version": "1.8-compatible (guru-api)" } }),
    }),
  ];
}
