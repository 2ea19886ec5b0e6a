/**
 * The `KdbDatabase` custom resource: the zod schema is the source of truth. `generate.ts` turns it
 * into crds/kdbdatabases.timeseries.guru.yaml (descriptions, defaults, enums and CEL rules
 * included), so every `.describe()` here is what `kubectl explain kdbdatabase.spec...` prints.
 * The REST API writes these resources; guru-operator reconciles them (docs/operator.md).
 */
import { z } from "zod";

export const KDB_GROUP = "timeseries.guru";
export const KDB_VERSION = "v1alpha1";
export const KDB_API_VERSION = `${KDB_GROUP}/${KDB_VERSION}`;
export const KDB_KIND = "KdbDatabase";
export const KDB_PLURAL = "kdbdatabases";
export const KDB_SINGULAR = "kdbdatabase";
export const KDB_SHORT_NAMES = ["kdb", "kdbdb"] as const;
export const KDB_CRD_NAME = `${KDB_PLURAL}.${KDB_GROUP}`;

/** Longest database name: `<name>-<10-char revision hash>` must stay a 63-character label value. */
export const MAX_NAME_LENGTH = 52;
export const NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Most stripes (EBS volumes) one database pod may mount. */
export const MAX_STRIPES = 16;

/**
 * Kubernetes' own quantity pattern (resource.Quantity, as controller-gen writes it into CRDs):
 * every form a Pod accepts, "3500m", "0.5", "1.5Gi", "2e3", "+1". A sign is matched here and a
 * negative value refused by a CEL rule, so the message says what is wrong.
 */
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** CEL: `field` (an int-or-string quantity under `self`) as a quantity. */
const celQuantity = (field: string) => `quantity(string(self.${field}))`;

/**
 * A quantity as Kubernetes resources take it: an integer (`cpu: 2`) or a string in any quantity
 * form. A fractional number (`cpu: 0.5`) cannot be an int-or-string field's value; the
 * MutatingAdmissionPolicy in crds/kdbdatabases.timeseries.guru.policies.yaml turns it into the
 * string "0.5" before validation (crds/src/admission.ts).
 */
const intOrQuantity = (description: string) =>
  z
    .union([z.string().max(64).regex(QUANTITY_PATTERN), z.number().int().nonnegative()])
    .meta({
      intOrString: true,
      "x-kubernetes-validations": [
        {
          rule: "!isQuantity(string(self)) || !quantity(string(self)).isLessThan(quantity('0'))",
          message: "a resource quantity must not be negative",
        },
      ],
    })
    .describe(description);

const resourceListSchema = (what: string) =>
  z
    .object({
      cpu: intOrQuantity(`CPU ${what}, in cores or millicores (4, "0.5", "3500m").`).optional(),
      memory: intOrQuantity(`Memory ${what} ("64Gi", "1.5Gi", "2e9").`).optional(),
    })
    .describe(`Resource ${what} of the database container.`);

/** CEL: requests.<resource> is at most limits.<resource> when both are set (as a Pod requires). */
const requestsWithinLimits = (resource: "cpu" | "memory") => ({
  rule:
    `!has(self.requests) || !has(self.limits) || !has(self.requests.${resource}) || ` +
    `!has(self.limits.${resource}) || ` +
    `!${celQuantity(`requests.${resource}`)}.isGreaterThan(${celQuantity(`limits.${resource}`)})`,
  message: `compute.resources.requests.${resource} must not exceed limits.${resource}`,
});

/**
 * A container image reference: [registry[:port]/]path[:tag][@digest], lower-case path, as the
 * kubelet parses it (distribution's reference grammar, simplified to what a registry accepts).
 */
export const IMAGE_PATTERN =
  /^([a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+|__[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+|__[a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@[a-z0-9]+([+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$/;

export const tolerationSchema = z
  .object({
    key: z
      .string()
      .max(317)
      .optional()
      .describe("The taint key the toleration applies to; empty matches all keys."),
    operator: z
      .enum(["Exists", "Equal"])
      .optional()
      .describe("Equal (default) matches the taint's value; Exists matches any value."),
    value: z.string().max(63).optional().describe("The taint value to match when operator is Equal."),
    effect: z
      .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"])
      .optional()
      .describe("The taint effect to match; empty matches all effects."),
    tolerationSeconds: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("For NoExecute: how long the pod stays on a node after the taint appears; unset is forever."),
  })
  .describe("A toleration of the database pod, as in a Pod's spec.tolerations.");

export const computeSchema = z
  .object({
    nodeGroup: z
      .string()
      .max(63)
      .optional()
      .describe(
        "EKS node group to run on: the pod gets nodeSelector eks.amazonaws.com/nodegroup=<nodeGroup>. " +
          "Unset runs on any node the other selectors admit.",
      ),
    instanceTypes: z
      .array(z.string().max(63).describe("An EC2 instance type, as the node label has it (r5.2xlarge)."))
      .max(16)
      .optional()
      .describe(
        "EC2 instance types the pod may run on (node.kubernetes.io/instance-type In [...]), e.g. [r5.2xlarge].",
      ),
    zones: z
      .array(z.string().max(63).describe("An availability zone, as the node label has it (us-east-1a)."))
      .max(8)
      .optional()
      .describe(
        "Availability zones the pod may run on (topology.kubernetes.io/zone In [...]). The volumes are " +
          "created in the zone of the first node the pod lands on and pin it there afterwards.",
      ),
    nodeSelector: z
      .record(
        z.string().max(317),
        z.string().max(63).describe("The value the node label must have (key: the label's name)."),
      )
      .optional()
      .describe("More node labels the pod requires, merged with the node group selector."),
    tolerations: z
      .array(tolerationSchema)
      .max(16)
      .optional()
      .describe("Tolerations, for node groups tainted for databases (e.g. dedicated=kdb:NoSchedule)."),
    resources: z
      .object({
        requests: resourceListSchema("requests").optional(),
        limits: resourceListSchema("limits").optional(),
      })
      .meta({ "x-kubernetes-validations": [requestsWithinLimits("cpu"), requestsWithinLimits("memory")] })
      .optional()
      .describe(
        "CPU and memory of the database container. Unset: derived from storage.stripes (docs/operator.md), " +
          "so the pod is never BestEffort. Changing it rolls the pod.",
      ),
    threads: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe(
        "Worker threads: q secondary threads (-s) for kdb, DuckDB threads for guru-engine. " +
          "Default: one per stripe, so each volume is read by its own thread.",
      ),
    allowEviction: z
      .boolean()
      .default(false)
      .describe(
        "Whether voluntary evictions (node drains) may stop the database. false (default): the " +
          "PodDisruptionBudget admits none, so a drain waits until the database is hibernated or moved " +
          "by a human; true: a drain may restart it on another node of its zone.",
      ),
  })
  .describe("Where and how big the database pod runs. Every change rolls the pod.");

export const storageSchema = z
  .object({
    stripes: z
      .number()
      .int()
      .min(1)
      .max(MAX_STRIPES)
      .meta({
        "x-kubernetes-validations": [
          {
            rule: "self == oldSelf",
            message: "storage.stripes is immutable: day d lives on stripe d mod stripes",
          },
        ],
      })
      .describe(
        "Number of EBS volumes the data is striped over, one kdb+ segment each (par.txt), mounted at " +
          "/data/stripe-0 ... /data/stripe-<N-1>. Immutable.",
      ),
    size: z
      .string()
      .max(32)
      .regex(QUANTITY_PATTERN)
      .meta({
        "x-kubernetes-validations": [
          {
            rule: "!quantity(self).isLessThan(quantity(oldSelf))",
            message: "storage.size can only grow",
          },
          {
            rule: "!quantity(self).isLessThan(quantity('1Gi')) && !quantity(self).isGreaterThan(quantity('64Ti'))",
            message: "storage.size must be between 1Gi and 64Ti",
          },
        ],
      })
      .describe(
        'Size of each stripe volume ("100Gi"); the database holds stripes x size. It can grow (the ' +
          "operator expands every volume online, then replaces the StatefulSet without restarting the " +
          "pod) but never shrink.",
      ),
    storageClassName: z
      .string()
      .max(253)
      .default("gp3")
      .meta({
        "x-kubernetes-validations": [
          { rule: "self == oldSelf", message: "storage.storageClassName is immutable" },
        ],
      })
      .describe(
        "StorageClass of the stripe volumes; it must allow volume expansion for size to grow. Immutable.",
      ),
    reclaimPolicy: z
      .enum(["Retain", "Delete"])
      .default("Retain")
      .describe(
        "What happens to the volumes when the KdbDatabase is deleted. Retain (default): the claims and " +
          "their data stay, and a KdbDatabase of the same name and stripes picks them up again. Delete: " +
          "the operator deletes the claims (and so the EBS volumes) before the resource goes.",
      ),
  })
  .describe("The database's volumes.");

export const secretKeyRefSchema = z.object({
  name: z.string().min(1).max(253).describe("Name of a Secret in the KdbDatabase's namespace."),
});

export const licenseSecretSchema = z
  .object({
    name: z.string().min(1).max(253).describe("Name of a Secret in the KdbDatabase's namespace."),
    key: z
      .enum(["kc.lic", "k4.lic"])
      .default("kc.lic")
      .describe(
        "The Secret key holding the licence file, and the file's name: kc.lic, or k4.lic for commercial licences.",
      ),
  })
  .describe(
    "The kdb+ licence, required when engine is kdb. The file is mounted read-only into QLIC; a change of " +
      "the Secret's content rolls the pod.",
  );

export const settingsSchema = z
  .object({
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(30)
      .describe("Per-request deadline (kdb -T; guru-engine GURU_QUERY_TIMEOUT_MS); the client gets 'stop."),
    maxRows: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .default(1_000_000)
      .describe("Largest result one request may return; beyond it the client gets 'guru.query.limit."),
    savedownSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(300)
      .describe("kdb only: how often in-memory rows are saved down to the segmented HDB."),
  })
  .describe("Data plane settings, written to the ConfigMap; a change rolls the pod.");

export const retentionSchema = z
  .object({
    days: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .describe("Days of data to keep; older days are dropped by the data plane at savedown."),
  })
  .describe("How long data is kept. Unset keeps everything.");

export const bootstrapSchema = z
  .object({
    fromBackup: z
      .object({
        name: z
          .string()
          .min(1)
          .max(52)
          .describe("A KdbBackup in the same namespace; the database waits until it is Completed."),
      })
      .describe(
        "Start from a backup, as CloudNativePG's bootstrap.recovery: before the engine first starts, an " +
          "init container fills each stripe from the backup's snapshot (segment k into stripe k, so the " +
          "source database must have had as many stripes).",
      ),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "self == oldSelf", message: "bootstrap is immutable: a database is bootstrapped once" },
    ],
  })
  .describe("Where a new database's data comes from. Unset: it starts empty. Set at creation only.");

export const ENGINES = ["kdb", "guru-engine"] as const;
export type Engine = (typeof ENGINES)[number];

export const kdbDatabaseSpecSchema = z
  .object({
    engine: z
      .enum(ENGINES)
      .default("guru-engine")
      .meta({
        "x-kubernetes-validations": [
          { rule: "self == oldSelf", message: "engine is immutable: the engines store data differently" },
        ],
      })
      .describe(
        "The data plane: kdb (real kdb+ with the guru q API; needs licenseSecret) or guru-engine " +
          "(the embedded engine, no licence). Both serve the same guru q API on port 5000. Immutable.",
      ),
    image: z
      .string()
      .max(512)
      .regex(IMAGE_PATTERN)
      .optional()
      .describe(
        "Container image of the data plane. Unset: the operator's default for the engine, pinned in " +
          "status.image when first used so that an operator upgrade does not restart the database. " +
          "Changing it rolls the pod.",
      ),
    compute: computeSchema.prefault({}),
    storage: storageSchema,
    licenseSecret: licenseSecretSchema.optional(),
    credentialsSecret: secretKeyRefSchema
      .optional()
      .describe(
        "Secret holding the database logins: key credentials with user:password lines (and username " +
          "and password for clients). Default <name>-credentials. Generated with a random password " +
          "when absent; a Secret you provide is never changed.",
      ),
    settings: settingsSchema.prefault({}),
    retention: retentionSchema.optional(),
    bootstrap: bootstrapSchema.optional(),
    paused: z
      .boolean()
      .default(false)
      .describe(
        "Stop reconciling: the operator changes nothing (children, volumes, status except the Paused " +
          "condition) until it is false again. For manual repair.",
      ),
    hibernate: z
      .boolean()
      .default(false)
      .describe(
        "Scale the database to zero: the pod goes, the volumes and their data stay. Set false to wake " +
          "it on the same volumes.",
      ),
    deletionProtection: z
      .boolean()
      .default(false)
      .describe(
        "Refuse to delete the database while true: the API server turns a delete away (the " +
          "ValidatingAdmissionPolicy shipped with the CRD), as managed databases' deletion protection " +
          "does. Set false first to delete it.",
      ),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.engine != 'kdb' || has(self.licenseSecret)",
        message: "engine kdb needs licenseSecret (a Secret holding kc.lic or k4.lic)",
      },
      {
        rule: "has(self.bootstrap) == has(oldSelf.bootstrap)",
        message: "bootstrap is set at creation only",
      },
    ],
  })
  .describe("The desired database. Written by the REST API or with kubectl apply.");

export type KdbDatabaseSpec = z.output<typeof kdbDatabaseSpecSchema>;
/** What a client may write: every defaulted field optional. */
export type KdbDatabaseSpecInput = z.input<typeof kdbDatabaseSpecSchema>;

// --- status ---------------------------------------------------------------------------------

export const CONDITION_TYPES = ["Ready", "Progressing", "Degraded", "StorageResizing", "Paused"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .describe(`One of ${CONDITION_TYPES.join(", ")}.`),
    status: z.enum(["True", "False", "Unknown"]).describe("Whether the condition holds."),
    reason: z.string().max(1024).describe("Why, in one CamelCase word (docs/operator.md lists them all)."),
    message: z.string().max(32_768).describe("Why, for humans: what is missing or happening."),
    lastTransitionTime: z.string().describe("When status last changed (RFC 3339)."),
    observedGeneration: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("The metadata.generation this condition was computed for."),
  })
  .describe("An observation of the database, as metav1.Condition.");
export type Condition = z.output<typeof conditionSchema>;

export const PHASES = [
  "Pending",
  "Provisioning",
  "Ready",
  "Updating",
  "Resizing",
  "Degraded",
  "Hibernating",
  "Hibernated",
  "Paused",
  "Deleting",
] as const;
export type Phase = (typeof PHASES)[number];

export const volumeStatusSchema = z
  .object({
    name: z.string().describe("The PersistentVolumeClaim (stripe-<i>-<name>-0)."),
    stripe: z.number().int().nonnegative().describe("The stripe index i."),
    capacity: z
      .string()
      .optional()
      .describe("The size the volume provides now (the claim's status.capacity)."),
    phase: z.string().optional().describe("The claim's phase: Pending, Bound or Lost."),
  })
  .describe("One stripe volume as observed.");

export const kdbDatabaseStatusSchema = z
  .object({
    observedGeneration: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        "The metadata.generation the operator last reconciled; below generation means still working.",
      ),
    phase: z
      .enum(PHASES)
      .optional()
      .describe("A one-word summary for kubectl get; the conditions hold the detail."),
    conditions: z
      .array(conditionSchema)
      .optional()
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
      .describe(`Current observations: ${CONDITION_TYPES.join(", ")}.`),
    endpoint: z
      .string()
      .optional()
      .describe("host:port of the q IPC endpoint (the client Service), e.g. trades.analytics.svc:5000."),
    credentialsSecret: z.string().optional().describe("The Secret holding the logins the endpoint accepts."),
    image: z
      .string()
      .optional()
      .describe("The image the database runs (spec.image, or the default pinned at creation)."),
    replicas: z.number().int().nonnegative().optional().describe("Pods wanted: 1, or 0 when hibernated."),
    readyReplicas: z.number().int().nonnegative().optional().describe("Pods ready to serve."),
    ready: z
      .string()
      .optional()
      .describe('readyReplicas/replicas, for kubectl get ("1/1"; "0/0" when hibernated).'),
    storage: z
      .object({
        requested: z.string().optional().describe("spec.storage.size as last applied to the volumes."),
        provisioned: z
          .string()
          .optional()
          .describe(
            "The smallest capacity any stripe provides now; equal to requested once a resize is done.",
          ),
        total: z.string().optional().describe("Capacity of all stripes together."),
        volumes: z.array(volumeStatusSchema).optional().describe("Each stripe volume."),
      })
      .optional()
      .describe("Storage actually provisioned."),
  })
  .describe("What the operator observed. Written only by guru-operator, through the status subresource.");

export type KdbDatabaseStatus = z.output<typeof kdbDatabaseStatusSchema>;
export type VolumeStatus = z.output<typeof volumeStatusSchema>;

/** On a KdbDatabase the API wrote: its account (a backup's manifest records it). */
export const ACCOUNT_LABEL = "timeseries.guru/account";

/** Object metadata as far as the operator and API use it. */
export interface KdbDatabaseMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** A KdbDatabase as read from the API server (spec defaulted by the server's schema). */
export interface KdbDatabase {
  apiVersion: typeof KDB_API_VERSION;
  kind: typeof KDB_KIND;
  metadata: KdbDatabaseMetadata;
  spec: KdbDatabaseSpec;
  status?: KdbDatabaseStatus;
}

/** A KdbDatabase as a client writes it (defaults may be left out). */
export interface KdbDatabaseManifest {
  apiVersion: typeof KDB_API_VERSION;
  kind: typeof KDB_KIND;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: KdbDatabaseSpecInput;
}

/** A manifest of a KdbDatabase, for the REST API and tests. */
export function kdbDatabaseManifest(
  name: string,
  namespace: string,
  spec: KdbDatabaseSpecInput,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KdbDatabaseManifest {
  return { apiVersion: KDB_API_VERSION, kind: KDB_KIND, metadata: { name, namespace, ...extra }, spec };
}

/** Whether a name is acceptable for a KdbDatabase (the CRD refuses others). */
export function isValidDatabaseName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}
