/**
 * Checks responses against the OpenAPI document the API serves: the body of every documented
 * status against its schema, every other status as a problem+json with a registered code.
 */
import { strict as assert } from "node:assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { ERRORS } from "../../../../api/src/errors/registry.js";

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, Json>;
}

const BASE = "urn:tsg:openapi";

export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class OpenApiValidator {
  readonly document: Json;
  readonly operations: Operation[] = [];
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ReturnType<Ajv2020["compile"]>>();
  /** "METHOD template status" of every response seen, for coverage */
  readonly seen = new Set<string>();

  constructor(document: Json) {
    this.document = document;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: BASE, components: document.components }, BASE);
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const [template, methods] of Object.entries(paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      for (const [method, operation] of Object.entries(methods))
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          responses: operation.responses as Record<string, Json>,
        });
    }
    // static paths before templated ones
    this.operations.sort(
      (a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0),
    );
  }

  #validator(schema: Json) {
    const key = JSON.stringify(schema);
    let validate = this.#compiled.get(key);
    if (validate === undefined) {
      const rewritten = JSON.parse(key.replaceAll('"#/components/', `"${BASE}#/components/`));
      validate = this.#ajv.compile(rewritten);
      this.#compiled.set(key, validate);
    }
    return validate;
  }

  #validate(schema: Json, body: unknown, where: string): void {
    const validate = this.#validator(schema);
    assert.ok(
      validate(body),
      `${where}: body does not match the OpenAPI document: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  }

  operation(method: string, path: string): Operation | undefined {
    const pathOnly = path.split("?")[0] ?? path;
    return this.operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(pathOnly));
  }

  /** Asserts that the response conforms; returns it. */
  check<T extends CheckedResponse>(method: string, path: string, res: T): T {
    const where = `${method} ${path} → ${res.status}`;
    const operation = this.operation(method, path);
    const contentType = String(res.headers["content-type"] ?? "");
    const documented = operation?.responses[String(res.status)];
    if (operation !== undefined) this.seen.add(`${operation.method} ${operation.template} ${res.status}`);
    if (documented !== undefined && res.status < 400) {
      const content = documented.content as Record<string, { schema: Json }> | undefined;
      if (content === undefined) {
        assert.ok(
          res.body === undefined || res.body === "" || Object.keys(res.body as object).length === 0,
          `${where}: expected no body`,
        );
        return res;
      }
      const mediaType = contentType.split(";")[0]?.trim() ?? "";
      assert.ok(mediaType in content, `${where}: content type ${contentType} is not documented`);
      if (mediaType === "application/json") this.#validate(content[mediaType]!.schema, res.body, where);
      return res;
    }
    assert.ok(res.status >= 400, `${where}: status ${res.status} is not documented for this operation`);
    assert.match(contentType, /^application\/problem\+json/, `${where}: errors are problem+json`);
    const problem = res.body as { code?: string; status?: number };
    this.#validate({ $ref: "#/components/schemas/Problem" }, problem, where);
    assert.ok(
      problem.code !== undefined && problem.code in ERRORS,
      `${where}: unregistered code ${problem.code}`,
    );
    assert.equal(problem.status, res.status, `${where}: problem status`);
    assert.equal(
      ERRORS[problem.code as keyof typeof ERRORS].status,
      res.status,
      `${where}: the code's registered status`,
    );
    return res;
  }
}
