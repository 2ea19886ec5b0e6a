/**
 * A running job held by this instance: every save renews its lease, and a heartbeat renews it
 * while the work waits on something slow, so only a dead instance's jobs run out of lease.
 * Saves are serialized (each is conditioned on the version the previous one wrote).
 */
import type { Logger } from "pino";
import type { Job } from "./jobs-schemas.js";
import { type Clock, JobLostError, type JobsStore, type StoredJob } from "./jobs-store.js";

export interface JobLeaseOptions {
  store: JobsStore;
  /** this instance, recorded as the lease's owner */
  owner: string;
  leaseMs: number;
  clock: Clock;
  logger: Logger;
}

export class LeasedJob {
  readonly #o: JobLeaseOptions;
  readonly #stored: StoredJob;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lost = false;

  private constructor(options: JobLeaseOptions, stored: StoredJob) {
    this.#o = options;
    this.#stored = stored;
  }

  /** Records `job` (status running) leased to this instance, and starts its heartbeat. */
  static async start(options: JobLeaseOptions, accountId: string, job: Job): Promise<LeasedJob> {
    const lease = { owner: options.owner, leaseUntil: options.clock() + options.leaseMs };
    return new LeasedJob(options, await options.store.create(accountId, job, lease)).#beat();
  }

  /**
   * Takes over a running job whose lease ran out (its instance stopped), as read by a sweeper:
   * leased to this instance by a conditional save; JobLostError when another one was first.
   */
  static async adopt(options: JobLeaseOptions, stored: StoredJob): Promise<LeasedJob> {
    await options.store.save(stored, { owner: options.owner, leaseUntil: options.clock() + options.leaseMs });
    options.logger.info(
      { jobId: stored.job.id, from: stored.lease?.owner },
      "job adopted: its lease had run out",
    );
    return new LeasedJob(options, stored).#beat();
  }

  #beat(): this {
    this.#timer = setInterval(() => void this.save().catch(() => undefined), this.#o.leaseMs / 3);
    this.#timer.unref();
    return this;
  }

  get job(): Job {
    return this.#stored.job;
  }

  /** true once a sweeper took the job: the work should stop, its outcome is already recorded */
  get lost(): boolean {
    return this.#lost;
  }

  /** Saves the job's current state and renews the lease; JobLostError if a sweeper failed it. */
  save(): Promise<void> {
    const run = async () => {
      if (this.#lost) throw new JobLostError(this.job.id);
      this.job.updatedAt = new Date(this.#o.clock()).toISOString();
      try {
        await this.#o.store.save(this.#stored, {
          owner: this.#o.owner,
          leaseUntil: this.#o.clock() + this.#o.leaseMs,
        });
      } catch (err) {
        if (err instanceof JobLostError) {
          this.#lost = true;
          this.#stopHeartbeat();
          this.#o.logger.warn({ jobId: this.job.id }, "job taken over: its lease had run out");
        }
        throw err;
      }
    };
    const result = this.#chain.then(run, run);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  /** Ends the job (succeeded or failed) and its lease; never throws (the outcome is logged). */
  async finish(status: "succeeded" | "failed", error: string | null = null): Promise<Job> {
    this.#stopHeartbeat();
    if (this.#lost) {
      // the catalog holds the sweeper's verdict; the caller sees the same
      this.job.status = "failed";
      this.job.error ??= "taken over by another instance: this one had missed its heartbeats";
      return this.job;
    }
    this.job.status = status;
    this.job.error = error;
    this.job.finishedAt = new Date(this.#o.clock()).toISOString();
    await this.save().catch((err: unknown) =>
      this.#o.logger.warn({ err, jobId: this.job.id }, "the job's outcome could not be saved"),
    );
    return this.job;
  }

  /** Stops renewing the lease and leaves the job as it is: once the lease runs out, another instance takes it. */
  leave(): void {
    this.#stopHeartbeat();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
