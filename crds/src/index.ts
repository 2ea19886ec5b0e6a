export * from "./admission.js";
export * from "./backup-programs.js";
export {
  CRD_FILE,
  crdFiles,
  kdbBackupCrd,
  kdbDatabaseCrd,
  kdbDatabaseCrdYaml,
  kdbScheduledBackupCrd,
  openApiSchema,
} from "./crd.js";
export * from "./cron.js";
export * from "./kdb-backup.js";
export * from "./kdb-database.js";
