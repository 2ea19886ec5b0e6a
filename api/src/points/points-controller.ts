import type { Request } from "express";
import type { Principal } from "../auth/scopes.js";
import { BadRequestError, ValidationError } from "../errors/errors.js";
import { parseByteSize, readBody } from "../http/raw-body.js";
import { type AnyRoute, type RawBodySpec, type Reply, route } from "../http/route.js";
import { seriesListParams, seriesParams } from "../series/series-schemas.js";
import { collectdLines, numbersAsText } from "./collectd-json.js";
import { type LineRejection, MAX_REPORTED } from "./line-protocol-batch.js";
import type { WritePrecision } from "./point-values.js";
import {
  collectdBody,
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

/** 204, or 400 POINTS_REJECTED listing what was refused (the rest is written). */
function rejected(written: number, count: number, refusals: LineRejection[], what: string): Reply {
  if (count === 0) return { status: 204 };
  const first = refusals[0];
  const detail = `${count} ${what}(s) refused, ${written} written; first: ${what} ${first?.line}: ${first?.reason}`;
  throw new BadRequestError("POINTS_REJECTED", detail, {
    extensions: { written, rejected: count, lines: refusals, message: detail },
  });
}

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
    const body = await readBody(req, bodyLimitBytes, { shared: service.sharedBodies });
    const result = await service.writeLineProtocol(principal, db, body, precision);
    return rejected(result.written, result.rejected, result.rejections, "line");
  };

  /** collectd's JSON → line protocol of series it declares; refusals name value lists by position. */
  const writeCollectd = async (principal: Principal, db: string, req: Request): Promise<Reply> => {
    bodyLimitBytes ??= parseByteSize(service.bodyLimit);
    const text = (await readBody(req, bodyLimitBytes)).toString("utf8");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new BadRequestError("MALFORMED_JSON", `the body is not valid JSON: ${(err as Error).message}`);
    }
    const lists = collectdBody.safeParse(parsed);
    if (!lists.success) throw ValidationError.fromZod(lists.error, "body");
    const made = collectdLines(lists.data, JSON.parse(numbersAsText(text)));
    const result = await service.writeLineProtocol(principal, db, made.body, "ns", made.series);
    const refusals = result.rejections
      .map((r) => ({ line: made.positions[r.line - 1] as number, reason: r.reason }))
      .concat(made.refused)
      .sort((a, b) => a.line - b.line)
      .slice(0, MAX_REPORTED);
    const count = result.rejected + made.refused.length;
    return rejected(result.written, count, refusals, "value list");
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
      path: "/v1/databases/:db/collectd",
      basicChallenge: true,
      operationId: "writeCollectd",
      summary: "Write collectd's value lists, as its write_http plugin sends them (db:<name>:write)",
      description:
        'For `Format "JSON"`. Each value list goes to the series <plugin>_<type> (<plugin> when both are equal), tags host, plugin, plugin_instance, type and type_instance, one field per data source: gauge → float, derive, counter and absolute → long. Series are created on first write. Value lists that do not fit are refused (400 POINTS_REJECTED; `line` is the value list\'s 1-based position in the array) while the others are written, durable before the answer.',
      tag: TAG,
      params: seriesListParams,
      rawBody: {
        mediaTypes: ["application/json"],
        description: "a JSON array of collectd value lists; `Content-Encoding: gzip` accepted",
        schema: collectdBody,
        strict: true,
      },
      responses: { 204: { description: "Every value list was written (durable)" } },
      handler: ({ principal, params, req }) => writeCollectd(principal, params.db, req),
    }),
    route({
      method: "post",
      path: "/api/v2/write",
      basicChallenge: true,
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
      basicChallenge: true,
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
