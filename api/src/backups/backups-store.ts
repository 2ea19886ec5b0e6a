/**
 * Backup items, in their account's partition under `BACKUP#<database>#<id>`, so listing a
 * database's backups is one strongly consistent Query and they outlive the database.
 */
import type { Engine } from "../../../crds/src/index.js";
import type { Item } from "../catalog/attributes.js";
import { keys } from "../catalog/keys.js";
import { type CatalogTable, conditions } from "../catalog/table.js";
import type { OperatorBackupRef } from "../provisioning/provisioner.js";
import type { BACKUP_ORIGINS, BackupStatus } from "./backups-schemas.js";

export interface BackupFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface BackupRecord {
  accountId: string;
  database: string;
  /** the incarnation of the database it was taken of */
  databaseUid: string;
  id: string;
  status: BackupStatus;
  engine: Engine;
  /** absent in items older than schedules: manual */
  origin?: (typeof BACKUP_ORIGINS)[number];
  stripes: number;
  jobId: string;
  sizeBytes: number;
  files: BackupFile[];
  rows: number;
  /** q timestamps (ns since 2000) as decimal strings, or null */
  firstTime: string | null;
  lastTime: string | null;
  coversWritesBefore: string | null;
  checksum: string | null;
  /** cloud mode: the KdbBackup that takes it, and where its files are (absent: the API copies it) */
  operator?: OperatorBackupRef;
  /** the series' schemas in the catalog when the snapshot was taken; a restore records them */
  series?: { name: string; columns: unknown[] }[];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  version: number;
}

const prefix = (database: string) => `BACKUP#${database}#`;
const keyOf = (accountId: string, database: string, id: string) => ({
  pk: keys.accountPartition(accountId),
  sk: `${prefix(database)}${id}`,
});

function fromItem(item: Item): BackupRecord {
  const { pk: _pk, sk: _sk, type: _t, ...rest } = item;
  return rest as unknown as BackupRecord;
}

export class BackupsStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async create(backup: BackupRecord): Promise<void> {
    await this.#table.put(
      { ...keyOf(backup.accountId, backup.database, backup.id), type: "backup", ...backup },
      conditions.absent(),
    );
  }

  /** Saves `backup` over the version it was read at (409 CONFLICT if it changed meanwhile). */
  async replace(backup: BackupRecord): Promise<void> {
    const expected = backup.version;
    backup.version = expected + 1;
    await this.#table.put(
      { ...keyOf(backup.accountId, backup.database, backup.id), type: "backup", ...backup },
      conditions.version(expected),
    );
  }

  async get(accountId: string, database: string, id: string): Promise<BackupRecord | undefined> {
    const item = await this.#table.get(keyOf(accountId, database, id));
    return item === undefined ? undefined : fromItem(item);
  }

  async list(accountId: string, database: string, limit: number, after: string | undefined) {
    const page = await this.#table.query({
      partition: keys.accountPartition(accountId),
      prefix: prefix(database),
      limit,
      startKey: after === undefined ? undefined : keyOf(accountId, database, after),
    });
    const items = page.items.map(fromItem);
    return { items, last: page.lastKey === undefined ? undefined : items.at(-1)?.id };
  }

  async listAll(accountId: string): Promise<BackupRecord[]> {
    return (await this.#table.queryAll(keys.accountPartition(accountId), "BACKUP#")).map(fromItem);
  }

  /** The bytes the account's backups hold (failed ones hold none: their files are deleted). */
  async bytes(accountId: string): Promise<number> {
    return (await this.listAll(accountId)).reduce((sum, b) => sum + b.sizeBytes, 0);
  }

  async delete(backup: BackupRecord): Promise<void> {
    await this.#table.delete(keyOf(backup.accountId, backup.database, backup.id));
  }
}
