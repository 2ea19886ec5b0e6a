/**
 * Jobs, in their account's partition, kept 7 days (DynamoDB TTL on expiresAt). A running job
 * carries a lease: the instance running it (`owner`) and until when it is held (`leaseUntil`),
 * renewed by every save and by a heartbeat. While it runs it is also in the sparse index
 * `gsi1 JOBS#RUNNING`, where every instance's sweeper finds jobs whose lease ran out (their
 * instance died) and fails them. Every save is conditioned on the item's version, so a worker
 * that lost its job to a sweeper learns it (JobLostError) instead of overwriting the verdict.
 */
import type { Item } from "../catalog/attributes.js";
import { INDEX_GSI1, keys } from "../catalog/keys.js";
import { CatalogConflict, type CatalogTable, conditions } from "../catalog/table.js";
import type { Job } from "./jobs-schemas.js";

const KEEP_SECONDS = 7 * 86_400;
export const RUNNING_INDEX = "JOBS#RUNNING";

/** Now in milliseconds since 1970; injected by tests. */
export type Clock = () => number;

export interface JobLease {
  owner: string;
  /** ms since 1970 */
  leaseUntil: number;
}

export interface StoredJob {
  accountId: string;
  job: Job;
  lease: JobLease | null;
  version: number;
}

/** The job changed under its worker: a sweeper failed it (its lease had run out). */
export class JobLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer held by this instance`);
    this.name = "JobLostError";
  }
}

function toItem(stored: StoredJob) {
  const expiresAt = Math.floor(Date.parse(stored.job.createdAt) / 1000) + KEEP_SECONDS;
  const running =
    stored.job.status === "running"
      ? { gsi1pk: RUNNING_INDEX, gsi1sk: `${stored.accountId}#${stored.job.id}` }
      : {};
  return {
    ...keys.job(stored.accountId, stored.job.id),
    type: "job",
    accountId: stored.accountId,
    expiresAt,
    job: stored.job,
    lease: stored.lease,
    version: stored.version,
    ...running,
  };
}

function fromItem(item: Item): StoredJob {
  return {
    accountId: item.accountId as string,
    job: item.job as Job,
    lease: (item.lease as JobLease | null | undefined) ?? null,
    version: (item.version as number | undefined) ?? 0,
  };
}

export class JobsStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Records a new job; a running one is leased to `lease.owner`. */
  async create(accountId: string, job: Job, lease: JobLease | null): Promise<StoredJob> {
    const stored = { accountId, job, lease: job.status === "running" ? lease : null, version: 1 };
    await this.#table.put(toItem(stored), conditions.absent());
    return stored;
  }

  /** Saves a new state of the job (renewing or ending its lease) over `stored`; updates it. */
  async save(stored: StoredJob, lease: JobLease | null): Promise<void> {
    const next = {
      ...stored,
      lease: stored.job.status === "running" ? lease : null,
      version: stored.version + 1,
    };
    try {
      await this.#table.put(toItem(next), conditions.version(stored.version));
    } catch (err) {
      if (err instanceof CatalogConflict) throw new JobLostError(stored.job.id);
      throw err;
    }
    stored.lease = next.lease;
    stored.version = next.version;
  }

  async get(accountId: string, id: string): Promise<Job | undefined> {
    return (await this.getStored(accountId, id))?.job;
  }

  async getStored(accountId: string, id: string): Promise<StoredJob | undefined> {
    const item: Item | undefined = await this.#table.get(keys.job(accountId, id));
    if (item === undefined || (item.expiresAt as number) * 1000 < Date.now()) return undefined;
    return fromItem(item);
  }

  /** Running jobs of every account, from the index (eventually consistent: re-read before acting). */
  async running(): Promise<{ accountId: string; id: string }[]> {
    const out: { accountId: string; id: string }[] = [];
    let startKey: Record<string, string> | undefined;
    do {
      const page = await this.#table.query({ partition: RUNNING_INDEX, index: INDEX_GSI1, startKey });
      for (const item of page.items)
        out.push({ accountId: item.accountId as string, id: (item.job as Job).id });
      startKey = page.lastKey;
    } while (startKey !== undefined);
    return out;
  }
}
