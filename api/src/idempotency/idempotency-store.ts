/** Idempotency records: one per (account, key), expiring after a day (DynamoDB TTL on expiresAt). */
import type { Item } from "../catalog/attributes.js";
import { keys } from "../catalog/keys.js";
import { type CatalogTable, type Condition, conditions } from "../catalog/table.js";
import type { Reply } from "../http/route.js";

export interface IdempotencyRecord {
  accountId: string;
  key: string;
  fingerprint: string;
  state: "started" | "done";
  reply: Reply | null;
  startedAt: number;
  /** epoch seconds (DynamoDB's TTL unit) */
  expiresAt: number;
}

function toItem(r: IdempotencyRecord) {
  return { ...keys.idempotency(r.accountId, r.key), type: "idempotency", ...r };
}

function fromItem(item: Item): IdempotencyRecord {
  const { pk: _p, sk: _s, type: _t, ...rest } = item;
  return rest as unknown as IdempotencyRecord;
}

export class IdempotencyStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Claims the key: succeeds when no live record exists, or the existing one expired. */
  async claim(record: IdempotencyRecord, nowSeconds: number): Promise<void> {
    const condition: Condition = {
      expression: "attribute_not_exists(pk) OR expiresAt < :now",
      values: { ":now": nowSeconds },
    };
    await this.#table.put(toItem(record), condition);
  }

  /** Takes over a record whose request stopped without finishing (its process died). */
  async takeOver(record: IdempotencyRecord, staleStartedAt: number): Promise<void> {
    await this.#table.put(toItem(record), {
      expression: "#state = :started AND startedAt = :at",
      names: { "#state": "state" },
      values: { ":started": "started", ":at": staleStartedAt },
    });
  }

  async get(accountId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.#table.get(keys.idempotency(accountId, key));
    return item === undefined ? undefined : fromItem(item);
  }

  async finish(record: IdempotencyRecord): Promise<void> {
    await this.#table.put(toItem(record), conditions.present());
  }

  async release(accountId: string, key: string): Promise<void> {
    await this.#table.delete(keys.idempotency(accountId, key));
  }
}
