/**
 * The KdbBackup reconciler, as CloudNativePG's backup controller: one named step per line. A
 * backup waits (a requeue, with the reason in its conditions) until its KdbDatabase is Ready, then
 * runs as a Job it owns; its status follows the Job's until the Job completes or fails, after
 * which the KdbBackup is final and never looked at again.
 */
import type { V1Job } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbBackup, KdbBackupStatus, KdbDatabase } from "../../../crds/src/index.js";
import { backupJobName, buildBackupJob } from "../builders/backup-job.js";
import type { OperatorConfig } from "../config.js";
import { isApiError, statusWritten } from "../kube/api-error.js";
import type { Kube } from "../kube/client.js";
import type { EventRecorder } from "../kube/event-recorder.js";
import type { OperatorMetrics } from "../metrics.js";
import { type BackupBlocker, computeBackupStatus, isFinished } from "./kdb-backup-status.js";
import { BackupEvent, BackupReason } from "./reasons.js";
import { done, parseKey, type Result, requeueOnConflict } from "./reconciler.js";

export interface BackupControllerDeps {
  kube: Kube;
  /** the backup Jobs, from the informer's cache */
  job(namespace: string, name: string): V1Job | undefined;
  events: EventRecorder;
  config: OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
}

export class KdbBackupController {
  readonly #deps: BackupControllerDeps;

  constructor(deps: BackupControllerDeps) {
    this.#deps = deps;
  }

  get #pollMs(): number {
    return this.#deps.config.pollSeconds * 1000;
  }

  reconcile(key: string): Promise<Result> {
    return requeueOnConflict(async () => {
      const { namespace, name } = parseKey(key);
      const backup = await this.fetch(namespace, name);
      if (!backup || isFinished(backup)) return done;
      const log = this.#deps.log.child({ namespace, backup: name });
      const job = (await this.findJob(backup)) ?? (await this.startJob(backup, log));
      if ("blocker" in job) return this.reportBlocked(backup, job.blocker, log);
      return this.reportStatus(backup, job, log);
    });
  }

  // --- steps ---------------------------------------------------------------------------------

  async fetch(namespace: string, name: string): Promise<KdbBackup | undefined> {
    try {
      return await this.#deps.kube.getBackup(namespace, name);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading KdbBackup ${namespace}/${name}`, { cause: err });
    }
  }

  /**
   * The backup's Job: from the cache, or read fresh once status names it (the cache may lag our
   * create). A Job deleted before it finished fails the backup: running it again would be another
   * backup under this one's name.
   */
  async findJob(backup: KdbBackup): Promise<V1Job | { blocker: BackupBlocker } | undefined> {
    const { namespace, name } = backup.metadata;
    const cached = this.#deps.job(namespace!, backupJobName(name));
    if (cached || !backup.status?.job) return cached;
    try {
      return await this.#deps.kube.batch.readNamespacedJob({
        namespace: namespace!,
        name: backup.status.job,
      });
    } catch (err) {
      if (!isApiError(err, 404)) throw new Error(`while reading Job ${backup.status.job}`, { cause: err });
      return {
        blocker: {
          reason: BackupReason.JobDeleted,
          message: `Job ${backup.status.job} was deleted before it finished.`,
        },
      };
    }
  }

  /** The database to back up, when it is there and Ready; else why not. */
  async readyDatabase(backup: KdbBackup): Promise<KdbDatabase | { blocker: BackupBlocker }> {
    const { namespace } = backup.metadata;
    const { database } = backup.spec;
    let db: KdbDatabase;
    try {
      db = await this.#deps.kube.getDatabase(namespace!, database);
    } catch (err) {
      if (!isApiError(err, 404)) throw new Error(`while reading KdbDatabase ${database}`, { cause: err });
      return {
        blocker: {
          reason: BackupReason.DatabaseNotFound,
          message: `No KdbDatabase ${database} in ${namespace}.`,
        },
      };
    }
    const ready = db.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (!ready)
      return {
        blocker: {
          reason: BackupReason.DatabaseNotReady,
          message: `KdbDatabase ${database} is not Ready (phase ${db.status?.phase ?? "unknown"}).`,
        },
      };
    return db;
  }

  /** Creates the Job (server-side apply: a second run finds the same Job). */
  async startJob(backup: KdbBackup, log: Logger): Promise<V1Job | { blocker: BackupBlocker }> {
    const db = await this.readyDatabase(backup);
    if ("blocker" in db) return db;
    const job = buildBackupJob(backup, db, this.#deps.config.backupImage);
    let applied: V1Job;
    try {
      applied = (await this.#deps.kube.apply(job)) as V1Job;
    } catch (err) {
      throw new Error(`while applying Job ${job.metadata?.name}`, { cause: err });
    }
    this.#deps.metrics.applies.inc({ kind: "Job" });
    log.info({ job: job.metadata?.name, database: db.metadata.name }, "Backup started.");
    await this.#deps.events.normal(
      backup,
      BackupEvent.Started,
      "Backup",
      `Job ${job.metadata?.name} created.`,
    );
    return applied;
  }

  async reportBlocked(backup: KdbBackup, blocker: BackupBlocker, log: Logger): Promise<Result> {
    const status = computeBackupStatus(backup, { blocker }, new Date());
    await this.writeStatus(backup, status, log);
    return status.phase === "Failed" ? done : { requeueAfterMs: this.#pollMs * 6 };
  }

  /** Status from the Job; the Job's informer queues the next look. */
  async reportStatus(backup: KdbBackup, job: V1Job, log: Logger): Promise<Result> {
    await this.writeStatus(backup, computeBackupStatus(backup, { job }, new Date()), log);
    return done;
  }

  // --- helpers -------------------------------------------------------------------------------

  async writeStatus(backup: KdbBackup, status: KdbBackupStatus, log: Logger): Promise<void> {
    if (JSON.stringify(backup.status) === JSON.stringify(status)) return;
    if (!(await statusWritten(() => this.#deps.kube.patchBackupStatus(backup, status)))) return;
    if (status.phase === backup.status?.phase) return;
    if (status.phase === "Completed") {
      log.info({ location: status.location }, "Backup completed.");
      await this.#deps.events.normal(
        backup,
        BackupEvent.Completed,
        "Backup",
        `Written to ${status.location}.`,
      );
    } else if (status.phase === "Failed") {
      const failed = status.conditions?.find((c) => c.type === "Failed");
      await this.#deps.events.warning(
        backup,
        BackupEvent.Failed,
        "Backup",
        failed?.message ?? "The Job failed.",
      );
    }
  }
}
