/**
 * The OpenAPI document is no looser than the server (issue 13): what the request schemas refuse,
 * the document refuses too, so a client or fuzzer generating from it sends only what is served.
 * Each case is checked against both: the route's zod schema must refuse it (the case is real),
 * and so must the document's schema for that part of the request.
 */
import { strict as assert } from "node:assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { API_VERSION, apiRoutes } from "../../../api/src/app.js";
import type { Services } from "../../../api/src/compose.js";
import type { AnyRoute } from "../../../api/src/http/route.js";
import { buildOpenApiDocument } from "../../../api/src/openapi/document.js";

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  schema: Json;
}
interface Operation {
  operationId: string;
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: Json }> };
}

// handlers are never called here, so the services need not exist
const routes = apiRoutes({} as Services);
const document = buildOpenApiDocument(routes, API_VERSION) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);

function operation(id: string): { route: AnyRoute; doc: Operation } {
  const route = routes.find((r) => r.operationId === id);
  const doc = operations.find((o) => o.operationId === id);
  assert.ok(route && doc, `no operation ${id}`);
  return { route, doc };
}

/** Whether the server and the document accept `value` as the body of `id`. */
function body(id: string, value: unknown): { server: boolean; document: boolean } {
  const { route, doc } = operation(id);
  const schema = doc.requestBody?.content["application/json"]?.schema;
  assert.ok(route.body && schema, `${id} has no JSON body`);
  return { server: route.body.safeParse(value).success, document: ajv.validate(schema, value) };
}

/** Whether the server and the document accept `value` as the query parameter or header `name`. */
function parameter(id: string, where: "query" | "header", name: string, value: string) {
  const { route, doc } = operation(id);
  const zod = where === "query" ? route.query : route.headers;
  const p = doc.parameters.find((x) => x.in === where && x.name.toLowerCase() === name.toLowerCase());
  assert.ok(zod && p, `${id} has no ${where} ${name}`);
  return { server: zod.safeParse({ [name]: value }).success, document: ajv.validate(p.schema, value) };
}

const refusedByBoth = (got: { server: boolean; document: boolean }) =>
  assert.deepEqual(got, { server: false, document: false });

describe("api: the OpenAPI document refuses what the server refuses", () => {
  const series = (extra: Json) => body("createSeries", { name: "cpu", ...extra });
  const token = (extra: Json) => body("createToken", { name: "t", scopes: ["account:admin"], ...extra });

  it("PATCH {} (a change must change something)", () => {
    refusedByBoth(body("updateDatabase", {}));
    refusedByBoth(body("updateAccount", {}));
    assert.deepEqual(body("updateDatabase", { size: "large" }), { server: true, document: true });
  });

  it("a token with both expiresAt and expiresInSeconds", () => {
    refusedByBoth(token({ expiresAt: "2999-01-01T00:00:00Z", expiresInSeconds: 3600 }));
    assert.deepEqual(token({ expiresInSeconds: 3600 }), { server: true, document: true });
    assert.deepEqual(token({ expiresAt: "2999-01-01T00:00:00Z" }), { server: true, document: true });
  });

  it("expiresInSeconds under 60", () => {
    refusedByBoth(token({ expiresInSeconds: 59 }));
    assert.deepEqual(token({ expiresInSeconds: 60 }), { server: true, document: true });
  });

  it("duplicate tags, and time or a q reserved word as a column name", () => {
    refusedByBoth(series({ tags: ["host", "host"] }));
    refusedByBoth(series({ tags: ["time"] }));
    refusedByBoth(series({ fields: [{ name: "time", type: "float" }] }));
    refusedByBoth(series({ fields: [{ name: "select", type: "float" }] }));
    refusedByBoth(body("createSeries", { name: "select" }));
    const good = { tags: ["host"], fields: [{ name: "usage", type: "float" }] };
    assert.deepEqual(series(good), { server: true, document: true });
  });

  it("a cursor that is not base64url", () => {
    for (const id of ["listDatabases", "listTokens", "listSeries", "listAccounts", "querySeries"])
      refusedByBoth(parameter(id, "query", "cursor", "not a cursor"));
    refusedByBoth(body("querySeriesPost", { cursor: "a+b/" }));
    assert.deepEqual(parameter("listDatabases", "query", "cursor", "eyJhIjoiYiJ9"), {
      server: true,
      document: true,
    });
  });

  it("an If-Match that is not an ETag, in any regex dialect", () => {
    for (const id of ["updateDatabase", "deleteDatabase"]) {
      refusedByBoth(parameter(id, "header", "if-match", "3"));
      assert.deepEqual(parameter(id, "header", "if-match", '"3"'), { server: true, document: true });
      const { doc } = operation(id);
      const pattern = doc.parameters.find((p) => p.name === "If-Match")?.schema.pattern as string;
      // \d is any Unicode digit in Python's re (schemathesis, many clients); the server takes 0-9
      assert.doesNotMatch(pattern, /\\d/);
    }
  });
});
