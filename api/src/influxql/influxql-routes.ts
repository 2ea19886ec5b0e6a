/**
 * InfluxDB's read API: `GET|POST /query` (InfluxQL, InfluxDB 1.x's JSON answer; for POST the
 * parameters may also come as a form body, as Grafana sends them) and `GET /health` (InfluxDB 2.x's
 * shape). A query that cannot be parsed is 400 `INFLUXQL_INVALID`, a problem document that also
 * carries InfluxDB's `error` member, which InfluxDB clients show.
 */
import type { Request } from "express";
import type { Principal } from "../auth/scopes.js";
import type { Services } from "../compose.js";
import { BadRequestError, ValidationError } from "../errors/errors.js";
import { readBody, SHARED_BODY_BYTES } from "../http/raw-body.js";
import { type AnyRoute, type Reply, route } from "../http/route.js";
import { serviceReader } from "./engine-reader.js";
import { executeStatements } from "./execute.js";
import { chunkBody, resultsBody, type StatementResult } from "./influx-json.js";
import {
  type InfluxQueryParams,
  influxHealthSchema,
  influxQueryParams,
  influxResultsSchema,
} from "./influxql-schemas.js";
import { InfluxQLSyntaxError, parseQuery } from "./parser.js";

const TAG = "InfluxDB";
export const INFLUX_VERSION = "1.8-compatible (guru-api)";
const FORM_LIMIT = 1_048_576 + SHARED_BODY_BYTES;

const RESPONSES = {
  200: {
    description: "One result per statement; a statement's error is in its result",
    schema: influxResultsSchema,
    headers: { "X-Influxdb-Version": "the InfluxDB API this answers as" },
  },
};

function influxError(detail: string, message: string): BadRequestError {
  return new BadRequestError("INFLUXQL_INVALID", detail, { extensions: { error: message } });
}

/** Form-encoded parameters of a POST body, merged over the URL's. */
async function formParams(req: Request, url: InfluxQueryParams): Promise<InfluxQueryParams> {
  if (!req.is("application/x-www-form-urlencoded")) return url;
  const body = (await readBody(req, FORM_LIMIT)).toString("utf8");
  const merged: Record<string, string> = { ...(url as Record<string, string>) };
  for (const [k, v] of new URLSearchParams(body)) merged[k] = v;
  const parsed = influxQueryParams.safeParse(merged);
  if (!parsed.success) throw ValidationError.fromZod(parsed.error, "body");
  return parsed.data;
}

export function influxqlRoutes(services: Services): AnyRoute[] {
  const query = async (principal: Principal, params: InfluxQueryParams): Promise<Reply> => {
    if (params.q === undefined || params.q.trim() === "")
      throw influxError('missing required parameter "q"', 'missing required parameter "q"');
    let statements: ReturnType<typeof parseQuery>;
    try {
      statements = parseQuery(params.q);
    } catch (err) {
      if (!(err instanceof InfluxQLSyntaxError)) throw err;
      throw influxError(`error parsing query: ${err.message}`, `error parsing query: ${err.message}`);
    }
    const results = executeStatements(statements, {
      reader: serviceReader(services, principal),
      db: params.db,
      epoch: params.epoch,
      now: BigInt(Date.now()) * 1_000_000n,
    });
    const pretty = params.pretty === "true";
    const headers = { "Content-Type": "application/json", "X-Influxdb-Version": INFLUX_VERSION };
    if (params.chunked === "true") {
      // the first result is computed before the status is sent, so that its failure is an error reply
      const first = await results.next();
      return {
        status: 200,
        headers,
        stream: async (res) => {
          if (!first.done) res.write(chunkBody(first.value, pretty));
          for await (const r of results) res.write(chunkBody(r, pretty));
          res.end();
        },
      };
    }
    const all: StatementResult[] = [];
    for await (const r of results) all.push(r);
    const body = resultsBody(all, pretty);
    return { status: 200, headers, stream: async (res) => void res.end(body) };
  };

  return [
    route({
      method: "get",
      path: "/query",
      basicChallenge: true,
      operationId: "influxQuery",
      summary: "InfluxDB 1.x query API: InfluxQL SELECT and SHOW statements (db:<name>:read)",
      description:
        "Authorization: Token <token>, Bearer, Basic (the password is the token) or u/p parameters. See docs/influxql.md for the statements answered.",
      tag: TAG,
      query: influxQueryParams,
      responses: RESPONSES,
      handler: ({ principal, query: params }) => query(principal, params),
    }),
    route({
      method: "post",
      path: "/query",
      basicChallenge: true,
      operationId: "influxQueryPost",
      summary: "InfluxDB 1.x query API by POST: parameters in the URL or a form body (db:<name>:read)",
      tag: TAG,
      query: influxQueryParams,
      rawBody: {
        mediaTypes: ["application/x-www-form-urlencoded"],
        description: "optional: the parameters (q, db, epoch, …) form-encoded, as Grafana sends them",
      },
      responses: RESPONSES,
      handler: async ({ principal, query: params, req }) => query(principal, await formParams(req, params)),
    }),
    route({
      method: "get",
      path: "/health",
      operationId: "influxHealth",
      summary: "InfluxDB 2.x's health check, for clients that call it (no token)",
      tag: TAG,
      auth: false,
      responses: { 200: { description: "Serving", schema: influxHealthSchema } },
      handler: async () => ({
        status: 200,
        body: {
          name: "influxdb",
          message: "ready for queries and writes",
          status: "pass",
          checks: [],
          version: INFLUX_VERSION,
          commit: "guru-api",
        },
      }),
    }),
  ];
}
