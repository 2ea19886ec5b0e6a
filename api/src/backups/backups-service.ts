/**
 * Backups of a database: `start` records the backup and its job and answers at once; the job
 * asks the database for a consistent snapshot (`.guru.snapshot`), streams each file from it
 * over q IPC into the backup storage while hashing it, writes the manifest last, and only then
 * marks the backup succeeded. A failed or abandoned backup (its instance died: the job sweeper)
 * is marked failed and its objects deleted, so no half backup is ever listed as succeeded.
 * In cloud mode the job does not copy: the backup is a KdbBackup that guru-operator runs, which
 * the job follows to its end (operator-backup.ts); failing or deleting it deletes its KdbBackup.
 */
import type { Logger } from "pino";
import { timestampToUnixNs } from "../../../qipc/src/index.js";
import { ACCOUNT_ADMIN, canSeeDatabase, type Principal } from "../auth/scopes.js";
import type { DatabaseConnections } from "../data/connections.js";
import type { DatabasesService } from "../databases/databases-service.js";
import type { DatabaseRecord } from "../databases/databases-store.js";
import { AppError } from "../errors/app-error.js";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../errors/errors.js";
import { randomId } from "../ids.js";
import { type Job, runningJob } from "../jobs/jobs-schemas.js";
import type { StoredJob } from "../jobs/jobs-store.js";
import { type JobLeaseOptions, LeasedJob } from "../jobs/leased-job.js";
import { decodeCursor, encodeCursor, type Page } from "../paging/cursors.js";
import type { OperatorBackupRef, OperatorBackups } from "../provisioning/provisioner.js";
import type { SeriesStore } from "../series/series-store.js";
import { type BackupStorage, backupPrefix, filesPrefix } from "./backup-storage.js";
import { backupView } from "./backup-views.js";
import type { BackupView } from "./backups-schemas.js";
import type { BackupRecord, BackupsStore } from "./backups-store.js";
import { followOperatorBackup } from "./operator-backup.js";
import { type CopiedBackup, copySnapshot } from "./snapshot-copy.js";
import { SnapshotSource } from "./snapshot-source.js";

const GIB = 1024 ** 3;
const SAVE_EVERY_MS = 500;

export interface BackupsServiceOptions {
  store: BackupsStore;
  databases: DatabasesService;
  connections: DatabaseConnections;
  /** undefined: this installation keeps no backups (422 BACKUPS_UNAVAILABLE) */
  storage: BackupStorage | undefined;
  leases: JobLeaseOptions;
  logger: Logger;
  series: SeriesStore;
  /** the account's backup storage quota (maxBackupGiB) */
  maxBackupGiB: (accountId: string) => Promise<number>;
  /** cloud mode: backups are KdbBackups the operator runs, looked at every `pollMs` */
  operator?: { backups: OperatorBackups; pollMs: number; pendingTimeoutMs: number };
}

export function requireAccountAdmin(principal: Principal, what: string): void {
  if (!principal.scopes.includes(ACCOUNT_ADMIN))
    throw new ForbiddenError("FORBIDDEN", `${what} needs the scope account:admin`);
}

function unixIso(qns: bigint): string {
  return new Date(Number((timestampToUnixNs(qns) ?? 0n) / 1_000_000n)).toISOString();
}

export class BackupsService {
  readonly #o: BackupsServiceOptions;
  /** backups running in this instance, for tests and shutdown */
  readonly #running = new Set<Promise<void>>();
  /** cloud backups this instance follows, and what stops them (shutdown) without failing them */
  readonly #following = new Set<Promise<void>>();
  readonly #stopping = new AbortController();

  constructor(options: BackupsServiceOptions) {
    this.#o = options;
  }

  storage(): BackupStorage {
    if (this.#o.storage === undefined)
      throw new UnprocessableError(
        "BACKUPS_UNAVAILABLE",
        "this installation has no backup storage configured",
      );
    return this.#o.storage;
  }

  /** Records a backup of a ready database and starts copying it; answers at once. */
  async start(principal: Principal, name: string): Promise<{ backup: BackupRecord; job: Job }> {
    requireAccountAdmin(principal, "backing up a database");
    const storage = this.storage();
    const db = await this.#o.databases.resolveReady(principal, name, "read");
    const { backup, job } = await this.#begin(db, storage, "manual");
    return { backup, job };
  }

  /** A scheduled backup of `db` (read from the catalog); resolves once it ended, with its record as stored. */
  async runScheduled(db: DatabaseRecord): Promise<BackupRecord | undefined> {
    const storage = this.storage();
    if (db.status !== "ready")
      throw new ConflictError("DATABASE_NOT_READY", `database ${db.name} is ${db.status}, not ready`);
    const { backup, done } = await this.#begin(db, storage, "schedule");
    await done;
    return this.#o.store.get(backup.accountId, backup.database, backup.id);
  }

  /** 403 QUOTA_BACKUP_STORAGE_EXCEEDED once the account's backups hold its quota or more. */
  async #checkQuota(accountId: string): Promise<void> {
    const [used, limitGiB] = await Promise.all([
      this.#o.store.bytes(accountId),
      this.#o.maxBackupGiB(accountId),
    ]);
    if (used < limitGiB * GIB) return;
    throw new ForbiddenError(
      "QUOTA_BACKUP_STORAGE_EXCEEDED",
      `the account's backups hold ${used} bytes, its quota is ${limitGiB} GiB; delete backups or raise maxBackupGiB`,
      { extensions: { quota: { name: "maxBackupGiB", limit: limitGiB, usedBytes: used } } },
    );
  }

  async #begin(
    db: DatabaseRecord,
    storage: BackupStorage,
    origin: NonNullable<BackupRecord["origin"]>,
  ): Promise<{ backup: BackupRecord; job: Job; done: Promise<void> }> {
    await this.#checkQuota(db.accountId);
    const now = new Date(this.#o.leases.clock()).toISOString();
    const backup: BackupRecord = {
      accountId: db.accountId,
      database: db.name,
      databaseUid: db.uid,
      id: randomId(16),
      status: "running",
      engine: db.engine,
      origin,
      stripes: db.storage.stripes,
      jobId: randomId(16),
      sizeBytes: 0,
      files: [],
      rows: 0,
      firstTime: null,
      lastTime: null,
      coversWritesBefore: null,
      checksum: null,
      error: null,
      createdAt: now,
      finishedAt: null,
      version: 1,
    };
    if (this.#o.operator !== undefined) backup.operator = this.#o.operator.backups.where(db, backup.id);
    await this.#o.store.create(backup);
    const job = runningJob(
      {
        id: backup.jobId,
        kind: "backup",
        database: db.name,
        series: "",
        backup: backup.id,
        progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
      },
      now,
    );
    const leased = await LeasedJob.start(this.#o.leases, db.accountId, job);
    const run =
      backup.operator === undefined
        ? this.#track(
            this.#run(leased, backup, () => this.#copy(leased, backup, db, storage)),
            this.#running,
          )
        : this.#track(
            this.#run(leased, backup, () => this.#follow(leased, backup, db)),
            this.#following,
          );
    return { backup, job: { ...job }, done: run };
  }

  /**
   * Deletes the database's scheduled backups beyond the newest `keep` that succeeded (manual
   * backups stay until deleted); running ones are left alone. Resolves with how many it deleted.
   */
  async prune(accountId: string, database: string, keep: number): Promise<number> {
    const scheduled = (await this.#o.store.listAll(accountId))
      .filter((b) => b.database === database && b.origin === "schedule" && b.status !== "running")
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    const kept = new Set(
      scheduled
        .filter((b) => b.status === "succeeded")
        .slice(0, keep)
        .map((b) => b.id),
    );
    let deleted = 0;
    for (const backup of scheduled) {
      if (kept.has(backup.id)) continue;
      await this.#discard(backup);
      await this.#o.store.delete(backup);
      deleted++;
    }
    return deleted;
  }

  #track(run: Promise<void>, set: Set<Promise<void>>): Promise<void> {
    const tracked = run.finally(() => set.delete(tracked));
    set.add(tracked);
    return tracked;
  }

  /** Resolves once every backup running in this instance has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.#running, ...this.#following]);
  }

  /**
   * Shutdown: stops following cloud backups without failing them (their KdbBackups run on in the
   * cluster); once their leases run out, another instance's sweeper carries them on (`resume`).
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await Promise.all([...this.#following]);
  }

  /** The sweeper's offer of a backup job whose instance stopped: a cloud backup is followed on here. */
  async resume(stored: StoredJob): Promise<boolean> {
    const { job } = stored;
    if (this.#o.operator === undefined || this.#stopping.signal.aborted) return false;
    if (job.kind !== "backup" || job.backup === undefined) return false;
    const backup = await this.#o.store.get(stored.accountId, job.database, job.backup);
    if (backup?.operator === undefined || backup.status !== "running") return false;
    const leased = await LeasedJob.adopt(this.#o.leases, stored);
    void this.#track(
      this.#run(leased, backup, () => this.#follow(leased, backup)),
      this.#following,
    );
    return true;
  }

  /** Takes the backup (`take`), then records it succeeded; or failed, deleting what it stored. */
  async #run(
    leased: LeasedJob,
    backup: BackupRecord,
    take: () => Promise<Omit<CopiedBackup, "snapshot">>,
  ): Promise<void> {
    try {
      const copied = await take();
      // every series of the snapshot is in the catalog by now (created there after the database)
      backup.series ??= await this.#seriesOf(backup);
      const { manifest } = copied;
      // the manifest is stored: only now is the backup complete
      Object.assign(backup, {
        status: "succeeded",
        sizeBytes: copied.sizeBytes,
        files: copied.files,
        rows: Number(manifest.rows),
        firstTime: manifest.firstTime,
        lastTime: manifest.lastTime,
        coversWritesBefore: unixIso(BigInt(manifest.at)),
        checksum: copied.checksum,
        finishedAt: new Date(this.#o.leases.clock()).toISOString(),
      } satisfies Partial<BackupRecord>);
      await leased.save();
      await this.#o.store.replace(backup);
      await leased.finish("succeeded");
    } catch (err) {
      if (backup.operator !== undefined && this.#stopping.signal.aborted) return leased.leave();
      const reason = err instanceof AppError || err instanceof Error ? err.message : "internal error";
      this.#o.logger.warn({ err, backup: backup.id, database: backup.database }, "backup failed");
      await this.#failed(backup, leased.lost ? "its job was taken over by another instance" : reason);
      await leased.finish("failed", `the backup failed: ${reason}`);
    }
  }

  /** A cloud backup: its KdbBackup started (unless it was, by the instance it is resumed from), then followed. */
  async #follow(leased: LeasedJob, backup: BackupRecord, db?: DatabaseRecord) {
    const { backups, pollMs, pendingTimeoutMs } = this.#o.operator as NonNullable<
      BackupsServiceOptions["operator"]
    >;
    const ref = backup.operator as OperatorBackupRef;
    if (db !== undefined) await backups.start(db, backup.id);
    return followOperatorBackup(
      {
        operator: backups,
        storage: this.storage(),
        pollMs,
        pendingTimeoutMs,
        clock: this.#o.leases.clock,
        signal: this.#stopping.signal,
      },
      ref,
      leased,
    );
  }

  /** The API's own copy: the snapshot's files streamed from the database into the storage. */
  async #copy(
    leased: LeasedJob,
    backup: BackupRecord,
    db: DatabaseRecord,
    storage: BackupStorage,
  ): Promise<CopiedBackup> {
    const source = new SnapshotSource((name, args, kind) =>
      this.#o.connections.request(db, name, args, { kind }),
    );
    const progress = leased.job.progress as NonNullable<Job["progress"]>;
    let savedAt = Date.now();
    return copySnapshot(
      source,
      storage,
      backupPrefix(backup.accountId, backup.database, backup.id),
      {
        backup: backup.id,
        accountId: backup.accountId,
        database: backup.database,
        engine: backup.engine,
        stripes: backup.stripes,
      },
      {
        taken: async (snapshot) => {
          // series are created on the database before the catalog: every one in the snapshot is here
          backup.series = await this.#seriesOf(backup);
          progress.filesTotal = snapshot.files.length;
          progress.bytesTotal = snapshot.files.reduce((sum, f) => sum + f.bytes, 0);
          await leased.save();
        },
        chunk: async (bytes) => {
          progress.bytesDone += bytes;
          if (Date.now() - savedAt < SAVE_EVERY_MS) return;
          savedAt = Date.now();
          await leased.save();
        },
        stored: () => {
          progress.filesDone++;
        },
      },
    );
  }

  /** The series of the database incarnation the backup is of. */
  async #seriesOf(backup: BackupRecord): Promise<NonNullable<BackupRecord["series"]>> {
    const out: NonNullable<BackupRecord["series"]> = [];
    let after: string | undefined;
    do {
      const page = await this.#o.series.list(backup.accountId, backup.database, 100, after);
      for (const s of page.items)
        if (s.databaseUid === backup.databaseUid) out.push({ name: s.name, columns: s.columns });
      after = page.last;
    } while (after !== undefined);
    return out;
  }

  /** Deletes what a backup stored, and its KdbBackup first (a running Job stops, its uploads with it). */
  async #discard(backup: BackupRecord): Promise<void> {
    if (backup.operator !== undefined) await this.#o.operator?.backups.remove(backup.operator);
    await this.#o.storage?.deletePrefix(filesPrefix(backup));
  }

  /** Marks the backup failed and deletes whatever of it was stored. */
  async #failed(backup: BackupRecord, reason: string): Promise<void> {
    await this.#discard(backup).catch(() => undefined);
    const current = await this.#o.store.get(backup.accountId, backup.database, backup.id);
    if (current === undefined || current.status !== "running") return;
    Object.assign(current, {
      status: "failed",
      error: reason,
      finishedAt: new Date(this.#o.leases.clock()).toISOString(),
    } satisfies Partial<BackupRecord>);
    await this.#o.store.replace(current).catch(() => undefined);
  }

  /** The sweeper's clean-up of a backup job whose instance died. */
  async abandoned(stored: StoredJob): Promise<void> {
    if (stored.job.kind !== "backup" || stored.job.backup === undefined) return;
    const backup = await this.#o.store.get(stored.accountId, stored.job.database, stored.job.backup);
    if (backup !== undefined) await this.#failed(backup, stored.job.error ?? "its API instance stopped");
  }

  #visible(principal: Principal, database: string): void {
    requireAccountAdmin(principal, "managing backups");
    if (!canSeeDatabase(principal, database))
      throw new NotFoundError("DATABASE_NOT_FOUND", `no database named ${database}`);
  }

  /** Backups of a database, also after it was deleted (they outlive it). */
  async list(
    principal: Principal,
    database: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<BackupView>> {
    this.#visible(principal, database);
    const after =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, ["id"], (p) => /^[a-z2-9]{16}$/.test(p.id ?? "")).id;
    const page = await this.#o.store.list(principal.accountId, database, limit, after);
    return {
      items: page.items.map(backupView),
      nextCursor: page.last === undefined ? null : encodeCursor({ id: page.last }),
    };
  }

  async get(principal: Principal, database: string, id: string): Promise<BackupRecord> {
    this.#visible(principal, database);
    const backup = await this.#o.store.get(principal.accountId, database, id);
    if (backup === undefined)
      throw new NotFoundError("BACKUP_NOT_FOUND", `database ${database} has no backup ${id}`);
    return backup;
  }

  async delete(principal: Principal, database: string, id: string): Promise<void> {
    const backup = await this.get(principal, database, id);
    if (backup.status === "running")
      throw new ConflictError("BACKUP_RUNNING", `backup ${id} is still running; delete it once it ended`);
    await this.#discard(backup);
    await this.#o.store.delete(backup);
  }
}
