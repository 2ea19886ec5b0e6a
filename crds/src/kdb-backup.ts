/**
 * The `KdbBackup` and `KdbScheduledBackup` custom resources, as CloudNativePG's Backup and
 * ScheduledBackup: a KdbBackup is one backup of one KdbDatabase, run by guru-operator as a Job
 * that writes a consistent snapshot (docs/q-api.md, .guru.snapshot) to S3 with the pod's IAM role;
 * a KdbScheduledBackup creates KdbBackups on a cron schedule and deletes those beyond `keep`.
 * The zod schemas are the source of truth of crds/kdbbackups.timeseries.guru.yaml and
 * crds/kdbscheduledbackups.timeseries.guru.yaml (docs/operator.md, backups).
 */
import { z } from "zod";
import { conditionSchema, KDB_API_VERSION, KDB_GROUP, type KdbDatabaseMetadata } from "./kdb-database.js";

export const BACKUP_KIND = "KdbBackup";
export const BACKUP_PLURAL = "kdbbackups";
export const BACKUP_SINGULAR = "kdbbackup";
export const BACKUP_CRD_NAME = `${BACKUP_PLURAL}.${KDB_GROUP}`;
export const SCHEDULED_BACKUP_KIND = "KdbScheduledBackup";
export const SCHEDULED_BACKUP_PLURAL = "kdbscheduledbackups";
export const SCHEDULED_BACKUP_SINGULAR = "kdbscheduledbackup";
export const SCHEDULED_BACKUP_CRD_NAME = `${SCHEDULED_BACKUP_PLURAL}.${KDB_GROUP}`;

/** Longest backup name: its Job `<name>-backup` and the Job's pod name stay valid labels. */
export const MAX_BACKUP_NAME_LENGTH = 52;
/** Longest scheduled backup name: each KdbBackup it creates is `<name>-<unix minutes>` (8 digits). */
export const MAX_SCHEDULED_BACKUP_NAME_LENGTH = 43;
/** An S3 bucket name (the rules AWS states for general purpose buckets, simplified). */
export const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: relative, `/`-separated words, ending in `/` when not empty. */
export const PREFIX_PATTERN = /^([A-Za-z0-9!_.*'()-]+\/)*$/;
/** The 5-field UTC cron subset of backup schedules (minute hour day-of-month month day-of-week). */
export const CRON_PATTERN = /^\s*(\S+\s+){4}\S+\s*$/;

const immutable = (what: string) => ({
  "x-kubernetes-validations": [{ rule: "self == oldSelf", message: `${what} is immutable` }],
});

export const s3DestinationSchema = z
  .object({
    bucket: z.string().regex(BUCKET_PATTERN).describe("The S3 bucket."),
    prefix: z
      .string()
      .max(512)
      .regex(PREFIX_PATTERN)
      .default("")
      .describe(
        'Key prefix in the bucket, ending in / ("backups/"). Each backup is written under ' +
          "<prefix><namespace>/<database>/<backup name>/.",
      ),
    region: z.string().max(32).optional().describe("The bucket's AWS region; unset: the pod's default."),
  })
  .describe(
    "Where the backup is written. Objects are uploaded with server-side encryption, with the " +
      "credentials of the Job's service account (EKS: its eks.amazonaws.com/role-arn annotation).",
  );

/** What a KdbBackup and the template of a KdbScheduledBackup share. */
const backupFields = {
  database: z.string().min(1).max(52).describe("The KdbDatabase to back up, in the same namespace."),
  s3: s3DestinationSchema,
  serviceAccountName: z
    .string()
    .min(1)
    .max(253)
    .default("guru-backup")
    .describe(
      "The service account the backup Job runs as: the one whose IAM role may write the bucket. " +
        "The Helm chart creates guru-backup in its databases namespace, annotated with databases.backupServiceAccount.annotations.",
    ),
  activeDeadlineSeconds: z
    .number()
    .int()
    .min(60)
    .max(604_800)
    .default(21_600)
    .describe("How long the Job may run before it is failed (default 6 h, as the engine keeps a snapshot)."),
};

export const kdbBackupSpecSchema = z
  .object(backupFields)
  .meta(immutable("spec"))
  .describe("One backup of a KdbDatabase. Immutable: a new backup is a new KdbBackup.");

export const BACKUP_PHASES = ["Pending", "Running", "Completed", "Failed"] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];
export const BACKUP_CONDITION_TYPES = ["Completed", "Failed"] as const;

/** observedGeneration and conditions, as every status of the group has them. */
const observed = (conditions: string) => ({
  observedGeneration: z.number().int().nonnegative().optional().describe("The generation last reconciled."),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
    .describe(`Current observations: ${conditions}.`),
});
const STATUS_DESCRIPTION =
  "What the operator observed. Written only by guru-operator, through the status subresource.";

export const kdbBackupStatusSchema = z
  .object({
    ...observed(BACKUP_CONDITION_TYPES.join(", ")),
    phase: z.enum(BACKUP_PHASES).optional().describe("Pending, Running, Completed or Failed."),
    job: z.string().optional().describe("The Job running the backup."),
    location: z.string().optional().describe("s3://bucket/key-prefix/ the backup is written under."),
    startedAt: z.string().optional().describe("When the Job started (RFC 3339)."),
    completedAt: z.string().optional().describe("When the Job finished (RFC 3339)."),
  })
  .describe(STATUS_DESCRIPTION);

export type KdbBackupSpec = z.output<typeof kdbBackupSpecSchema>;
export type KdbBackupSpecInput = z.input<typeof kdbBackupSpecSchema>;
export type KdbBackupStatus = z.output<typeof kdbBackupStatusSchema>;

export interface KdbBackup {
  apiVersion: typeof KDB_API_VERSION;
  kind: typeof BACKUP_KIND;
  metadata: KdbDatabaseMetadata & { ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec: KdbBackupSpec;
  status?: KdbBackupStatus;
}

export const kdbScheduledBackupSpecSchema = z
  .object({
    schedule: z
      .string()
      .max(128)
      .regex(CRON_PATTERN)
      .describe(
        "When to back up: 5-field cron in UTC (minute hour day-of-month month day-of-week), " +
          '"0 3 * * *" is daily at 03:00. No names or @-shortcuts.',
      ),
    keep: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(7)
      .describe("How many of its completed KdbBackups to keep; older ones are deleted."),
    suspend: z.boolean().default(false).describe("Create no KdbBackup while true."),
    backup: z.object(backupFields).describe("What each KdbBackup it creates holds as spec."),
  })
  .describe("Backups of a KdbDatabase on a schedule.");

export const kdbScheduledBackupStatusSchema = z
  .object({
    ...observed("Ready (reasons Scheduled, Suspended, InvalidSchedule)"),
    lastScheduleTime: z
      .string()
      .optional()
      .describe("The slot (due time, RFC 3339) the last KdbBackup was created for."),
    nextScheduleTime: z
      .string()
      .optional()
      .describe("When the next one is due (RFC 3339); absent while suspended or invalid."),
    lastBackup: z.string().optional().describe("The KdbBackup it created last."),
  })
  .describe(STATUS_DESCRIPTION);

export type KdbScheduledBackupSpec = z.output<typeof kdbScheduledBackupSpecSchema>;
export type KdbScheduledBackupSpecInput = z.input<typeof kdbScheduledBackupSpecSchema>;
export type KdbScheduledBackupStatus = z.output<typeof kdbScheduledBackupStatusSchema>;

export interface KdbScheduledBackup {
  apiVersion: typeof KDB_API_VERSION;
  kind: typeof SCHEDULED_BACKUP_KIND;
  metadata: KdbDatabaseMetadata;
  spec: KdbScheduledBackupSpec;
  status?: KdbScheduledBackupStatus;
}

/**
 * Where a KdbBackup's objects go under its spec.s3.prefix: `<namespace>/<database>/<backup>/`.
 * Stated once for the operator (which writes there) and the API (which reads the manifest back).
 */
export function backupObjectsPrefix(namespace: string, database: string, backup: string): string {
  return `${namespace}/${database}/${backup}/`;
}

/** A KdbBackup as a client writes it. */
export function kdbBackupManifest(
  name: string,
  namespace: string,
  spec: KdbBackupSpecInput,
  labels: Record<string, string> = {},
) {
  return { apiVersion: KDB_API_VERSION, kind: BACKUP_KIND, metadata: { name, namespace, labels }, spec };
}
