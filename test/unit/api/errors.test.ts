import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { AppError } from "../../../api/src/errors/app-error.js";
import { ConflictError, RateLimitedError, ValidationError } from "../../../api/src/errors/errors.js";
import { toAppError } from "../../../api/src/errors/problem-handler.js";
import { ERROR_CODES, ERRORS, problemType } from "../../../api/src/errors/registry.js";

describe("api: error registry", () => {
  const docs = readFileSync("docs/api.md", "utf8");
  const table = new Map(
    [...docs.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])]),
  );

  it("documents every code in docs/api.md with its status", () => {
    for (const code of ERROR_CODES) {
      assert.ok(table.has(code), `${code} is not in docs/api.md's errors table`);
      assert.equal(table.get(code), ERRORS[code].status, `${code}: documented status`);
    }
  });

  it("documents no code that does not exist", () => {
    for (const code of table.keys())
      assert.ok(code in ERRORS, `docs/api.md lists ${code}, which the registry lacks`);
  });

  it("gives each code a 4xx or 5xx status, a title and a description", () => {
    for (const code of ERROR_CODES) {
      const spec = ERRORS[code];
      assert.ok(spec.status >= 400 && spec.status < 600, code);
      assert.ok(spec.title.length > 0 && spec.description.length > 0, code);
    }
  });

  it("builds problem documents with the code, the request id and the issues", () => {
    const error = new ValidationError([
      { code: "too_big", path: ["body", "storage", "stripes"], message: "too big" },
    ]);
    const problem = error.toProblem({ requestId: "r1", instance: "/v1/databases" });
    assert.deepEqual(problem, {
      type: problemType("VALIDATION_FAILED"),
      title: ERRORS.VALIDATION_FAILED.title,
      status: 400,
      detail: "body.storage.stripes: too big",
      instance: "/v1/databases",
      code: "VALIDATION_FAILED",
      requestId: "r1",
      errors: [{ code: "too_big", path: ["body", "storage", "stripes"], message: "too big" }],
    });
    assert.equal(new ConflictError("DATABASE_EXISTS", "x").status, 409);
    assert.equal(new RateLimitedError(3).headers["Retry-After"], "3");
  });

  it("hides unknown errors behind INTERNAL and maps body-parser failures", () => {
    const hidden = toAppError(new Error("secret connection string"));
    assert.equal(hidden.code, "INTERNAL");
    assert.doesNotMatch(JSON.stringify(hidden.toProblem()), /secret/);
    const parse = Object.assign(new SyntaxError("Unexpected token"), { type: "entity.parse.failed" });
    assert.equal(toAppError(parse).code, "MALFORMED_JSON");
    assert.equal(
      toAppError(Object.assign(new Error("big"), { type: "entity.too.large" })).code,
      "PAYLOAD_TOO_LARGE",
    );
    assert.ok(toAppError(new AppError("CONFLICT", "x")) instanceof AppError);
  });
});
