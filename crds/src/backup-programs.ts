/**
 * The two programs of the guru-api image that guru-operator runs for backups, and their
 * environment: their whole interface, stated once for the operator (which sets it) and the
 * programs (which read it, api/src/backups/job-config.ts).
 */

/** A KdbBackup's Job: snapshot over q IPC into S3. */
export const BACKUP_COMMAND = ["node", "dist/api/src/backups/backup-job.js"];

export const BACKUP_ENV = {
  name: "GURU_BACKUP_NAME",
  database: "GURU_BACKUP_DATABASE",
  /** the KdbDatabase's engine and stripes, and its account when the API made it: for the manifest */
  engine: "GURU_BACKUP_ENGINE",
  stripes: "GURU_BACKUP_STRIPES",
  accountId: "GURU_BACKUP_ACCOUNT_ID",
  endpoint: "GURU_BACKUP_ENDPOINT",
  user: "GURU_BACKUP_USER",
  password: "GURU_BACKUP_PASSWORD",
  bucket: "GURU_BACKUP_S3_BUCKET",
  prefix: "GURU_BACKUP_S3_PREFIX",
  region: "AWS_REGION",
} as const;

/** The init container of a database bootstrapped from a backup: S3 into its segment directories. */
export const RESTORE_COMMAND = ["node", "dist/api/src/backups/restore-job.js"];

export const RESTORE_ENV = {
  bucket: "GURU_RESTORE_S3_BUCKET",
  prefix: "GURU_RESTORE_S3_PREFIX",
  stripes: "GURU_RESTORE_STRIPES",
  /** the database's engine: a backup of another engine is refused */
  engine: "GURU_RESTORE_ENGINE",
  region: "AWS_REGION",
} as const;
