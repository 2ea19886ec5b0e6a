/**
 * The KdbDatabase CustomResourceDefinition, built from the zod schema: zod's JSON Schema output
 * made structural (Kubernetes' OpenAPI v3 subset), plus names, printer columns and subresources.
 */
import { stringify } from "yaml";
import { z } from "zod";
import {
  KDB_CRD_NAME,
  KDB_GROUP,
  KDB_KIND,
  KDB_PLURAL,
  KDB_SHORT_NAMES,
  KDB_SINGULAR,
  KDB_VERSION,
  kdbDatabaseSpecSchema,
  kdbDatabaseStatusSchema,
  MAX_NAME_LENGTH,
  NAME_PATTERN,
} from "./kdb-database.js";

export type JsonSchema = { [key: string]: unknown };

/** The file `make crds` writes, relative to the repository root. */
export const CRD_FILE = `crds/${KDB_CRD_NAME}.yaml`;

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * Rewrites zod's JSON Schema into a structural schema: no `additionalProperties: false` beside
 * `properties`, no `propertyNames`, no safe-integer bounds zod adds to every int, and
 * int-or-string quantities in the form Kubernetes uses for resources.
 */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== "object") return node;
  const schema = node as JsonSchema;
  if (schema.intOrString === true) {
    const pattern = (schema.anyOf as JsonSchema[] | undefined)?.find((s) => s.type === "string")?.pattern;
    const rules = schema["x-kubernetes-validations"];
    return {
      ...(schema.description === undefined ? {} : { description: schema.description }),
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
      ...(pattern === undefined ? {} : { pattern }),
      ...(rules === undefined ? {} : { "x-kubernetes-validations": rules }),
    };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema" || key === "propertyNames") continue;
    if (key === "additionalProperties" && value === false) continue;
    if ((key === "minimum" || key === "maximum") && SAFE_INTEGER_BOUNDS.has(value as number)) continue;
    out[key] = structural(value);
  }
  return out;
}

function toOpenApi(schema: z.ZodType): JsonSchema {
  return structural(z.toJSONSchema(schema, { io: "input", target: "openapi-3.0" })) as JsonSchema;
}

/** The CRD's openAPIV3Schema. */
export function openApiSchema(): JsonSchema {
  return {
    type: "object",
    description:
      "A kdb+ (or guru-engine) time-series database: one pod whose data is striped over several EBS " +
      "volumes, reconciled by guru-operator into a StatefulSet, Services, a ConfigMap, a credentials " +
      "Secret, a PodDisruptionBudget and a NetworkPolicy. See docs/operator.md.",
    required: ["spec"],
    properties: {
      apiVersion: {
        type: "string",
        description: "APIVersion defines the versioned schema of this representation of an object.",
      },
      kind: { type: "string", description: "Kind is a string value representing the REST resource." },
      metadata: { type: "object" },
      spec: toOpenApi(kdbDatabaseSpecSchema),
      status: toOpenApi(kdbDatabaseStatusSchema),
    },
    "x-kubernetes-validations": [
      {
        rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH} && self.metadata.name.matches('${NAME_PATTERN.source}')`,
        message: `metadata.name must be a DNS label of at most ${MAX_NAME_LENGTH} characters starting with a letter`,
      },
    ],
  };
}

/** The CustomResourceDefinition manifest (apiextensions.k8s.io/v1). */
export function kdbDatabaseCrd(): JsonSchema & {
  metadata: { name: string; labels: Record<string, string> };
} {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: KDB_CRD_NAME,
      labels: { "app.kubernetes.io/part-of": "time-series-guru" },
    },
    spec: {
      group: KDB_GROUP,
      scope: "Namespaced",
      names: {
        kind: KDB_KIND,
        listKind: `${KDB_KIND}List`,
        plural: KDB_PLURAL,
        singular: KDB_SINGULAR,
        shortNames: [...KDB_SHORT_NAMES],
        categories: ["guru"],
      },
      versions: [
        {
          name: KDB_VERSION,
          served: true,
          storage: true,
          // No scale subresource: a database is one pod by design (hibernate is its 0/1 switch), so
          // there is no replica count that `kubectl scale` or an autoscaler could meaningfully set.
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Summary of the state" },
            {
              name: "Ready",
              type: "string",
              jsonPath: ".status.ready",
              description: "Pods ready to serve / pods wanted",
            },
            { name: "Engine", type: "string", jsonPath: ".spec.engine", description: "kdb or guru-engine" },
            {
              name: "Stripes",
              type: "integer",
              jsonPath: ".spec.storage.stripes",
              description: "EBS volumes",
            },
            {
              name: "Size",
              type: "string",
              jsonPath: ".spec.storage.size",
              description: "Size of each stripe",
            },
            {
              name: "Endpoint",
              type: "string",
              jsonPath: ".status.endpoint",
              description: "q IPC endpoint",
              priority: 1,
            },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: { openAPIV3Schema: openApiSchema() },
        },
      ],
    },
  };
}

/** The checked-in YAML, byte for byte. */
export function kdbDatabaseCrdYaml(): string {
  const header = [
    "# Generated from crds/src/kdb-database.ts by `make crds`. Do not edit: edit the zod schema and regenerate.",
    "# Upgrade an installed CRD with: kubectl apply --server-side -f crds/kdbdatabases.timeseries.guru.yaml",
  ].join("\n");
  return `${header}\n${stringify(kdbDatabaseCrd(), { lineWidth: 0 })}`;
}
