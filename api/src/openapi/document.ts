/** The OpenAPI 3.1 document, generated from the route specs and the zod schemas they use. */
import { z } from "zod";
import type { AnyRoute, ResponseSpec } from "../http/route.js";
import { apiSchemas } from "./registry.js";

type Json = Record<string, unknown>;

const REF_PREFIX = "#/components/schemas/";

function clean(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function inputSchema(schema: z.ZodType): Json {
  return clean(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json);
}

function responseSchema(schema: z.ZodType, where: string): Json {
  const meta = apiSchemas.get(schema);
  if (meta === undefined)
    throw new Error(`${where}: response schemas must be registered (openapi/registry.ts named())`);
  return { $ref: `${REF_PREFIX}${meta.id}` };
}

/** idempotency-key → Idempotency-Key */
function headerName(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("-");
}

function parameters(shape: z.ZodObject | undefined, location: "path" | "query" | "header"): Json[] {
  if (shape === undefined) return [];
  return Object.entries(shape.shape).map(([name, schema]) => {
    const s = schema as z.ZodType;
    const json = inputSchema(s);
    const { description, ...rest } = json;
    return {
      name: location === "header" ? headerName(name) : name,
      in: location,
      required: location === "path" || !s.safeParse(undefined).success,
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

function responseContent(response: ResponseSpec, where: string): Json {
  const content: Json = {};
  if (response.schema !== undefined)
    content["application/json"] = { schema: responseSchema(response.schema, where) };
  for (const type of response.mediaTypes ?? []) content[type] = { schema: { type: "string" } };
  return Object.keys(content).length === 0 ? {} : { content };
}

function requestBody(spec: AnyRoute): Json {
  if (spec.rawBody !== undefined) {
    const schema = spec.rawBody.schema === undefined ? { type: "string" } : inputSchema(spec.rawBody.schema);
    return {
      requestBody: {
        required: true,
        description: spec.rawBody.description,
        content: Object.fromEntries(spec.rawBody.mediaTypes.map((t) => [t, { schema }])),
      },
    };
  }
  if (spec.body === undefined) return {};
  return {
    requestBody: { required: true, content: { "application/json": { schema: inputSchema(spec.body) } } },
  };
}

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): Json {
  const components = z.toJSONSchema(apiSchemas, {
    io: "output",
    uri: (id) => `${REF_PREFIX}${id}`,
    unrepresentable: "any",
  }).schemas as Record<string, Json>;
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of routes) {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    const responses: Record<string, Json> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers === undefined
          ? {}
          : {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: "string" } },
                ]),
              ),
            }),
        ...responseContent(response, where),
      };
    }
    responses.default = {
      description: "An error: docs/api.md#errors lists every code",
      content: { "application/problem+json": { schema: { $ref: `${REF_PREFIX}Problem` } } },
    };
    const operation: Json = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      tags: [spec.tag],
      security: spec.auth === false ? [] : [{ bearerToken: [] }],
      parameters: [
        ...parameters(spec.params, "path"),
        ...parameters(spec.query, "query"),
        ...parameters(spec.headers, "header"),
      ],
      ...requestBody(spec),
      responses,
    };
    const path = openApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Time Series Guru API",
      version,
      description: "Managed kdb+ for people who do not want to learn q. Reference: docs/api.md.",
    },
    servers: [{ url: "/" }],
    components: {
      schemas: Object.fromEntries(Object.entries(components).map(([id, schema]) => [id, clean(schema)])),
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token, tsg_<id>_<secret>: Authorization: Bearer tsg_...",
        },
      },
    },
    paths,
  };
}
