export * from "./backup-programs.js";
export * from "./cron.js";
export * from "./kdb-backup.js";
export * from "./kdb-database.js";
