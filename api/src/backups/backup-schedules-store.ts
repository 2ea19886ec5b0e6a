/**
 * When each scheduled database is next due, one item per database with a backup schedule:
 * `SCHEDULE#<database>` in its account's partition, and in the sparse index `gsi1 BACKUP_SCHEDULES`
 * where every instance's scheduler finds them. The schedule itself stays on the database item;
 * this item holds only the next slot, so claiming a slot is one conditional write on its version:
 * of several instances due at once, exactly one wins and runs the backup.
 */
import type { Item } from "../catalog/attributes.js";
import { INDEX_GSI1, keys } from "../catalog/keys.js";
import { CatalogConflict, type CatalogTable, conditions } from "../catalog/table.js";

export const SCHEDULES_INDEX = "BACKUP_SCHEDULES";

export interface ScheduleSlot {
  accountId: string;
  database: string;
  /** ms since 1970: the slot the next backup is due at */
  nextRunAt: number;
  /** ms since 1970: when this item was last written */
  updatedAt: number;
  version: number;
}

const keyOf = (accountId: string, database: string) => ({
  pk: keys.accountPartition(accountId),
  sk: `SCHEDULE#${database}`,
});

function toItem(slot: ScheduleSlot) {
  return {
    ...keyOf(slot.accountId, slot.database),
    type: "backup-schedule",
    gsi1pk: SCHEDULES_INDEX,
    gsi1sk: `${slot.accountId}#${slot.database}`,
    ...slot,
  };
}

function fromItem(item: Item): ScheduleSlot {
  return {
    accountId: item.accountId as string,
    database: item.database as string,
    nextRunAt: item.nextRunAt as number,
    updatedAt: item.updatedAt as number,
    version: item.version as number,
  };
}

export class BackupSchedulesStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Sets the database's next slot, whatever was there (a schedule was set or changed). */
  async set(accountId: string, database: string, nextRunAt: number, now: number): Promise<void> {
    const current = await this.get(accountId, database);
    await this.#table.put(
      toItem({ accountId, database, nextRunAt, updatedAt: now, version: (current?.version ?? 0) + 1 }),
    );
  }

  async get(accountId: string, database: string): Promise<ScheduleSlot | undefined> {
    const item = await this.#table.get(keyOf(accountId, database));
    return item === undefined ? undefined : fromItem(item);
  }

  /** Moves `slot` on to `nextRunAt` if no one else did: true when this caller claimed the slot. */
  async claim(slot: ScheduleSlot, nextRunAt: number, now: number): Promise<boolean> {
    try {
      await this.#table.put(
        toItem({ ...slot, nextRunAt, updatedAt: now, version: slot.version + 1 }),
        conditions.version(slot.version),
      );
      return true;
    } catch (err) {
      if (err instanceof CatalogConflict) return false;
      throw err;
    }
  }

  /** Removes the database's slot (no schedule any more); `slot`: only if unchanged since read. */
  async delete(accountId: string, database: string, slot?: ScheduleSlot): Promise<void> {
    await this.#table
      .delete(keyOf(accountId, database), slot === undefined ? undefined : conditions.version(slot.version))
      .catch((err: unknown) => {
        if (!(err instanceof CatalogConflict)) throw err;
      });
  }

  /** Every scheduled database (eventually consistent: re-read before acting). */
  async all(): Promise<ScheduleSlot[]> {
    const out: ScheduleSlot[] = [];
    let startKey: Record<string, string> | undefined;
    do {
      const page = await this.#table.query({ partition: SCHEDULES_INDEX, index: INDEX_GSI1, startKey });
      out.push(...page.items.map(fromItem));
      startKey = page.lastKey;
    } while (startKey !== undefined);
    return out;
  }
}
