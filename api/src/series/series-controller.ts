import { idempotencyHeaders } from "../databases/databases-schemas.js";
import { type AnyRoute, route } from "../http/route.js";
import { fingerprint, type Idempotency } from "../idempotency/idempotency.js";
import { pageQuerySchema } from "../openapi/registry.js";
import {
  createSeriesBody,
  seriesListParams,
  seriesPageSchema,
  seriesParams,
  seriesSchema,
} from "./series-schemas.js";
import { type SeriesService, seriesView } from "./series-service.js";

const TAG = "Series";

export function seriesRoutes(service: SeriesService, idempotency: Idempotency): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/databases/:db/series",
      operationId: "createSeries",
      summary: "Create a series with its schema (db:<name>:write)",
      description:
        "Creating a series that exists with the same schema answers 200 with it; with another schema, 409.",
      tag: TAG,
      params: seriesListParams,
      headers: idempotencyHeaders,
      body: createSeriesBody,
      responses: {
        200: { description: "It existed with this schema", schema: seriesSchema },
        201: { description: "Created", schema: seriesSchema, headers: { Location: "the series' URL" } },
      },
      handler: async ({ principal, params, headers, body, req }) =>
        idempotency.run(
          principal.accountId,
          headers["idempotency-key"],
          fingerprint(req.method, req.path, body),
          async () => {
            const { series, created } = await service.create(principal, params.db, body);
            return {
              status: created ? 201 : 200,
              body: seriesView(series),
              headers: { Location: `/v1/databases/${params.db}/series/${series.name}` },
            };
          },
        ),
    }),
    route({
      method: "get",
      path: "/v1/databases/:db/series",
      operationId: "listSeries",
      summary: "List a database's series (any scope on the database)",
      tag: TAG,
      params: seriesListParams,
      query: pageQuerySchema,
      responses: { 200: { description: "A page of series", schema: seriesPageSchema } },
      handler: async ({ principal, params, query }) => ({
        status: 200,
        body: await service.list(principal, params.db, query.limit, query.cursor),
      }),
    }),
    route({
      method: "get",
      path: "/v1/databases/:db/series/:series",
      operationId: "getSeries",
      summary: "Get a series and its schema (any scope on the database)",
      tag: TAG,
      params: seriesParams,
      responses: { 200: { description: "The series", schema: seriesSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: seriesView(await service.get(principal, params.db, params.series)),
      }),
    }),
    route({
      method: "delete",
      path: "/v1/databases/:db/series/:series",
      operationId: "deleteSeries",
      summary: "Delete a series and all its points (db:<name>:write)",
      tag: TAG,
      params: seriesParams,
      responses: { 204: { description: "Deleted" } },
      handler: async ({ principal, params }) => {
        await service.delete(principal, params.db, params.series);
        return { status: 204 };
      },
    }),
  ];
}
