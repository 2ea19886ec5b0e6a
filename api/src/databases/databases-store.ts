/**
 * Database items: in their account's partition; while they have provisioning work to do, also in
 * the sparse work index of their region (gsi1 WORK#<region>), which the reconciler polls.
 */
import type { Engine } from "../../../crds/src/index.js";
import type { BackupSchedule } from "../backups/backups-schemas.js";
import type { Item } from "../catalog/attributes.js";
import { INDEX_GSI1, keys } from "../catalog/keys.js";
import { type CatalogTable, conditions } from "../catalog/table.js";
import type { DatabaseStatus } from "./databases-schemas.js";
import type { SizeName } from "./sizes.js";

/** The backup a database was created from, and the job that restores it. */
export interface DatabaseRestore {
  database: string;
  backup: string;
  jobId: string;
}

export interface DatabaseRecord {
  accountId: string;
  name: string;
  /** this incarnation of the name */
  uid: string;
  region: string;
  engine: Engine;
  size: SizeName;
  storage: { stripes: number; stripeSizeGiB: number };
  /** days of data kept; null (or absent, in items older than retention) keeps everything */
  retentionDays?: number | null;
  restore?: DatabaseRestore | null;
  /** null (or absent, in items older than schedules): no scheduled backups */
  backup?: BackupSchedule | null;
  status: DatabaseStatus;
  statusReason: string | null;
  /** bumped by every change the provisioner must apply */
  generation: number;
  /** the generation the provisioner last applied */
  appliedGeneration: number;
  createdAt: string;
  updatedAt: string;
  statusChangedAt: string;
  version: number;
}

export const TERMINAL: readonly DatabaseStatus[] = ["ready", "failed"];

export function totalGiB(db: Pick<DatabaseRecord, "storage">): number {
  return db.storage.stripes * db.storage.stripeSizeGiB;
}

function toItem(db: DatabaseRecord) {
  const work = TERMINAL.includes(db.status)
    ? {}
    : { gsi1pk: keys.workIndex(db.region), gsi1sk: `${db.accountId}#${db.name}` };
  return { ...keys.database(db.accountId, db.name), type: "database", ...work, ...db };
}

export function databaseFromItem(item: Item): DatabaseRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, ...rest } = item;
  return rest as unknown as DatabaseRecord;
}

export class DatabasesStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async create(db: DatabaseRecord): Promise<void> {
    await this.#table.put(toItem(db), conditions.absent());
  }

  async get(accountId: string, name: string): Promise<DatabaseRecord | undefined> {
    const item = await this.#table.get(keys.database(accountId, name));
    return item === undefined ? undefined : databaseFromItem(item);
  }

  async replace(db: DatabaseRecord, expectedVersion: number): Promise<void> {
    await this.#table.put(toItem(db), conditions.version(expectedVersion));
  }

  async delete(db: DatabaseRecord): Promise<void> {
    await this.#table.delete(keys.database(db.accountId, db.name), conditions.version(db.version));
  }

  async list(accountId: string, limit: number, afterName: string | undefined) {
    const page = await this.#table.query({
      partition: keys.accountPartition(accountId),
      prefix: keys.databasePrefix,
      limit,
      startKey:
        afterName === undefined
          ? undefined
          : (keys.database(accountId, afterName) as unknown as Record<string, string>),
    });
    return {
      items: page.items.map(databaseFromItem),
      last: page.lastKey?.sk?.slice(keys.databasePrefix.length),
    };
  }

  async listAll(accountId: string): Promise<DatabaseRecord[]> {
    return (await this.#table.queryAll(keys.accountPartition(accountId), keys.databasePrefix)).map(
      databaseFromItem,
    );
  }

  /** Databases of the region with work to do: (accountId, name) pairs from the work index. */
  async work(region: string): Promise<{ accountId: string; name: string }[]> {
    const out: { accountId: string; name: string }[] = [];
    let startKey: Record<string, string> | undefined;
    do {
      const page = await this.#table.query({
        partition: keys.workIndex(region),
        index: INDEX_GSI1,
        startKey,
      });
      for (const item of page.items)
        out.push({ accountId: item.accountId as string, name: item.name as string });
      startKey = page.lastKey;
    } while (startKey !== undefined);
    return out;
  }

  /** Every database of the region (a scan: only for a provisioner that restores on start). */
  async scanRegion(region: string): Promise<DatabaseRecord[]> {
    const items = await this.#table.scan("database");
    return items.map(databaseFromItem).filter((db) => db.region === region);
  }
}
