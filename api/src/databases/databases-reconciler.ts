/**
 * Moves databases through their lifecycle, level-triggered like an operator: every interval (and
 * at once after a change made here) it takes the region's work index and, for each database,
 * compares what the catalog wants with what the provisioner reports:
 *
 *   pending ──apply──▶ provisioning ──status ready──▶ ready      (status failed ──▶ failed + reason)
 *   updating ──apply──▶ updating ──status ready──▶ ready
 *   deleting ──remove──▶ (status absent) ──▶ item, series and ledger entry deleted
 *
 * Several API instances may run it at once: every transition is a conditional write on the
 * item's version, and apply and remove are idempotent, so a lost race is simply skipped.
 */
import type { Logger } from "pino";
import type { QuotaLedger } from "../accounts/quota-ledger.js";
import { CatalogConflict } from "../catalog/table.js";
import type { ChangeFeed } from "../events/change-feed.js";
import type { ApiMetrics } from "../metrics.js";
import { type Provisioner, ProvisionFailure } from "../provisioning/provisioner.js";
import type { DatabaseStatus } from "./databases-schemas.js";
import type { DatabaseRecord, DatabasesStore } from "./databases-store.js";

export interface ReconcilerOptions {
  store: DatabasesStore;
  provisioner: Provisioner;
  ledger: QuotaLedger;
  changes: ChangeFeed;
  region: string;
  intervalMs: number;
  /** a database still provisioning after this long fails */
  provisionTimeoutMs: number;
  /** cleanup once a database is gone: its series items, its connections */
  onDeleted: (db: DatabaseRecord) => Promise<void>;
  logger: Logger;
  metrics: ApiMetrics;
  concurrency?: number;
}

export class DatabasesReconciler {
  readonly #o: ReconcilerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #failures = new Map<string, number>();

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  /** Starts the loop; with a provisioner that restores on start, first applies every database of the region. */
  async start(): Promise<void> {
    this.#stopped = false;
    if (this.#o.provisioner.restoresOnStart) {
      for (const db of await this.#o.store.scanRegion(this.#o.region)) {
        if (db.status === "ready" || db.status === "updating")
          await this.#o.provisioner.apply(db).catch((err: unknown) => {
            this.#o.logger.error(
              { err, database: db.name, accountId: db.accountId },
              "could not restore a database",
            );
          });
      }
    }
    this.kick();
  }

  /** Runs a pass soon (coalescing kicks that arrive during a pass). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.pass()
      .catch((err: unknown) => this.#o.logger.warn({ err }, "reconcile pass failed"))
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        const delay = this.#again ? 0 : this.#o.intervalMs;
        this.#again = false;
        this.#timer = setTimeout(() => this.kick(), delay);
      });
  }

  /** One pass over the region's work. */
  async pass(): Promise<void> {
    const work = await this.#o.store.work(this.#o.region);
    const queue = [...work];
    const workers = Array.from({ length: Math.min(this.#o.concurrency ?? 4, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift())
        await this.reconcile(next.accountId, next.name);
    });
    await Promise.all(workers);
  }

  /** Reconciles one database; errors are logged and retried on the next pass. */
  async reconcile(accountId: string, name: string): Promise<void> {
    const db = await this.#o.store.get(accountId, name);
    if (db === undefined) return;
    const key = `${accountId}/${name}`;
    try {
      await this.#step(db);
      this.#failures.delete(key);
      this.#o.metrics.reconciles.inc({ status: db.status, outcome: "ok" });
    } catch (err) {
      if (err instanceof CatalogConflict) {
        this.#o.metrics.reconciles.inc({ status: db.status, outcome: "conflict" });
        return; // another instance moved it on
      }
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#o.metrics.reconciles.inc({ status: db.status, outcome: "error" });
      this.#o.logger[failures === 1 ? "warn" : "debug"](
        { err, accountId, database: name },
        "reconcile failed; will retry",
      );
    }
  }

  async #step(db: DatabaseRecord): Promise<void> {
    const { provisioner } = this.#o;
    if (db.status === "deleting") {
      await provisioner.remove(db);
      if ((await provisioner.status(db)).state === "absent") await this.#finishDelete(db);
      return;
    }
    if (db.status === "ready" || db.status === "failed") return;
    if (db.appliedGeneration < db.generation) {
      try {
        await provisioner.apply(db);
      } catch (err) {
        if (err instanceof ProvisionFailure) return this.#transition(db, "failed", err.message);
        throw err;
      }
      return this.#transition(db, db.status === "pending" ? "provisioning" : db.status, null, {
        appliedGeneration: db.generation,
      });
    }
    const observed = await provisioner.status(db);
    if (observed.state === "ready") return this.#transition(db, "ready", null);
    if (observed.state === "failed") return this.#transition(db, "failed", observed.reason);
    if (Date.now() - Date.parse(db.statusChangedAt) > this.#o.provisionTimeoutMs)
      return this.#transition(db, "failed", `not ready within ${this.#o.provisionTimeoutMs / 1000} s`);
    const detail = observed.state === "progressing" ? (observed.detail ?? null) : "the provisioner lost it";
    if (detail !== db.statusReason) await this.#transition(db, db.status, detail);
  }

  async #transition(
    db: DatabaseRecord,
    status: DatabaseStatus,
    reason: string | null,
    extra: Partial<DatabaseRecord> = {},
  ): Promise<void> {
    const now = new Date().toISOString();
    const next: DatabaseRecord = {
      ...db,
      ...extra,
      status,
      statusReason: reason,
      updatedAt: now,
      statusChangedAt: status === db.status ? db.statusChangedAt : now,
      version: db.version + 1,
    };
    await this.#o.store.replace(next, db.version);
    if (status !== db.status)
      this.#o.logger.info(
        { accountId: db.accountId, database: db.name, from: db.status, to: status, reason },
        "database status changed",
      );
    await this.#o.changes.changed({ type: "database.updated", accountId: db.accountId, database: db.name });
  }

  async #finishDelete(db: DatabaseRecord): Promise<void> {
    await this.#o.onDeleted(db);
    await this.#o.store.delete(db);
    await this.#o.ledger.release(db.accountId, db.name);
    this.#o.logger.info({ accountId: db.accountId, database: db.name }, "database deleted");
    await this.#o.changes.changed({
      type: "database.deleted",
      accountId: db.accountId,
      database: db.name,
      databaseUid: db.uid,
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
