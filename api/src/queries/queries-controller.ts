import type { Request } from "express";
import type { QTable } from "../../../qipc/src/index.js";
import { BadRequestError, ValidationError } from "../errors/errors.js";
import { type AnyRoute, type Reply, route } from "../http/route.js";
import type { Precision } from "../points/point-values.js";
import { seriesParams } from "../series/series-schemas.js";
import type { PreparedQuery, QueriesService } from "./queries-service.js";
import { parseWhereText } from "./query-options.js";
import {
  type Format,
  lastQuery,
  type QueryInput,
  queryBody,
  queryQuery,
  queryResultSchema,
} from "./query-schemas.js";
import {
  columnar,
  columnsMeta,
  csvHeader,
  csvRows,
  jsonLines,
  resultColumns,
  rowCount,
  rowObjects,
} from "./result-encoding.js";
import { streamPages } from "./stream-response.js";

const TAG = "Queries";
const MEDIA: Record<Format, string> = {
  json: "application/json",
  rows: "application/json",
  jsonl: "application/x-ndjson",
  csv: "text/csv",
};
const RESPONSES = {
  200: {
    description: "The result: JSON (columnar or rows), or streamed JSON Lines or CSV",
    schema: queryResultSchema,
    mediaTypes: [MEDIA.jsonl, MEDIA.csv],
    headers: { "X-Next-Cursor": "streamed formats with limit: the next page's cursor (absent on the last)" },
  },
};

/** format= wins; else Accept; else JSON. */
function formatOf(req: Request, format: Format | undefined): Format {
  if (format !== undefined) return format;
  const accepted = req.accepts(["application/json", "application/x-ndjson", "application/jsonl", "text/csv"]);
  if (accepted === "text/csv") return "csv";
  return accepted === "application/x-ndjson" || accepted === "application/jsonl" ? "jsonl" : "json";
}

function text(format: "jsonl" | "csv", table: QTable, epoch: Precision | undefined, header: boolean): string {
  const columns = resultColumns(table, epoch);
  const rows = rowCount(table);
  if (format === "jsonl") return jsonLines(columns, rows);
  return (header ? csvHeader(columns) : "") + csvRows(columns, rows);
}

function jsonBody(format: Format, table: QTable, epoch: Precision | undefined, next: string | null) {
  const columns = resultColumns(table, epoch);
  const rows = rowCount(table);
  const data =
    format === "rows" ? { points: rowObjects(columns, rows) } : { values: columnar(columns, rows) };
  return { columns: columnsMeta(columns), ...data, count: rows, nextCursor: next };
}

export function queriesRoutes(service: QueriesService): AnyRoute[] {
  const run = async (query: PreparedQuery, input: QueryInput, req: Request): Promise<Reply> => {
    const format = formatOf(req, input.format);
    const streamed = format === "jsonl" || format === "csv";
    const paged = input.limit !== undefined || input.cursor !== undefined;
    const limit = Math.min(
      input.limit ?? Number.POSITIVE_INFINITY,
      streamed && !paged ? service.pageRows : service.maxRows,
    );
    const first = await service.page(query, limit, input.cursor);
    if (!streamed) {
      if (!paged && first.next !== null)
        throw new BadRequestError(
          "RESULT_TOO_LARGE",
          `the result has more than ${service.maxRows} rows: page it with limit and cursor, or use format=jsonl or csv`,
        );
      return { status: 200, body: jsonBody(format, first.table, input.epoch, first.next) };
    }
    const headers: Record<string, string> = { "Content-Type": `${MEDIA[format]}; charset=utf-8` };
    if (paged && first.next !== null) headers["X-Next-Cursor"] = first.next;
    let next = paged ? null : first.next;
    const more = async () => {
      if (next === null) return undefined;
      const page = await service.page(query, limit, next);
      next = page.next;
      return text(format, page.table, input.epoch, false);
    };
    return {
      status: 200,
      headers,
      stream: (res) => streamPages(res, text(format, first.table, input.epoch, true), more),
    };
  };

  return [
    route({
      method: "get",
      path: "/v1/databases/:db/series/:series/query",
      operationId: "querySeries",
      summary: "Query a series: range, filters, grouping, buckets, aggregates, fill, paging (db:<name>:read)",
      tag: TAG,
      params: seriesParams,
      query: queryQuery,
      responses: RESPONSES,
      handler: async ({ principal, params, query, req }) => {
        const where = query.where === undefined ? [] : parseWhereText(query.where);
        if (!Array.isArray(where)) throw new ValidationError([where]);
        const input: QueryInput = { ...query, where };
        return run(await service.prepare(principal, params.db, params.series, input, "query"), input, req);
      },
    }),
    route({
      method: "post",
      path: "/v1/databases/:db/series/:series/query",
      operationId: "querySeriesPost",
      summary: "Query a series with the options in a JSON body (db:<name>:read)",
      tag: TAG,
      params: seriesParams,
      body: queryBody,
      responses: RESPONSES,
      handler: async ({ principal, params, body, req }) => {
        const input: QueryInput = { ...body, where: body.where.map((w) => ({ ...w, text: false })) };
        return run(await service.prepare(principal, params.db, params.series, input, "body"), input, req);
      },
    }),
    route({
      method: "get",
      path: "/v1/databases/:db/series/:series/last",
      operationId: "lastPoints",
      summary: "The latest point of a series, or of each group of tags (db:<name>:read)",
      tag: TAG,
      params: seriesParams,
      query: lastQuery,
      responses: RESPONSES,
      handler: async ({ principal, params, query, req }) => {
        const table = await service.last(principal, params.db, params.series, query.by ?? []);
        const format = formatOf(req, query.format);
        if (format === "json" || format === "rows")
          return { status: 200, body: jsonBody(format, table, query.epoch, null) };
        const body = text(format, table, query.epoch, true);
        return {
          status: 200,
          headers: { "Content-Type": `${MEDIA[format]}; charset=utf-8` },
          stream: async (res) => void res.end(body),
        };
      },
    }),
  ];
}
