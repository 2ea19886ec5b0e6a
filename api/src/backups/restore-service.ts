/**
 * Restores: `POST /v1/databases` with `restoreFrom` checks the backup (`plan`) and records it on
 * the new database; the provisioner then fills the database's stripes from the backup before
 * its engine first starts (`materialize`, local mode: files into `stripe-N`), as a leased
 * `restore` job with progress. Every file is checked against the size and sha256 its backup
 * recorded, so a restore yields exactly the backup's rows or fails. On Kubernetes the database's
 * KdbDatabase starts from the backup's KdbBackup (spec.bootstrap.fromBackup: the operator's
 * init container runs restore-job.ts, with the same file copy), and once it is ready the restore
 * is recorded (`bootstrapped`): its series in the catalog, its job succeeded.
 */
import type { Principal } from "../auth/scopes.js";
import type { DatabaseRestore } from "../databases/databases-store.js";
import { NotFoundError, UnprocessableError } from "../errors/errors.js";
import { randomId } from "../ids.js";
import { type Job, runningJob } from "../jobs/jobs-schemas.js";
import { type JobLeaseOptions, LeasedJob } from "../jobs/leased-job.js";
import { ProvisionFailure, type ProvisionTarget } from "../provisioning/provisioner.js";
import type { Column } from "../series/series-schemas.js";
import type { SeriesStore } from "../series/series-store.js";
import { type BackupStorage, filesPrefix } from "./backup-storage.js";
import type { RestoreFrom } from "./backups-schemas.js";
import { requireAccountAdmin } from "./backups-service.js";
import type { BackupRecord, BackupsStore } from "./backups-store.js";
import { restoreFile } from "./restore-files.js";

export interface RestorePlan {
  restore: DatabaseRestore;
  stripes: number;
  engine: BackupRecord["engine"];
}

export interface RestoreServiceOptions {
  store: BackupsStore;
  storage: BackupStorage | undefined;
  /** whether the provisioner can fill a new database from a backup */
  provisionerRestores: boolean;
  /** cloud mode: only backups taken as KdbBackups in this region's cluster restore */
  kdbBackupsOf?: string;
  leases: JobLeaseOptions;
  series: SeriesStore;
}

export class RestoreService {
  readonly #o: RestoreServiceOptions;

  constructor(options: RestoreServiceOptions) {
    this.#o = options;
  }

  /** Checks that the backup can be restored here; what the new database must be. */
  async plan(principal: Principal, from: RestoreFrom): Promise<RestorePlan> {
    requireAccountAdmin(principal, "restoring a backup");
    if (this.#o.storage === undefined)
      throw new UnprocessableError(
        "BACKUPS_UNAVAILABLE",
        "this installation has no backup storage configured",
      );
    if (!this.#o.provisionerRestores)
      throw new UnprocessableError(
        "RESTORE_UNAVAILABLE",
        "this installation cannot create a database from a backup",
      );
    const backup = await this.#o.store.get(principal.accountId, from.database, from.backup);
    if (backup === undefined)
      throw new NotFoundError("BACKUP_NOT_FOUND", `database ${from.database} has no backup ${from.backup}`);
    if (backup.status !== "succeeded")
      throw new UnprocessableError("BACKUP_NOT_RESTORABLE", `backup ${backup.id} is ${backup.status}`);
    const region = this.#o.kdbBackupsOf;
    if (region !== undefined && backup.operator?.region !== region)
      throw new UnprocessableError(
        "BACKUP_NOT_RESTORABLE",
        `backup ${backup.id} is not a KdbBackup of this region's cluster (${region}): only those restore here`,
      );
    return {
      restore: { database: from.database, backup: from.backup, jobId: randomId(16) },
      stripes: backup.stripes,
      engine: backup.engine,
    };
  }

  /** Fills `segments` (the new database's stripe directories) from its backup, as a job. */
  async materialize(db: ProvisionTarget, segments: readonly string[]): Promise<void> {
    const restore = db.restore;
    const storage = this.#o.storage;
    if (restore == null) return;
    if (storage === undefined) throw new ProvisionFailure("no backup storage is configured");
    const backup = await this.#o.store.get(db.accountId, restore.database, restore.backup);
    if (backup === undefined || backup.status !== "succeeded")
      throw new ProvisionFailure(`backup ${restore.backup} of ${restore.database} is gone or not restorable`);
    const leased = await LeasedJob.start(this.#o.leases, db.accountId, this.#job(db, backup)).catch(
      (err: unknown) => {
        throw new ProvisionFailure(`restore job ${restore.jobId} was already started once`, { cause: err });
      },
    );
    const prefix = filesPrefix(backup);
    const progress = leased.job.progress as NonNullable<Job["progress"]>;
    try {
      for (const file of backup.files) {
        await restoreFile(storage, prefix, file, segments, (bytes) => {
          progress.bytesDone += bytes;
        });
        progress.filesDone++;
        await leased.save();
      }
      await this.#recordSeries(db, backup);
      leased.job.rowsWritten = backup.rows;
      await leased.finish("succeeded");
    } catch (err) {
      await leased.finish("failed", `the restore failed: ${(err as Error).message}`);
      throw new ProvisionFailure(`restore from backup ${backup.id} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /**
   * Records the restore the platform did (Kubernetes: bootstrap.fromBackup) once the database is
   * ready: its series in the catalog and its job, succeeded with every file. Idempotent.
   */
  async bootstrapped(db: ProvisionTarget): Promise<void> {
    const restore = db.restore;
    if (restore == null) return;
    const backup = await this.#o.store.get(db.accountId, restore.database, restore.backup);
    if (backup === undefined) throw new Error(`backup ${restore.backup} of ${restore.database} is gone`);
    await this.#recordSeries(db, backup);
    if ((await this.#o.leases.store.get(db.accountId, restore.jobId)) !== undefined) return;
    const job = this.#job(db, backup);
    Object.assign(job.progress as NonNullable<Job["progress"]>, {
      filesDone: backup.files.length,
      bytesDone: job.progress?.bytesTotal,
    });
    const leased = await LeasedJob.start(this.#o.leases, db.accountId, job);
    leased.job.rowsWritten = backup.rows;
    await leased.finish("succeeded");
  }

  /** The restore job of `db`, running, nothing done yet. */
  #job(db: ProvisionTarget, backup: BackupRecord): Job {
    const now = new Date(this.#o.leases.clock()).toISOString();
    return runningJob(
      {
        id: (db.restore as DatabaseRestore).jobId,
        kind: "restore",
        database: db.name,
        series: "",
        backup: backup.id,
        progress: {
          filesDone: 0,
          filesTotal: backup.files.length,
          bytesDone: 0,
          bytesTotal: backup.files.reduce((sum, f) => sum + f.bytes, 0),
        },
      },
      now,
    );
  }

  /** The catalog's series of the new database: those of the backup (already there after a retry). */
  async #recordSeries(db: ProvisionTarget, backup: BackupRecord): Promise<void> {
    const createdAt = new Date(this.#o.leases.clock()).toISOString();
    for (const s of backup.series ?? []) {
      const record = {
        accountId: db.accountId,
        database: db.name,
        databaseUid: db.uid,
        name: s.name,
        columns: s.columns as Column[],
        createdAt,
        version: 1,
      };
      await this.#o.series.create(record).catch(async (err: unknown) => {
        if ((await this.#o.series.get(db.accountId, db.name, s.name))?.databaseUid !== db.uid) throw err;
      });
    }
  }
}
