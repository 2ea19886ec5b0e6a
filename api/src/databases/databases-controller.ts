import { type AnyRoute, route } from "../http/route.js";
import { fingerprint, type Idempotency } from "../idempotency/idempotency.js";
import { pageQuerySchema } from "../openapi/registry.js";
import {
  createDatabaseBody,
  databasePageSchema,
  databaseParams,
  databaseSchema,
  idempotencyHeaders,
  ifMatchHeaders,
  updateDatabaseBody,
} from "./databases-schemas.js";
import { type DatabasesService, etagOf } from "./databases-service.js";

const TAG = "Databases";
const location = (name: string) => `/v1/databases/${name}`;

export function databasesRoutes(service: DatabasesService, idempotency: Idempotency): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/databases",
      operationId: "createDatabase",
      summary: "Create a database; provisioning runs in the background (account:admin)",
      description:
        "Answers 202 with the database in status pending; poll its Location until ready or failed.",
      tag: TAG,
      headers: idempotencyHeaders,
      body: createDatabaseBody,
      responses: {
        202: {
          description: "Accepted: provisioning started",
          schema: databaseSchema,
          headers: { Location: "the database's URL, to poll", ETag: "its version" },
        },
      },
      handler: async ({ principal, headers, body, req }) =>
        idempotency.run(
          principal.accountId,
          headers["idempotency-key"],
          fingerprint(req.method, req.path, body),
          async () => {
            const db = await service.create(principal, body);
            return {
              status: 202,
              body: service.view(db),
              headers: { Location: location(db.name), ETag: etagOf(db) },
            };
          },
        ),
    }),
    route({
      method: "get",
      path: "/v1/databases",
      operationId: "listDatabases",
      summary: "List the account's databases the token may see",
      tag: TAG,
      query: pageQuerySchema,
      responses: { 200: { description: "A page of databases", schema: databasePageSchema } },
      handler: async ({ principal, query }) => ({
        status: 200,
        body: await service.list(principal, query.limit, query.cursor),
      }),
    }),
    route({
      method: "get",
      path: "/v1/databases/:db",
      operationId: "getDatabase",
      summary: "Get a database and its status (any scope on it)",
      tag: TAG,
      params: databaseParams,
      responses: {
        200: { description: "The database", schema: databaseSchema, headers: { ETag: "its version" } },
      },
      handler: async ({ principal, params }) => {
        const db = await service.get(principal, params.db);
        return { status: 200, body: service.view(db), headers: { ETag: etagOf(db) } };
      },
    }),
    route({
      method: "patch",
      path: "/v1/databases/:db",
      operationId: "updateDatabase",
      summary:
        "Change a database's size, grow its storage, set its retention or backup schedule (account:admin)",
      tag: TAG,
      params: databaseParams,
      headers: ifMatchHeaders,
      body: updateDatabaseBody,
      responses: {
        200: {
          description: "Nothing for the database to apply (a backup schedule change applies at once)",
          schema: databaseSchema,
          headers: { ETag: "its version" },
        },
        202: {
          description: "Accepted: the change is being applied (status updating)",
          schema: databaseSchema,
          headers: { Location: "the database's URL", ETag: "its version" },
        },
      },
      handler: async ({ principal, params, headers, body }) => {
        const { db, changed } = await service.update(principal, params.db, body, headers["if-match"]);
        return {
          status: changed ? 202 : 200,
          body: service.view(db),
          headers: { Location: location(db.name), ETag: etagOf(db) },
        };
      },
    }),
    route({
      method: "delete",
      path: "/v1/databases/:db",
      operationId: "deleteDatabase",
      summary: "Delete a database and its data (account:admin)",
      description: "Answers 202 with status deleting; the database is gone (404) once deprovisioned.",
      tag: TAG,
      params: databaseParams,
      headers: ifMatchHeaders,
      responses: {
        202: {
          description: "Accepted: deleting",
          schema: databaseSchema,
          headers: { Location: "the database's URL" },
        },
      },
      handler: async ({ principal, params, headers }) => {
        const db = await service.delete(principal, params.db, headers["if-match"]);
        return { status: 202, body: service.view(db), headers: { Location: location(db.name) } };
      },
    }),
  ];
}
