/** Jobs, in their account's partition, kept 7 days (DynamoDB TTL on expiresAt). */
import type { Item } from "../catalog/attributes.js";
import { keys } from "../catalog/keys.js";
import type { CatalogTable } from "../catalog/table.js";
import type { Job } from "./jobs-schemas.js";

const KEEP_SECONDS = 7 * 86_400;

export class JobsStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async put(accountId: string, job: Job): Promise<void> {
    const expiresAt = Math.floor(Date.parse(job.createdAt) / 1000) + KEEP_SECONDS;
    await this.#table.put({ ...keys.job(accountId, job.id), type: "job", accountId, expiresAt, job });
  }

  async get(accountId: string, id: string): Promise<Job | undefined> {
    const item: Item | undefined = await this.#table.get(keys.job(accountId, id));
    if (item === undefined || (item.expiresAt as number) * 1000 < Date.now()) return undefined;
    return item.job as Job;
  }
}
