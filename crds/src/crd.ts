/**
 * The group's CustomResourceDefinitions (KdbDatabase, KdbBackup, KdbScheduledBackup), built from the zod schemas: zod's JSON Schema output
 * made structural (Kubernetes' OpenAPI v3 subset), plus names, printer columns and subresources.
 */
import { stringify } from "yaml";
import { z } from "zod";
import {
  BACKUP_KIND,
  BACKUP_PLURAL,
  BACKUP_SINGULAR,
  kdbBackupSpecSchema,
  kdbBackupStatusSchema,
  kdbScheduledBackupSpecSchema,
  kdbScheduledBackupStatusSchema,
  MAX_BACKUP_NAME_LENGTH,
  MAX_SCHEDULED_BACKUP_NAME_LENGTH,
  SCHEDULED_BACKUP_KIND,
  SCHEDULED_BACKUP_PLURAL,
  SCHEDULED_BACKUP_SINGULAR,
} from "./kdb-backup.js";
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

/** What makes one of the group's CRDs. */
interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  maxNameLength: number;
  printerColumns: JsonSchema[];
}

/** A CRD's openAPIV3Schema: spec and status from zod, and the name rule on metadata. */
function schemaOf(def: CrdDefinition): JsonSchema {
  return {
    type: "object",
    description: def.description,
    required: ["spec"],
    properties: {
      apiVersion: {
        type: "string",
        description: "APIVersion defines the versioned schema of this representation of an object.",
      },
      kind: { type: "string", description: "Kind is a string value representing the REST resource." },
      metadata: { type: "object" },
      spec: toOpenApi(def.spec),
      status: toOpenApi(def.status),
    },
    "x-kubernetes-validations": [
      {
        rule: `self.metadata.name.size() <= ${def.maxNameLength} && self.metadata.name.matches('${NAME_PATTERN.source}')`,
        message: `metadata.name must be a DNS label of at most ${def.maxNameLength} characters starting with a letter`,
      },
    ],
  };
}

/** A CustomResourceDefinition manifest (apiextensions.k8s.io/v1) of the group. */
function crdOf(
  def: CrdDefinition,
): JsonSchema & { metadata: { name: string; labels: Record<string, string> } } {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${KDB_GROUP}`,
      labels: { "app.kubernetes.io/part-of": "time-series-guru" },
    },
    spec: {
      group: KDB_GROUP,
      scope: "Namespaced",
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: ["guru"],
      },
      versions: [
        {
          name: KDB_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...def.printerColumns,
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: { openAPIV3Schema: schemaOf(def) },
        },
      ],
    },
  };
}

// No scale subresource: a database is one pod by design (hibernate is its 0/1 switch), so there
// is no replica count that `kubectl scale` or an autoscaler could meaningfully set.
const KDB_DATABASE: CrdDefinition = {
  kind: KDB_KIND,
  plural: KDB_PLURAL,
  singular: KDB_SINGULAR,
  shortNames: KDB_SHORT_NAMES,
  description:
    "A kdb+ (or guru-engine) time-series database: one pod whose data is striped over several EBS " +
    "volumes, reconciled by guru-operator into a StatefulSet, Services, a ConfigMap, a credentials " +
    "Secret, a PodDisruptionBudget and a NetworkPolicy. See docs/operator.md.",
  spec: kdbDatabaseSpecSchema,
  status: kdbDatabaseStatusSchema,
  maxNameLength: MAX_NAME_LENGTH,
  printerColumns: [
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
  ],
};

const KDB_BACKUP: CrdDefinition = {
  kind: BACKUP_KIND,
  plural: BACKUP_PLURAL,
  singular: BACKUP_SINGULAR,
  shortNames: ["kdbbak"],
  description:
    "One backup of a KdbDatabase to S3, run by guru-operator as a Job with the IAM role of its " +
    "service account. See docs/operator.md, backups.",
  spec: kdbBackupSpecSchema,
  status: kdbBackupStatusSchema,
  maxNameLength: MAX_BACKUP_NAME_LENGTH,
  printerColumns: [
    { name: "Database", type: "string", jsonPath: ".spec.database", description: "The KdbDatabase" },
    {
      name: "Phase",
      type: "string",
      jsonPath: ".status.phase",
      description: "Pending, Running, Completed, Failed",
    },
    { name: "Started", type: "date", jsonPath: ".status.startedAt", description: "When the Job started" },
    {
      name: "Location",
      type: "string",
      jsonPath: ".status.location",
      description: "Where the backup is written",
      priority: 1,
    },
  ],
};

const KDB_SCHEDULED_BACKUP: CrdDefinition = {
  kind: SCHEDULED_BACKUP_KIND,
  plural: SCHEDULED_BACKUP_PLURAL,
  singular: SCHEDULED_BACKUP_SINGULAR,
  shortNames: ["kdbsbak"],
  description:
    "Backups of a KdbDatabase on a cron schedule: a KdbBackup when one is due, completed ones " +
    "beyond keep deleted, reconciled by guru-operator (docs/operator.md, backups).",
  spec: kdbScheduledBackupSpecSchema,
  status: kdbScheduledBackupStatusSchema,
  maxNameLength: MAX_SCHEDULED_BACKUP_NAME_LENGTH,
  printerColumns: [
    { name: "Database", type: "string", jsonPath: ".spec.backup.database", description: "The KdbDatabase" },
    { name: "Schedule", type: "string", jsonPath: ".spec.schedule", description: "Cron, UTC" },
    { name: "Keep", type: "integer", jsonPath: ".spec.keep", description: "Backups kept" },
    { name: "Last", type: "date", jsonPath: ".status.lastScheduleTime", description: "Last slot taken" },
  ],
};

/** The KdbDatabase CRD's openAPIV3Schema. */
export function openApiSchema(): JsonSchema {
  return schemaOf(KDB_DATABASE);
}

/** The KdbDatabase CustomResourceDefinition manifest. */
export function kdbDatabaseCrd() {
  return crdOf(KDB_DATABASE);
}

export const kdbBackupCrd = () => crdOf(KDB_BACKUP);
export const kdbScheduledBackupCrd = () => crdOf(KDB_SCHEDULED_BACKUP);

/** Every CRD of the group, by the file `make crds` writes it to. */
export function crdFiles(): { file: string; yaml: string }[] {
  return [KDB_DATABASE, KDB_BACKUP, KDB_SCHEDULED_BACKUP].map((def) => ({
    file: `crds/${def.plural}.${KDB_GROUP}.yaml`,
    yaml: crdYaml(crdOf(def), `${def.plural}.${KDB_GROUP}`),
  }));
}

function crdYaml(crd: JsonSchema, name: string): string {
  const header = [
    "# Generated from crds/src/ by `make crds`. Do not edit: edit the zod schema and regenerate.",
    `# Upgrade an installed CRD with: kubectl apply --server-side -f crds/${name}.yaml`,
  ].join("\n");
  return `${header}\n${stringify(crd, { lineWidth: 0 })}`;
}

/** The checked-in KdbDatabase CRD YAML, byte for byte. */
export function kdbDatabaseCrdYaml(): string {
  return crdYaml(kdbDatabaseCrd(), KDB_CRD_NAME);
}
