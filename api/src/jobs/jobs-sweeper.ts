/**
 * Fails the jobs whose instance died: every instance looks at the running jobs (the sparse index)
 * every half lease, re-reads each, and one whose lease ran out is failed with the reason, by a
 * conditional write (of several sweepers, one wins; a worker still alive learns it on its next
 * save). Kinds may add their own clean-up (a backup marks its backup failed), or carry a job on
 * instead (a cloud backup, whose work runs in the cluster, is followed on by the sweeping instance).
 */
import type { Logger } from "pino";
import { type Clock, JobLostError, type JobsStore, type StoredJob } from "./jobs-store.js";

export type AbandonedHandler = (stored: StoredJob) => Promise<void>;
/** Carries on a job whose lease ran out; resolves true when it did (the job is not failed). */
export type ResumeHandler = (stored: StoredJob) => Promise<boolean>;

export interface JobsSweeperOptions {
  store: JobsStore;
  leaseMs: number;
  clock: Clock;
  logger: Logger;
}

export class JobsSweeper {
  readonly #o: JobsSweeperOptions;
  readonly #handlers: AbandonedHandler[] = [];
  readonly #resumers: ResumeHandler[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(options: JobsSweeperOptions) {
    this.#o = options;
  }

  /** Runs `handler` for every job this sweeper fails. */
  onAbandoned(handler: AbandonedHandler): void {
    this.#handlers.push(handler);
  }

  /** Asks `handler` first, for every job whose lease ran out, whether it carries it on. */
  onExpired(handler: ResumeHandler): void {
    this.#resumers.push(handler);
  }

  start(): void {
    void this.sweep().catch(() => undefined);
    this.#timer = setInterval(() => void this.sweep().catch(() => undefined), this.#o.leaseMs / 2);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping?.catch(() => undefined);
  }

  /** One pass; resolves with how many jobs it failed. */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweep(): Promise<number> {
    let failed = 0;
    for (const { accountId, id } of await this.#o.store.running()) {
      const stored = await this.#o.store.getStored(accountId, id);
      if (stored === undefined || stored.job.status !== "running") continue;
      const until = stored.lease?.leaseUntil ?? 0;
      if (until > this.#o.clock()) continue;
      if (await this.#resumed(stored)) continue;
      if (await this.#fail(stored)) failed++;
    }
    return failed;
  }

  async #resumed(stored: StoredJob): Promise<boolean> {
    for (const handler of this.#resumers) {
      const resumed = await handler(stored).catch((err: unknown) => {
        if (err instanceof JobLostError) return true; // another instance took it first
        this.#o.logger.warn({ err, jobId: stored.job.id }, "resuming an expired job failed");
        return false;
      });
      if (resumed) return true;
    }
    return false;
  }

  async #fail(stored: StoredJob): Promise<boolean> {
    const owner = stored.lease?.owner ?? "unknown";
    const until = new Date(stored.lease?.leaseUntil ?? 0).toISOString();
    stored.job.status = "failed";
    stored.job.error = `the API instance running it (${owner}) stopped: no heartbeat since its lease ran out at ${until}`;
    stored.job.finishedAt = new Date(this.#o.clock()).toISOString();
    stored.job.updatedAt = stored.job.finishedAt;
    try {
      await this.#o.store.save(stored, null);
    } catch (err) {
      if (err instanceof JobLostError) return false; // another sweeper, or the worker after all
      throw err;
    }
    this.#o.logger.warn({ jobId: stored.job.id, kind: stored.job.kind, owner }, "abandoned job failed");
    for (const handler of this.#handlers)
      await handler(stored).catch((err: unknown) =>
        this.#o.logger.warn({ err, jobId: stored.job.id }, "clean-up of an abandoned job failed"),
      );
    return true;
  }
}
