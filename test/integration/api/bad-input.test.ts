import { strict as assert } from "node:assert";
import fc from "fast-check";
import { newTenant, startTestApi, type TestApi, waitForStatus } from "./support/harness.js";

/**
 * Bad input on every route of the OpenAPI document (so a new route is covered without editing
 * this file): each answer is a 4xx problem+json with a registered code (the harness checks the
 * shape and the code against the document and the registry on every response).
 */
describe("guru-api: bad input on every route gives a 4xx problem+json", function () {
  this.timeout(60_000);
  let api: TestApi;
  let token: string;
  let ids: Record<string, string>;
  let operations: {
    method: string;
    template: string;
    secured: boolean;
    body: boolean;
    json: boolean;
    query: boolean;
  }[];

  before(async () => {
    // the write routes' body limit down to the control plane's, so one oversized body fits all
    api = await startTestApi({ env: { GURU_API_WRITE_BODY_LIMIT: "64kb" } });
    const tenant = await newTenant(api, "bad-input");
    token = tenant.token;
    await api.call("POST", "/v1/databases", { token, body: { name: "bad-input-db" } });
    await waitForStatus(api, token, "bad-input-db", "ready");
    ids = { accountId: tenant.accountId, tokenId: tenant.tokenId, db: "bad-input-db", series: "cpu" };
    const paths = api.validator.document.paths as Record<
      string,
      Record<
        string,
        {
          security: unknown[];
          requestBody?: { content: Record<string, unknown> };
          parameters: { in: string }[];
        }
      >
    >;
    operations = Object.entries(paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        secured: op.security.length > 0,
        body: op.requestBody !== undefined,
        json: op.requestBody?.content["application/json"] !== undefined,
        query: op.parameters.some((p) => p.in === "query"),
      })),
    );
    assert.ok(operations.length >= 17, `only ${operations.length} operations`);
  });
  after(() => api?.close());

  const fill = (template: string, override: Record<string, string> = {}) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(override[name] ?? ids[name] ?? "x"),
    );

  const expect = async (
    method: string,
    path: string,
    options: Parameters<TestApi["call"]>[2],
    status: number,
    code: string,
  ) => {
    const res = await api.call(method, path, options);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal((res.body as { code: string }).code, code, `${method} ${path}`);
    return res;
  };

  it("refuses every secured route without a token (401 AUTH_MISSING)", async () => {
    for (const op of operations.filter((o) => o.secured))
      await expect(op.method, fill(op.template), { body: op.body ? {} : undefined }, 401, "AUTH_MISSING");
  });

  it("refuses invalid path parameters (400 VALIDATION_FAILED naming the parameter)", async () => {
    for (const op of operations) {
      for (const name of op.template.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
        const res = await expect(
          op.method,
          fill(op.template, { [name]: "Not Valid!" }),
          { token, body: op.body ? {} : undefined },
          400,
          "VALIDATION_FAILED",
        );
        const issues = (res.body as { errors: { path: string[] }[] }).errors;
        assert.ok(
          issues.some((i) => i.path[0] === "path" && i.path[1] === name),
          JSON.stringify(issues),
        );
      }
    }
  });

  it("refuses unknown and repeated query parameters", async () => {
    for (const op of operations.filter((o) => !o.body)) {
      await expect(op.method, `${fill(op.template)}?bogus=1`, { token }, 400, "VALIDATION_FAILED");
      if (op.query) {
        await expect(op.method, `${fill(op.template)}?limit=1&limit=2`, { token }, 400, "VALIDATION_FAILED");
        await expect(op.method, `${fill(op.template)}?limit=0`, { token }, 400, "VALIDATION_FAILED");
        await expect(op.method, `${fill(op.template)}?limit=abc`, { token }, 400, "VALIDATION_FAILED");
      }
    }
  });

  it("refuses malformed, mistyped, oversized and unexpected bodies", async () => {
    for (const op of operations.filter((o) => o.json)) {
      const path = fill(op.template);
      await expect(
        op.method,
        path,
        { token, raw: { data: "{not json", contentType: "application/json" } },
        400,
        "MALFORMED_JSON",
      );
      await expect(
        op.method,
        path,
        { token, raw: { data: "name=x", contentType: "text/plain" } },
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      await expect(op.method, path, { token, raw: { data: "" } }, 415, "UNSUPPORTED_MEDIA_TYPE");
      await expect(op.method, path, { token, body: { bogus: true } }, 400, "VALIDATION_FAILED");
      await expect(op.method, path, { token, body: [1, 2] }, 400, "VALIDATION_FAILED");
      await expect(op.method, path, { token, body: { name: "x".repeat(100_000) } }, 413, "PAYLOAD_TOO_LARGE");
    }
  });

  it("answers 405 with Allow for a method a path does not take, and 404 for unknown paths", async () => {
    const templates = [...new Set(operations.map((o) => o.template))];
    for (const template of templates) {
      const res = await expect("PUT", fill(template), { token, body: {} }, 405, "METHOD_NOT_ALLOWED");
      const allowed = operations.filter((o) => o.template === template).map((o) => o.method);
      assert.deepEqual(String(res.headers.allow).split(", ").sort(), allowed.sort());
    }
    await expect("GET", "/v1/nothing-here", { token }, 404, "ROUTE_NOT_FOUND");
  });

  it("never answers 5xx to generated bodies, headers and parameters", async () => {
    const bodyRoutes = operations.filter((o) => o.body);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.constantFrom("ok-name", "cpu", "UPPER", "a", "x".repeat(70))),
              size: fc.oneof(fc.string(), fc.constantFrom("dev", "large")),
              storage: fc.oneof(
                fc.jsonValue(),
                fc.record({ stripes: fc.integer(), stripeSizeGiB: fc.double() }),
              ),
              scopes: fc.array(fc.string()),
              tags: fc.array(fc.string()),
              fields: fc.array(fc.record({ name: fc.string(), type: fc.string() })),
              quotas: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.option(fc.string({ minLength: 1, maxLength: 300 }), { nil: undefined }),
        async (op, body, key) => {
          const headers: Record<string, string> = {};
          if (key !== undefined && /^[\x20-\x7e]*$/.test(key)) headers["Idempotency-Key"] = key;
          const res = await api.call(op.method, fill(op.template), { token, body, headers });
          assert.ok(
            res.status < 500,
            `${op.method} ${op.template} → ${res.status}: ${JSON.stringify(res.body)}`,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
