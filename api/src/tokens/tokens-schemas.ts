import { z } from "zod";
import { accountIdSchema } from "../accounts/accounts-schemas.js";
import { scopeSchema } from "../auth/scopes.js";
import { named, pageOf, timestampSchema } from "../openapi/registry.js";

export const tokenIdSchema = z
  .string()
  .length(22)
  .regex(/^[a-km-np-z2-9]+$/, "not a token id")
  .meta({ example: "k3m9x2q7pa8c4v6b2n5r7t" });

export const createTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).describe("what the token is for"),
    scopes: z.array(scopeSchema).min(1).max(64),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        "when the token stops working (RFC 3339, in the future); omit, with expiresInSeconds, for no expiry",
      ),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(10 * 366 * 86_400)
      .optional()
      .describe("alternative to expiresAt: lifetime from now, at least 60 seconds, at most 10 years"),
  })
  .refine((b) => b.expiresAt === undefined || b.expiresInSeconds === undefined, {
    message: "give expiresAt or expiresInSeconds, not both",
    path: ["expiresAt"],
  })
  // the refinement, as JSON Schema says it
  .meta({ not: { required: ["expiresAt", "expiresInSeconds"] } });

export const tokenParams = z.strictObject({ accountId: accountIdSchema, tokenId: tokenIdSchema });
export const tokensParams = z.strictObject({ accountId: accountIdSchema });

export const tokenSchema = named(
  "Token",
  z.object({
    id: tokenIdSchema,
    accountId: accountIdSchema,
    name: z.string(),
    scopes: z.array(z.string()),
    status: z.enum(["active", "expired", "revoked"]),
    createdAt: timestampSchema,
    expiresAt: timestampSchema.nullable(),
    revokedAt: timestampSchema.nullable(),
  }),
  "An API token, without its secret.",
);

export const createdTokenSchema = named(
  "CreatedToken",
  z.object({
    token: tokenSchema,
    secret: z
      .string()
      .describe("tsg_<id>_<secret>: send as Authorization: Bearer <secret>. Shown only here, once."),
  }),
  "A new token and its secret.",
);

export const tokenPageSchema = pageOf("TokenPage", tokenSchema);

export const whoamiSchema = named(
  "Whoami",
  z.object({ tokenId: tokenIdSchema, accountId: accountIdSchema, scopes: z.array(z.string()) }),
  "The caller, as the API sees its token.",
);

export type TokenView = z.infer<typeof tokenSchema>;
export type CreateTokenInput = z.infer<typeof createTokenBody>;
