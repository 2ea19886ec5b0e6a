/**
 * Databases: the rules of their lifecycle. Requests only change the catalog (and the quota ledger)
 * and answer 202; the reconciler (databases-reconciler.ts) makes the provisioner follow.
 */
import type { QuotaLedger } from "../accounts/quota-ledger.js";
import { DATABASE_NAME_PATTERN } from "../auth/database-name.js";
import {
  ACCOUNT_ADMIN,
  type Access,
  canAccessDatabase,
  canSeeDatabase,
  type Principal,
} from "../auth/scopes.js";
import type { BackupSchedule } from "../backups/backups-schemas.js";
import { type Cache, type CacheTtl, cacheKeys, readThrough } from "../cache/cache.js";
import { CatalogConflict } from "../catalog/table.js";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../errors/errors.js";
import type { ChangeFeed } from "../events/change-feed.js";
import { newUid } from "../ids.js";
import type { ApiMetrics } from "../metrics.js";
import { decodeCursor, encodeCursor, type Page } from "../paging/cursors.js";
import type { Provisioner } from "../provisioning/provisioner.js";
import type { CreateDatabaseInput, DatabaseView, UpdateDatabaseInput } from "./databases-schemas.js";
import { type DatabaseRecord, type DatabasesStore, TERMINAL, totalGiB } from "./databases-store.js";

function recordView(db: DatabaseRecord): DatabaseView {
  return {
    name: db.name,
    region: db.region,
    engine: db.engine,
    size: db.size,
    storage: { ...db.storage, totalGiB: totalGiB(db) },
    retention: db.retentionDays == null ? null : { days: db.retentionDays },
    backup: db.backup ?? null,
    restoredFrom: db.restore ?? null,
    status: db.status,
    statusReason: db.statusReason,
    createdAt: db.createdAt,
    updatedAt: db.updatedAt,
  };
}

export function etagOf(db: DatabaseRecord): string {
  return `"${db.version}"`;
}

function requireAccountAdmin(principal: Principal): void {
  if (!principal.scopes.includes(ACCOUNT_ADMIN))
    throw new ForbiddenError("FORBIDDEN", "managing databases needs the scope account:admin");
}

export interface DatabasesServiceOptions {
  store: DatabasesStore;
  ledger: QuotaLedger;
  changes: ChangeFeed;
  cache: Cache;
  ttl: CacheTtl;
  metrics: ApiMetrics;
  provisioner: Provisioner;
  region: string;
  regions: readonly string[];
  /** whether kdb may be asked for (a licence is configured) */
  kdbAvailable: boolean;
  /** wakes the reconciler after a change */
  kick: () => void;
  /**
   * keeps the backup scheduler's slot in step with a database's schedule (backups/backup-scheduler.ts):
   * called before a schedule is written, and after one is removed
   */
  scheduleBackups?: (accountId: string, name: string, schedule: BackupSchedule | null) => Promise<void>;
  /** checks a `restoreFrom` backup (backups/restore-service.ts) */
  planRestore?: (
    principal: Principal,
    from: NonNullable<CreateDatabaseInput["restoreFrom"]>,
  ) => Promise<{
    restore: NonNullable<DatabaseRecord["restore"]>;
    stripes: number;
    engine: DatabaseRecord["engine"];
  }>;
}

export class DatabasesService {
  readonly #o: DatabasesServiceOptions;

  constructor(options: DatabasesServiceOptions) {
    this.#o = options;
  }

  /**
   * The database as clients see it: the catalog's status, except that a ready database whose
   * provisioner sees it not serving right now (local mode: its engine is restarting or failed)
   * says so rather than `ready`.
   */
  view(db: DatabaseRecord): DatabaseView {
    const view = recordView(db);
    const seen = db.status === "ready" ? this.#o.provisioner.serving?.(db) : undefined;
    if (seen === undefined || seen.state === "ready") return view;
    if (seen.state === "failed") return { ...view, status: "failed", statusReason: seen.reason };
    const detail = seen.state === "progressing" ? seen.detail : undefined;
    return { ...view, status: "provisioning", statusReason: detail ?? "not running; starts on its next use" };
  }

  /** The database through the cache (the data plane's lookup), or undefined. */
  async lookup(accountId: string, name: string): Promise<DatabaseRecord | undefined> {
    return readThrough(
      this.#o.cache,
      this.#o.metrics,
      "database",
      cacheKeys.database(accountId, name),
      this.#o.ttl,
      () => this.#o.store.get(accountId, name),
    );
  }

  /**
   * The principal's database `name` if it may `access` it: 404 when absent or invisible to the
   * token, 403 when visible but the access is not granted. Issue 6's data routes start here.
   */
  async resolve(principal: Principal, name: string, access: Access | "see"): Promise<DatabaseRecord> {
    const db = await this.lookup(principal.accountId, name);
    if (db === undefined || !canSeeDatabase(principal, name))
      throw new NotFoundError("DATABASE_NOT_FOUND", `no database named ${name}`);
    if (access !== "see" && !canAccessDatabase(principal, name, access))
      throw new ForbiddenError("FORBIDDEN", `this needs the scope db:${name}:${access}`);
    return db;
  }

  /** As resolve, and the database must be ready (409 DATABASE_NOT_READY otherwise). */
  async resolveReady(principal: Principal, name: string, access: Access): Promise<DatabaseRecord> {
    const db = await this.resolve(principal, name, access);
    if (db.status !== "ready")
      throw new ConflictError("DATABASE_NOT_READY", `database ${name} is ${db.status}, not ready`);
    return db;
  }

  async create(principal: Principal, input: CreateDatabaseInput): Promise<DatabaseRecord> {
    requireAccountAdmin(principal);
    const region = input.region ?? this.#o.region;
    if (!this.#o.regions.includes(region))
      throw new UnprocessableError(
        "REGION_UNAVAILABLE",
        `region ${region} is not one of ${this.#o.regions.join(", ")}`,
      );
    if (
      !this.#o.provisioner.supportsEngine(input.engine) ||
      (input.engine === "kdb" && !this.#o.kdbAvailable)
    )
      throw new UnprocessableError("ENGINE_UNAVAILABLE", `this installation cannot run ${input.engine}`);
    let restore: DatabaseRecord["restore"] = null;
    let stripes = input.storage.stripes;
    if (input.restoreFrom !== undefined) {
      if (this.#o.planRestore === undefined)
        throw new UnprocessableError("RESTORE_UNAVAILABLE", "this installation cannot restore backups");
      const plan = await this.#o.planRestore(principal, input.restoreFrom);
      if (plan.engine !== input.engine)
        throw new UnprocessableError("BACKUP_NOT_RESTORABLE", `the backup is of a ${plan.engine} database`);
      // the backup's files are per stripe: the new database has as many
      restore = plan.restore;
      stripes = plan.stripes;
    }
    const storage = { stripes, stripeSizeGiB: input.storage.stripeSizeGiB };
    if (input.backup !== null) this.#canSchedule();
    await this.#o.ledger.reserve(principal.accountId, input.name, storage.stripes * storage.stripeSizeGiB);
    if (input.backup !== null) await this.#schedule(principal.accountId, input.name, input.backup);
    const now = new Date().toISOString();
    const db: DatabaseRecord = {
      accountId: principal.accountId,
      name: input.name,
      uid: newUid(),
      region,
      engine: input.engine,
      size: input.size,
      storage,
      retentionDays: input.retention?.days ?? null,
      restore,
      backup: input.backup,
      status: "pending",
      statusReason: null,
      generation: 1,
      appliedGeneration: 0,
      createdAt: now,
      updatedAt: now,
      statusChangedAt: now,
      version: 1,
    };
    try {
      await this.#o.store.create(db);
    } catch (err) {
      // The ledger had no entry, yet the item exists: a leftover of a crash; the item keeps the entry.
      if (err instanceof CatalogConflict)
        throw new ConflictError("DATABASE_EXISTS", `a database named ${input.name} exists`);
      await this.#o.ledger.release(principal.accountId, input.name).catch(() => undefined);
      throw err;
    }
    await this.#o.changes.changed({ type: "database.created", accountId: db.accountId, database: db.name });
    this.#o.kick();
    return db;
  }

  async get(principal: Principal, name: string): Promise<DatabaseRecord> {
    return this.resolve(principal, name, "see");
  }

  async list(principal: Principal, limit: number, cursor: string | undefined): Promise<Page<DatabaseView>> {
    const after =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, ["name"], (p) => DATABASE_NAME_PATTERN.test(p.name ?? "")).name;
    const page = await this.#o.store.list(principal.accountId, limit, after);
    return {
      items: page.items.filter((db) => canSeeDatabase(principal, db.name)).map((db) => this.view(db)),
      nextCursor: page.last === undefined ? null : encodeCursor({ name: page.last }),
    };
  }

  /** Consistent read for a change, with the If-Match check. */
  async #forChange(principal: Principal, name: string, ifMatch: string | undefined): Promise<DatabaseRecord> {
    requireAccountAdmin(principal);
    const db = await this.#o.store.get(principal.accountId, name);
    if (db === undefined) throw new NotFoundError("DATABASE_NOT_FOUND", `no database named ${name}`);
    if (ifMatch !== undefined && ifMatch !== etagOf(db))
      throw new ConflictError(
        "PRECONDITION_FAILED",
        `database ${name} is at ETag ${etagOf(db)}, not ${ifMatch}`,
      );
    return db;
  }

  #canSchedule(): NonNullable<DatabasesServiceOptions["scheduleBackups"]> {
    if (this.#o.scheduleBackups === undefined)
      throw new UnprocessableError(
        "BACKUPS_UNAVAILABLE",
        "this installation has no backup storage configured",
      );
    return this.#o.scheduleBackups;
  }

  async #schedule(accountId: string, name: string, schedule: BackupSchedule | null): Promise<void> {
    await this.#canSchedule()(accountId, name, schedule);
  }

  /**
   * Changes size, grows storage, sets retention or the backup schedule; `changed` is false when
   * the database itself has nothing to apply (a backup schedule takes effect at once).
   */
  async update(
    principal: Principal,
    name: string,
    input: UpdateDatabaseInput,
    ifMatch: string | undefined,
  ): Promise<{ db: DatabaseRecord; changed: boolean }> {
    const db = await this.#forChange(principal, name, ifMatch);
    if (!TERMINAL.includes(db.status))
      throw new ConflictError(
        "DATABASE_BUSY",
        `database ${name} is ${db.status}; retry once it is ready or failed`,
      );
    if (input.storage?.stripes !== undefined && input.storage.stripes !== db.storage.stripes)
      throw new UnprocessableError(
        "STRIPES_IMMUTABLE",
        `the database has ${db.storage.stripes} stripes, for good`,
      );
    const stripeSizeGiB = input.storage?.stripeSizeGiB ?? db.storage.stripeSizeGiB;
    if (stripeSizeGiB < db.storage.stripeSizeGiB)
      throw new UnprocessableError(
        "STORAGE_SHRINK",
        `stripes are ${db.storage.stripeSizeGiB} GiB; they can grow, not shrink to ${stripeSizeGiB}`,
      );
    const size = input.size ?? db.size;
    const retentionDays =
      input.retention === undefined ? (db.retentionDays ?? null) : (input.retention?.days ?? null);
    const backup = input.backup === undefined ? (db.backup ?? null) : input.backup;
    const backupChanged = JSON.stringify(backup) !== JSON.stringify(db.backup ?? null);
    const provisioned =
      size !== db.size ||
      stripeSizeGiB !== db.storage.stripeSizeGiB ||
      retentionDays !== (db.retentionDays ?? null) ||
      db.status !== "ready";
    if (!provisioned && !backupChanged) return { db, changed: false };
    if (backupChanged && backup !== null) await this.#schedule(db.accountId, db.name, backup);
    if (!provisioned) return { db: await this.#setBackup(db, backup), changed: false };
    const storage = { stripes: db.storage.stripes, stripeSizeGiB };
    const grows = stripeSizeGiB > db.storage.stripeSizeGiB;
    if (grows) await this.#o.ledger.resize(db.accountId, db.name, totalGiB({ storage }));
    const now = new Date().toISOString();
    const updated: DatabaseRecord = {
      ...db,
      size,
      storage,
      retentionDays,
      backup,
      status: "updating",
      statusReason: null,
      generation: db.generation + 1,
      updatedAt: now,
      statusChangedAt: now,
      version: db.version + 1,
    };
    try {
      await this.#o.store.replace(updated, db.version);
    } catch (err) {
      if (grows) await this.#o.ledger.resize(db.accountId, db.name, totalGiB(db)).catch(() => undefined);
      throw err;
    }
    await this.#o.changes.changed({ type: "database.updated", accountId: db.accountId, database: db.name });
    if (backupChanged && backup === null) await this.#schedule(db.accountId, db.name, null);
    this.#o.kick();
    return { db: updated, changed: true };
  }

  /** Changes only the backup schedule: nothing for the provisioner to do. */
  async #setBackup(db: DatabaseRecord, backup: BackupSchedule | null): Promise<DatabaseRecord> {
    const updated: DatabaseRecord = {
      ...db,
      backup,
      updatedAt: new Date().toISOString(),
      version: db.version + 1,
    };
    await this.#o.store.replace(updated, db.version);
    await this.#o.changes.changed({ type: "database.updated", accountId: db.accountId, database: db.name });
    if (backup === null) await this.#schedule(db.accountId, db.name, null);
    return updated;
  }

  /** Starts deleting the database (idempotent): status deleting, then gone. */
  async delete(principal: Principal, name: string, ifMatch: string | undefined): Promise<DatabaseRecord> {
    const db = await this.#forChange(principal, name, ifMatch);
    if (db.status === "deleting") return db;
    const now = new Date().toISOString();
    const deleting: DatabaseRecord = {
      ...db,
      status: "deleting",
      statusReason: null,
      updatedAt: now,
      statusChangedAt: now,
      version: db.version + 1,
    };
    await this.#o.store.replace(deleting, db.version);
    await this.#o.changes.changed({ type: "database.updated", accountId: db.accountId, database: db.name });
    this.#o.kick();
    return deleting;
  }
}
