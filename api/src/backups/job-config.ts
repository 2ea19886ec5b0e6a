/**
 * The configuration of the programs guru-operator runs from the guru-api image (backup-job.ts,
 * restore-job.ts): parsed once from the environment, every variable and its default in one schema
 * per program. The variables the operator sets are named in crds/src/backup-programs.ts; the
 * others have defaults for AWS and exist for S3-compatible stores and tests. docs/operator.md#backups
 * lists them all.
 */
import { z } from "zod";
import { BACKUP_ENV, ENGINES, type Engine, RESTORE_ENV } from "../../../crds/src/index.js";
import { ConfigError } from "../config.js";

/** An S3 key prefix: empty, or ending in `/` (a backup's objects are `<prefix><file>`). */
const keyPrefix = z
  .string()
  .max(1024)
  .refine((p) => p === "" || p.endsWith("/"), "must be empty or end with /");
const bucket = z.string().min(3).max(63);
const endpoint = z.string().transform((s, ctx) => {
  const match = /^(.+):(\d{1,5})$/.exec(s);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65_535) {
    ctx.addIssue({ code: "custom", message: `expected host:port, got "${s}"` });
    return z.NEVER;
  }
  return { host: match[1] as string, port };
});

const region = z.string().min(1).default("us-east-1");

const backupSchema = z.object({
  [BACKUP_ENV.name]: z.string().min(1),
  [BACKUP_ENV.database]: z.string().min(1),
  [BACKUP_ENV.engine]: z.enum(ENGINES),
  [BACKUP_ENV.stripes]: z.coerce.number().int().positive(),
  [BACKUP_ENV.accountId]: z.string().min(1).optional(),
  [BACKUP_ENV.endpoint]: endpoint,
  [BACKUP_ENV.user]: z.string().min(1),
  [BACKUP_ENV.password]: z.string().min(1),
  [BACKUP_ENV.bucket]: bucket,
  [BACKUP_ENV.prefix]: keyPrefix,
  AWS_REGION: region,
  GURU_BACKUP_S3_ENDPOINT: z.url().optional(),
  GURU_BACKUP_SSE: z.enum(["AES256", "aws:kms"]).default("AES256"),
  GURU_BACKUP_KMS_KEY_ID: z.string().min(1).optional(),
  GURU_BACKUP_PART_MB: z.coerce.number().int().min(5).max(512).default(8),
  /** each q request's deadline; `.guru.snapshot` checkpoints every segment first */
  GURU_BACKUP_Q_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
});

const restoreSchema = z.object({
  [RESTORE_ENV.bucket]: bucket,
  [RESTORE_ENV.prefix]: keyPrefix,
  [RESTORE_ENV.stripes]: z
    .string()
    .transform((s) => s.split(/\s+/).filter(Boolean))
    .pipe(z.array(z.string().startsWith("/", "each directory must be an absolute path")).min(1)),
  [RESTORE_ENV.engine]: z.enum(ENGINES).optional(),
  AWS_REGION: region,
  GURU_RESTORE_S3_ENDPOINT: z.url().optional(),
});

/** Every variable each program reads (docs/operator.md#backups lists them). */
export const JOB_VARIABLES = {
  backup: Object.keys(backupSchema.shape),
  restore: Object.keys(restoreSchema.shape),
};

export interface S3Location {
  bucket: string;
  prefix: string;
  region: string;
  /** an S3-compatible store instead of AWS's */
  endpoint: string | undefined;
}

export interface BackupJobConfig {
  name: string;
  database: string;
  engine: Engine;
  stripes: number;
  /** set when the API made the database */
  accountId: string | undefined;
  q: { host: string; port: number; user: string; password: string; timeoutMs: number };
  s3: S3Location & { sse: "AES256" | "aws:kms"; kmsKeyId: string | undefined; partBytes: number };
}

export interface RestoreJobConfig {
  s3: S3Location;
  /** the database's engine, when the operator says it */
  engine: Engine | undefined;
  /** the segment directories to fill, segment k into the k-th */
  segments: string[];
}

function parse<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function loadBackupJobConfig(env: Record<string, string | undefined> = process.env): BackupJobConfig {
  const e = parse(backupSchema, env);
  if (e.GURU_BACKUP_SSE === "aws:kms" && e.GURU_BACKUP_KMS_KEY_ID === undefined)
    throw new ConfigError(
      "invalid configuration:\n✖ GURU_BACKUP_KMS_KEY_ID is required with GURU_BACKUP_SSE=aws:kms",
    );
  return {
    name: e[BACKUP_ENV.name],
    database: e[BACKUP_ENV.database],
    engine: e[BACKUP_ENV.engine],
    stripes: e[BACKUP_ENV.stripes],
    accountId: e[BACKUP_ENV.accountId],
    q: {
      ...e[BACKUP_ENV.endpoint],
      user: e[BACKUP_ENV.user],
      password: e[BACKUP_ENV.password],
      timeoutMs: e.GURU_BACKUP_Q_TIMEOUT_MS,
    },
    s3: {
      bucket: e[BACKUP_ENV.bucket],
      prefix: e[BACKUP_ENV.prefix],
      region: e.AWS_REGION,
      endpoint: e.GURU_BACKUP_S3_ENDPOINT,
      sse: e.GURU_BACKUP_SSE,
      kmsKeyId: e.GURU_BACKUP_KMS_KEY_ID,
      partBytes: e.GURU_BACKUP_PART_MB * 1024 * 1024,
    },
  };
}

export function loadRestoreJobConfig(
  env: Record<string, string | undefined> = process.env,
): RestoreJobConfig {
  const e = parse(restoreSchema, env);
  return {
    s3: {
      bucket: e[RESTORE_ENV.bucket],
      prefix: e[RESTORE_ENV.prefix],
      region: e.AWS_REGION,
      endpoint: e.GURU_RESTORE_S3_ENDPOINT,
    },
    segments: e[RESTORE_ENV.stripes],
    engine: e[RESTORE_ENV.engine],
  };
}
