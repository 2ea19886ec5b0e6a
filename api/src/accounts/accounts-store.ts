/** Account items in the catalog. */

import type { Item } from "../catalog/attributes.js";
import { INDEX_GSI1, keys } from "../catalog/keys.js";
import { type CatalogTable, conditions } from "../catalog/table.js";

/** Storage reserved for each database of the account, by database name. */
export type Ledger = Record<string, { gib: number; at: string }>;

export interface AccountRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** maxBackupGiB is absent in items older than it: the default applies */
  quotas: { maxDatabases: number; maxStorageGiB: number; maxBackupGiB?: number };
  ledger: Ledger;
}

function toItem(account: AccountRecord): Item & { pk: string; sk: string } {
  return {
    ...keys.account(account.id),
    gsi1pk: keys.accountsIndex,
    gsi1sk: account.id,
    type: "account",
    ...account,
  };
}

function fromItem(item: Item): AccountRecord {
  return {
    id: item.id as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
    quotas: item.quotas as AccountRecord["quotas"],
    ledger: (item.ledger ?? {}) as Ledger,
  };
}

export class AccountsStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async create(account: AccountRecord): Promise<void> {
    await this.#table.put(toItem(account), conditions.absent());
  }

  async get(id: string): Promise<AccountRecord | undefined> {
    const item = await this.#table.get(keys.account(id));
    return item === undefined ? undefined : fromItem(item);
  }

  /** Replaces the account if it is still at `expectedVersion` (CatalogConflict otherwise). */
  async replace(account: AccountRecord, expectedVersion: number): Promise<void> {
    await this.#table.put(toItem(account), conditions.version(expectedVersion));
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    await this.#table.delete(keys.account(id), conditions.version(expectedVersion));
  }

  /** Accounts by id, through the (eventually consistent) accounts index. */
  async list(
    limit: number,
    after: string | undefined,
  ): Promise<{ items: AccountRecord[]; last: string | undefined }> {
    const page = await this.#table.query({
      partition: keys.accountsIndex,
      index: INDEX_GSI1,
      limit,
      startKey:
        after === undefined
          ? undefined
          : { ...keys.account(after), gsi1pk: keys.accountsIndex, gsi1sk: after },
    });
    return { items: page.items.map(fromItem), last: page.lastKey?.gsi1sk };
  }
}
