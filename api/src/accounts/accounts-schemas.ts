import { z } from "zod";
import { ID_PATTERN } from "../ids.js";
import { named, pageOf, timestampSchema } from "../openapi/registry.js";

export const accountIdSchema = z
  .string()
  .length(10)
  .regex(ID_PATTERN, "not an account id")
  .meta({ example: "k3m9x2q7pa" });

const quotasInput = z.strictObject({
  maxDatabases: z.number().int().min(0).max(10_000).optional().describe("databases the account may have"),
  maxStorageGiB: z
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .describe("GiB all its databases may hold together"),
  maxBackupGiB: z
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .describe("GiB all its backups may hold together; a new backup is refused once they hold as much"),
});

export const createAccountBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe("a display name; need not be unique"),
  quotas: quotasInput
    .optional()
    .describe("defaults: GURU_API_DEFAULT_MAX_DATABASES, _MAX_STORAGE_GIB and _MAX_BACKUP_GIB"),
});

export const updateAccountBody = z
  .strictObject({ name: z.string().trim().min(1).max(100).optional(), quotas: quotasInput.optional() })
  .refine((b) => b.name !== undefined || b.quotas !== undefined, "give name or quotas")
  // the refinement, as JSON Schema says it: the document must refuse `{}` as the server does
  .meta({ minProperties: 1 });

export const accountParams = z.strictObject({ accountId: accountIdSchema });

export const accountSchema = named(
  "Account",
  z.object({
    id: accountIdSchema,
    name: z.string(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    quotas: z.object({
      maxDatabases: z.number().int(),
      maxStorageGiB: z.number().int(),
      maxBackupGiB: z.number().int(),
    }),
    usage: z.object({
      databases: z.number().int(),
      storageGiB: z.number().int().describe("reserved by its databases"),
      backupBytes: z.number().int().describe("held by its backups"),
    }),
  }),
  "An account (tenant): everything else belongs to one.",
);

export const accountPageSchema = pageOf("AccountPage", accountSchema);

export type AccountView = z.infer<typeof accountSchema>;
export type CreateAccountInput = z.infer<typeof createAccountBody>;
export type UpdateAccountInput = z.infer<typeof updateAccountBody>;
