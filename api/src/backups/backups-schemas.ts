import { z } from "zod";
import { cronProblem, ENGINES } from "../../../crds/src/index.js";
import { databaseNameSchema } from "../auth/database-name.js";
import { named, pageOf, timestampSchema } from "../openapi/registry.js";

export const BACKUP_STATUSES = ["running", "succeeded", "failed"] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

export const backupIdSchema = z
  .string()
  .regex(/^[a-km-np-z2-9]{16}$/, "a backup id: 16 lowercase letters and digits");

export const backupParams = z.strictObject({ db: databaseNameSchema, backupId: backupIdSchema });

/** `POST /v1/databases` `restoreFrom`: the backup a new database starts from. */
export const restoreFromSchema = z
  .strictObject({
    database: databaseNameSchema.describe("the database the backup was taken of (it may be gone)"),
    backup: backupIdSchema,
  })
  .describe("create the database from this backup: it holds exactly the rows the backup covered");

export const BACKUP_ORIGINS = ["manual", "schedule"] as const;

/** `backup` of a database (create, PATCH): when to back it up, and how many of those to keep. */
export const backupScheduleSchema = z
  .strictObject({
    schedule: z
      .string()
      .max(100)
      .regex(/^[0-9*,/-]+( [0-9*,/-]+){4}$/, "5 cron fields split by one space")
      .superRefine((text, ctx) => {
        const problem = cronProblem(text);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      })
      .describe(
        "cron, 5 fields in UTC: minute hour day-of-month month day-of-week; each *, n, a-b, */n, a-b/n or a comma list (for example `15 2 * * *`: daily at 02:15)",
      )
      .meta({ example: "15 2 * * *" }),
    keep: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .describe("scheduled backups kept: older ones are deleted once a newer one succeeded"),
  })
  .describe("back the database up on a schedule; null: no scheduled backups");

export type BackupSchedule = z.infer<typeof backupScheduleSchema>;

const timeNs = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/)
  .describe("RFC 3339, UTC, nanoseconds");

export const backupSchema = named(
  "Backup",
  z.object({
    id: z.string(),
    database: databaseNameSchema,
    status: z.enum(BACKUP_STATUSES).describe("running → succeeded | failed"),
    engine: z.enum(ENGINES),
    origin: z.enum(BACKUP_ORIGINS).describe("manual (POST) or schedule (the database's backup schedule)"),
    stripes: z.number().int().describe("a restore makes a database with as many stripes"),
    sizeBytes: z.number().int().describe("bytes stored (0 until it succeeded)"),
    files: z.number().int(),
    rows: z.number().int().describe("rows the backup holds: a restore yields exactly these"),
    timeRange: z
      .object({ first: timeNs.nullable(), last: timeNs.nullable() })
      .describe("the earliest and latest point time it holds (null when empty)"),
    coversWritesBefore: timestampSchema
      .nullable()
      .describe("the cut: every write acknowledged before it is in the backup, none after"),
    checksum: z
      .string()
      .nullable()
      .describe("sha256 of the backup's manifest (which holds each file's sha256)"),
    jobId: z.string(),
    error: z.string().nullable(),
    createdAt: timestampSchema,
    finishedAt: timestampSchema.nullable(),
  }),
  "A consistent snapshot of a database, kept in object storage.",
);

export const backupPageSchema = pageOf("BackupPage", backupSchema);

export type BackupView = z.infer<typeof backupSchema>;
export type RestoreFrom = z.infer<typeof restoreFromSchema>;
