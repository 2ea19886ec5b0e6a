/**
 * Runs the databases' backup schedules. Every instance looks at the scheduled databases every
 * interval; for one whose slot is due it reads the database, moves the slot on to the schedule's
 * next time by a conditional write (of several instances, exactly one wins: no double runs), and
 * the winner runs the backup and then prunes the scheduled backups beyond `keep`. Slots missed
 * while no instance ran collapse into one backup. An instance that dies after claiming a slot
 * leaves that slot's backup failed by the job sweeper, or not taken: the next slot runs as usual.
 * Time comes from the injected clock, so tests step it instead of waiting.
 */
import type { Logger } from "pino";
import { nextRun, parseCron } from "../../../crds/src/index.js";
import type { DatabasesStore } from "../databases/databases-store.js";
import type { Clock } from "../jobs/jobs-store.js";
import type { BackupSchedulesStore, ScheduleSlot } from "./backup-schedules-store.js";
import type { BackupSchedule } from "./backups-schemas.js";
import type { BackupsService } from "./backups-service.js";

/** a slot item without its schedule on the database is left this long (its write may be under way) */
const GRACE_MS = 60_000;

export interface BackupSchedulerOptions {
  schedules: BackupSchedulesStore;
  databases: DatabasesStore;
  backups: BackupsService;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}

export interface ScheduledRun {
  accountId: string;
  database: string;
  backup: string | null;
  status: "succeeded" | "failed" | "skipped";
  pruned: number;
}

export function nextSlot(schedule: BackupSchedule, afterMs: number): number {
  // a stored schedule passed validation: it fires within the horizon
  return nextRun(parseCron(schedule.schedule), afterMs) as number;
}

export class BackupScheduler {
  readonly #o: BackupSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<ScheduledRun[]> | undefined;

  constructor(options: BackupSchedulerOptions) {
    this.#o = options;
  }

  /** Sets (or removes) the database's slot after its schedule changed: the next time from now. */
  async schedule(accountId: string, database: string, schedule: BackupSchedule | null): Promise<void> {
    const now = this.#o.clock();
    if (schedule === null) await this.#o.schedules.delete(accountId, database);
    else await this.#o.schedules.set(accountId, database, nextSlot(schedule, now), now);
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick().catch(() => undefined), this.#o.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking?.catch(() => undefined);
  }

  /** One pass: runs every due backup this instance claims; resolves once they (and pruning) ended. */
  tick(): Promise<ScheduledRun[]> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  /**
   * One due database at a time: while this instance backs one up, the others claim the rest, so
   * databases due at the same minute spread over the instances.
   */
  async #tick(): Promise<ScheduledRun[]> {
    const due = (await this.#o.schedules.all()).filter((s) => s.nextRunAt <= this.#o.clock());
    const runs: ScheduledRun[] = [];
    for (const slot of due) {
      const run = await this.#due(slot, this.#o.clock());
      if (run !== undefined) runs.push(run);
    }
    return runs;
  }

  async #due(listed: ScheduleSlot, now: number): Promise<ScheduledRun | undefined> {
    const slot = await this.#o.schedules.get(listed.accountId, listed.database);
    if (slot === undefined || slot.nextRunAt > now) return undefined;
    const db = await this.#o.databases.get(slot.accountId, slot.database);
    const schedule = db?.status === "deleting" ? null : (db?.backup ?? null);
    if (db === undefined || schedule === null) {
      if (slot.updatedAt < now - GRACE_MS)
        await this.#o.schedules.delete(slot.accountId, slot.database, slot);
      return undefined;
    }
    if (!(await this.#o.schedules.claim(slot, nextSlot(schedule, now), now))) return undefined;
    const run: ScheduledRun = {
      accountId: db.accountId,
      database: db.name,
      backup: null,
      status: "skipped",
      pruned: 0,
    };
    const log = this.#o.logger.child({ accountId: db.accountId, database: db.name });
    try {
      const backup = await this.#o.backups.runScheduled(db);
      run.backup = backup?.id ?? null;
      run.status = backup?.status === "succeeded" ? "succeeded" : "failed";
      if (run.status === "succeeded")
        run.pruned = await this.#o.backups.prune(db.accountId, db.name, schedule.keep);
      log.info({ backup: run.backup, status: run.status, pruned: run.pruned }, "scheduled backup ended");
    } catch (err) {
      log.warn({ err }, "scheduled backup not taken");
    }
    return run;
  }
}
