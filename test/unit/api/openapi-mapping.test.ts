import { strict as assert } from "node:assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import { API_VERSION, apiRoutes } from "../../../api/src/app.js";
import type { Services } from "../../../api/src/compose.js";
import { mapQError } from "../../../api/src/data/q-errors.js";
import type { AppError } from "../../../api/src/errors/app-error.js";
import { buildOpenApiDocument } from "../../../api/src/openapi/document.js";
import { stateOf } from "../../../api/src/provisioning/kubernetes-provisioner.js";
import type { KdbDatabase } from "../../../crds/src/kdb-database.js";
import { QConnectionError, QRemoteError, QTimeoutError } from "../../../qipc/src/errors.js";

describe("api: the OpenAPI document", () => {
  // handlers are never called here, so the services need not exist
  const document = buildOpenApiDocument(apiRoutes({} as Services), API_VERSION) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { operationId: string; parameters: { name: string; in: string }[] }>
    >;
    components: { schemas: Record<string, unknown> };
  };

  it("is OpenAPI 3.1 with a unique operationId per operation", () => {
    assert.equal(document.openapi, "3.1.0");
    const ids = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((o) => o.operationId),
    );
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.length >= 17);
  });

  it("declares every path parameter of every path", () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(methods))
        assert.deepEqual(
          op.parameters
            .filter((p) => p.in === "path")
            .map((p) => p.name)
            .sort(),
          inPath,
          `${op.operationId}`,
        );
    }
  });

  it("has component schemas that compile as JSON Schema 2020-12", () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: "urn:tsg:doc", components: document.components });
    for (const name of Object.keys(document.components.schemas))
      assert.ok(ajv.getSchema(`urn:tsg:doc#/components/schemas/${name}`), name);
  });
});

describe("api: q errors and Kubernetes status, mapped", () => {
  const codeOf = (err: unknown) => (err as AppError).code;

  it("maps q error words and connection failures to API codes", () => {
    assert.equal(codeOf(mapQError(new QRemoteError("guru.series.unknown"), "db")), "SERIES_NOT_FOUND");
    assert.equal(codeOf(mapQError(new QRemoteError("guru.series.exists: cpu"), "db")), "SERIES_EXISTS");
    assert.equal(
      codeOf(mapQError(new QRemoteError("guru.schema.invalid: reserved"), "db")),
      "SCHEMA_INVALID",
    );
    assert.equal(codeOf(mapQError(new QRemoteError("stop"), "db")), "DATABASE_TIMEOUT");
    assert.equal(codeOf(mapQError(new QRemoteError("something.else"), "db")), "DATABASE_ERROR");
    assert.equal(codeOf(mapQError(new QConnectionError("refused"), "db")), "DATABASE_UNAVAILABLE");
    assert.equal((mapQError(new QConnectionError("refused"), "db") as AppError).headers["Retry-After"], "2");
    assert.equal(codeOf(mapQError(new QTimeoutError("late"), "db")), "DATABASE_TIMEOUT");
    const other = new Error("x");
    assert.equal(mapQError(other, "db"), other);
  });

  const resource = (generation: number, status: KdbDatabase["status"], deleting = false): KdbDatabase =>
    ({
      apiVersion: "timeseries.guru/v1alpha1",
      kind: "KdbDatabase",
      metadata: { name: "x", generation, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
      spec: {} as KdbDatabase["spec"],
      status,
    }) as KdbDatabase;
  const cond = (type: string, status: "True" | "False", reason = "R", message = "m") => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: "2026-01-01T00:00:00Z",
  });

  it("reads ready, failed and progressing from a KdbDatabase's status", () => {
    assert.deepEqual(stateOf(resource(1, undefined)), {
      state: "progressing",
      detail: "waiting for guru-operator",
    });
    const ready = {
      observedGeneration: 2,
      conditions: [cond("Ready", "True"), cond("Progressing", "False", "Reconciled")],
    };
    assert.deepEqual(stateOf(resource(2, ready)), { state: "ready" });
    assert.equal(stateOf(resource(3, ready)).state, "progressing", "an older generation is not ready yet");
    const resizing = {
      observedGeneration: 2,
      conditions: [cond("Ready", "True"), cond("Progressing", "True", "ResizingVolumes", "growing")],
    };
    assert.deepEqual(stateOf(resource(2, resizing)), { state: "progressing", detail: "growing" });
    const blocked = {
      observedGeneration: 1,
      conditions: [
        cond("Ready", "False", "LicenseMissing"),
        cond("Progressing", "False", "Blocked", "no licence"),
      ],
    };
    assert.deepEqual(stateOf(resource(1, blocked)), { state: "failed", reason: "no licence" });
    assert.equal(stateOf(resource(1, ready, true)).state, "progressing");
  });
});
