/**
 * Where backup files are kept, behind one small interface: a directory in local mode
 * (`<dataDir>/backups`), S3 in the cloud. Keys are `<accountId>/<database>/<backupId>/<file>`
 * (a KdbBackup's, in cloud mode: `<namespace>/<KdbDatabase>/<KdbBackup>/<file>`),
 * a prefix per account and database; writes stream (constant memory, any size).
 */
import type { Readable } from "node:stream";
import type { BackupRecord } from "./backups-store.js";

export interface StoredObject {
  bytes: number;
}

export interface BackupStorage {
  readonly kind: "local" | "s3";
  /** Streams `source` to `key`, replacing any object there; resolves once it is stored whole. */
  write(key: string, source: AsyncIterable<Uint8Array>): Promise<StoredObject>;
  /** The object's bytes, streamed. */
  read(key: string): Promise<Readable>;
  /** Removes every object under `prefix` (idempotent). */
  deletePrefix(prefix: string): Promise<void>;
}

/** The key prefix of one backup the API copies. */
export function backupPrefix(accountId: string, database: string, backupId: string): string {
  return `${accountId}/${database}/${backupId}/`;
}

/** Where a backup's files are: its KdbBackup's prefix (cloud mode), or the API's own. */
export function filesPrefix(
  backup: Pick<BackupRecord, "accountId" | "database" | "id" | "operator">,
): string {
  return backup.operator?.prefix ?? backupPrefix(backup.accountId, backup.database, backup.id);
}
