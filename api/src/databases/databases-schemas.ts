import { z } from "zod";
import { ENGINES } from "../../../crds/src/index.js";
import { databaseNameSchema } from "../auth/database-name.js";
import { backupScheduleSchema, restoreFromSchema } from "../backups/backups-schemas.js";
import { named, pageOf, timestampSchema } from "../openapi/registry.js";
import { SIZE_NAMES } from "./sizes.js";

export const DATABASE_STATUSES = [
  "pending",
  "provisioning",
  "ready",
  "updating",
  "failed",
  "deleting",
] as const;
export type DatabaseStatus = (typeof DATABASE_STATUSES)[number];

export const MAX_STRIPE_GIB = 65_536;

export const retentionSchema = z
  .strictObject({
    days: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .describe("whole days before today (UTC) kept; older rows expire"),
  })
  .describe("how long data is kept; null keeps everything");

const stripeSizeGiB = z.number().int().min(1).max(MAX_STRIPE_GIB).describe("GiB per stripe volume");

export const createDatabaseBody = z.strictObject({
  name: databaseNameSchema,
  size: z.enum(SIZE_NAMES).default("small").describe("compute: dev, small, medium, large, xlarge"),
  engine: z
    .enum(ENGINES)
    .default("guru-engine")
    .describe("guru-engine, or kdb where a licence is configured"),
  region: z.string().min(1).max(32).optional().describe("default: the region of the API serving the request"),
  storage: z
    .strictObject({
      stripes: z.number().int().min(1).max(16).default(2).describe("volumes the data is striped over; fixed"),
      stripeSizeGiB: stripeSizeGiB.default(10),
    })
    .prefault({}),
  retention: retentionSchema.nullable().default(null),
  backup: backupScheduleSchema.nullable().default(null),
  restoreFrom: restoreFromSchema.optional(),
});

export const updateDatabaseBody = z
  .strictObject({
    size: z.enum(SIZE_NAMES).optional(),
    storage: z
      .strictObject({
        stripes: z.number().int().min(1).max(16).optional().describe("must equal the current value"),
        stripeSizeGiB: stripeSizeGiB.optional().describe("may only grow"),
      })
      .optional(),
    retention: retentionSchema.nullable().optional(),
    backup: backupScheduleSchema.nullable().optional(),
  })
  .refine(
    (b) =>
      b.size !== undefined || b.storage !== undefined || b.retention !== undefined || b.backup !== undefined,
    "give size, storage, retention or backup",
  )
  // the refinement, as JSON Schema says it: the document must refuse `{}` as the server does
  .meta({ minProperties: 1 });

export const databaseParams = z.strictObject({ db: databaseNameSchema });

export const idempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional()
    .describe("makes a retried create safe: the same key and body within 24 h replay the first answer"),
});

export const ifMatchHeaders = z.object({
  "if-match": z
    .string()
    // [0-9], not \d: in other regex dialects (Python's, which fuzzers and clients use) \d takes
    // any Unicode digit, which the server refuses
    .regex(/^"[0-9]+"$/, 'an ETag such as "3"')
    .optional()
    .describe("apply only if the database is still at this ETag (else 412)"),
});

export const databaseSchema = named(
  "Database",
  z.object({
    name: databaseNameSchema,
    region: z.string(),
    engine: z.enum(ENGINES),
    size: z.enum(SIZE_NAMES),
    storage: z.object({
      stripes: z.number().int(),
      stripeSizeGiB: z.number().int(),
      totalGiB: z.number().int().describe("stripes × stripeSizeGiB, what counts toward the quota"),
    }),
    retention: z.object({ days: z.number().int() }).nullable().describe("null: keeps everything"),
    backup: z
      .object({ schedule: z.string(), keep: z.number().int() })
      .nullable()
      .describe("its backup schedule; null: none"),
    restoredFrom: z
      .object({ database: databaseNameSchema, backup: z.string(), jobId: z.string() })
      .nullable()
      .describe("the backup it was created from, and the job that restored it"),
    status: z.enum(DATABASE_STATUSES).describe("pending → provisioning → ready | failed; updating; deleting"),
    statusReason: z.string().nullable().describe("why the status is what it is (failed: the error)"),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  }),
  "A database: one kdb+ (or guru-engine) process with its data striped over volumes.",
);

export const databasePageSchema = pageOf("DatabasePage", databaseSchema);

export type DatabaseView = z.infer<typeof databaseSchema>;
export type CreateDatabaseInput = z.infer<typeof createDatabaseBody>;
export type UpdateDatabaseInput = z.infer<typeof updateDatabaseBody>;
