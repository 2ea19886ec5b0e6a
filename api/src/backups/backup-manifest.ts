/**
 * A backup's manifest, `manifest.json`, stored last: a backup is complete exactly when its
 * manifest exists. Written by the API's backups and the KdbBackup Job, read back by the
 * Kubernetes restore (restore-job.ts). 64-bit values (times, counts) are decimal strings.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { BackupStorage } from "./backup-storage.js";

export const MANIFEST = "manifest.json";

const int64 = z.string().regex(/^-?\d+$/);

export const manifestSchema = z.object({
  version: z.literal(1),
  backup: z.string().min(1),
  database: z.string().min(1),
  /** the account (a database the API made), the engine and the database's stripes; absent in early backups */
  accountId: z.string().min(1).optional(),
  engine: z.string().min(1).optional(),
  stripes: z.number().int().positive().optional(),
  segments: z.number().int().positive(),
  at: int64,
  writes: int64,
  rows: int64,
  firstTime: int64.nullable(),
  lastTime: int64.nullable(),
  files: z.array(
    z.object({
      name: z.string().min(1),
      bytes: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
/** What the writer knows of the backup besides its snapshot. */
export type ManifestIdentity = Pick<
  BackupManifest,
  "backup" | "database" | "accountId" | "engine" | "stripes"
>;

/** The manifest under `prefix`, its bytes' sha256 and size; fails when it is absent (no complete backup). */
export async function readManifest(storage: BackupStorage, prefix: string, location: string) {
  const source = await storage.read(prefix + MANIFEST).catch((err: unknown) => {
    throw new Error(`no ${MANIFEST} at ${location}: the backup is missing or not complete`, { cause: err });
  });
  const bytes = Buffer.concat(await source.toArray());
  const parsed = manifestSchema.safeParse(JSON.parse(bytes.toString("utf8")));
  if (!parsed.success)
    throw new Error(`${location}${MANIFEST} is not a backup manifest: ${parsed.error.message}`);
  return {
    manifest: parsed.data,
    bytes: bytes.length,
    checksum: createHash("sha256").update(bytes).digest("hex"),
  };
}
