import { z } from "zod";
import { databaseNameSchema } from "../auth/database-name.js";
import { named, timestampSchema } from "../openapi/registry.js";

export const jobParams = z.strictObject({
  jobId: z.string().regex(/^[a-km-np-z2-9]{16}$/, "a job id: 16 lowercase letters and digits"),
});

export const JOB_KINDS = ["csv-import", "backup", "restore"] as const;

export const jobProgressSchema = z.object({
  filesDone: z.number().int(),
  filesTotal: z.number().int().nullable().describe("null until known"),
  bytesDone: z.number().int(),
  bytesTotal: z.number().int().nullable().describe("null until known"),
});

export const jobSchema = named(
  "Job",
  z.object({
    id: z.string(),
    kind: z.enum(JOB_KINDS),
    database: databaseNameSchema,
    series: z.string().describe("csv-import: the series; other kinds: empty"),
    backup: z.string().optional().describe("backup and restore: the backup's id"),
    progress: jobProgressSchema.optional().describe("backup and restore: files and bytes copied"),
    status: z.enum(["running", "succeeded", "failed"]),
    rowsRead: z.number().int().describe("data rows read so far (the header excluded)"),
    rowsWritten: z.number().int().describe("rows the database made durable"),
    rowsRejected: z.number().int(),
    rejections: z
      .array(z.object({ line: z.number().int(), reason: z.string() }))
      .describe("the first 100 refused rows: line number in the upload (1 is the header) and why"),
    error: z.string().nullable().describe("why a failed job stopped; rows written before it stay"),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    finishedAt: timestampSchema.nullable(),
  }),
  "A background job (a CSV import, a backup, a restore): its progress while it runs, its outcome after.",
);

export type Job = z.infer<typeof jobSchema>;
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** A job just started: running, nothing done yet. */
export function runningJob(
  start: Pick<Job, "id" | "kind" | "database" | "series" | "backup" | "progress">,
  now: string,
): Job {
  return {
    ...start,
    status: "running",
    rowsRead: 0,
    rowsWritten: 0,
    rowsRejected: 0,
    rejections: [],
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}
