/**
 * Quotas per account, kept as a ledger on the account item: the storage reserved for each of its
 * databases. DynamoDB's conditional writes (no transactions: dynalite has none, and one item
 * suffices) make every change atomic: read the account, check the quota, write it back if its
 * version is unchanged, retry on a race.
 *
 * Order of writes, so that the ledger never lacks a live database: a create reserves before the
 * database item is written, a delete releases after it is gone, a resize reserves the new size
 * first. A crash between the two writes leaves a ledger entry too many (or too large); before
 * refusing a request for quota, the ledger is audited against the database items and such
 * leftovers older than a minute are dropped, so they never block anyone.
 */

import { CatalogConflict } from "../catalog/table.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors/errors.js";
import type { AccountRecord, AccountsStore, Ledger } from "./accounts-store.js";

export function usageOf(ledger: Ledger): { databases: number; storageGiB: number } {
  const entries = Object.values(ledger);
  return { databases: entries.length, storageGiB: entries.reduce((sum, e) => sum + e.gib, 0) };
}

/** name → GiB of every database item of the account, as the catalog holds them now. */
export type ActualStorage = (accountId: string) => Promise<Record<string, number>>;

const GRACE_MS = 60_000;
const ATTEMPTS = 8;

class QuotaExceeded extends Error {
  readonly which: "databases" | "storage";
  constructor(which: "databases" | "storage") {
    super(which);
    this.which = which;
  }
}

export class QuotaLedger {
  readonly #accounts: AccountsStore;
  readonly #actual: ActualStorage;
  readonly #now: () => number;

  constructor(accounts: AccountsStore, actual: ActualStorage, now: () => number = Date.now) {
    this.#accounts = accounts;
    this.#actual = actual;
    this.#now = now;
  }

  /** Applies `change` (undefined: nothing to do) to the account's ledger, retrying on races. */
  async #modify(accountId: string, change: (account: AccountRecord) => Ledger | undefined): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const account = await this.#accounts.get(accountId);
      if (account === undefined) throw new NotFoundError("ACCOUNT_NOT_FOUND", `no account ${accountId}`);
      const ledger = change(account);
      if (ledger === undefined) return;
      try {
        await this.#accounts.replace(
          {
            ...account,
            ledger,
            version: account.version + 1,
            updatedAt: new Date(this.#now()).toISOString(),
          },
          account.version,
        );
        return;
      } catch (err) {
        if (!(err instanceof CatalogConflict)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new CatalogConflict("the account changed too often while its quota was updated; retry");
  }

  /** Runs a quota-checked change; on a quota refusal, audits the ledger once and tries again. */
  async #checked(
    accountId: string,
    change: (account: AccountRecord) => Ledger | undefined,
    gib: number,
  ): Promise<void> {
    for (let audited = false; ; audited = true) {
      try {
        await this.#modify(accountId, change);
        return;
      } catch (err) {
        if (!(err instanceof QuotaExceeded)) throw err;
        if (!audited && (await this.audit(accountId))) continue;
        const account = await this.#accounts.get(accountId);
        const usage = usageOf(account?.ledger ?? {});
        const quota = {
          name: err.which === "databases" ? "maxDatabases" : "maxStorageGiB",
          limit: err.which === "databases" ? account?.quotas.maxDatabases : account?.quotas.maxStorageGiB,
          used: err.which === "databases" ? usage.databases : usage.storageGiB,
          requested: err.which === "databases" ? 1 : gib,
        };
        throw new ForbiddenError(
          err.which === "databases" ? "QUOTA_DATABASES_EXCEEDED" : "QUOTA_STORAGE_EXCEEDED",
          err.which === "databases"
            ? `the account has ${quota.used} of ${quota.limit} databases`
            : `the account uses ${quota.used} of ${quota.limit} GiB; ${gib} GiB more would exceed it`,
          { extensions: { quota } },
        );
      }
    }
  }

  /** Reserves `gib` for a new database; DATABASE_EXISTS when the name is taken. */
  async reserve(accountId: string, database: string, gib: number): Promise<void> {
    await this.#checked(
      accountId,
      (account) => {
        if (account.ledger[database] !== undefined)
          throw new ConflictError("DATABASE_EXISTS", `a database named ${database} exists`);
        const usage = usageOf(account.ledger);
        if (usage.databases + 1 > account.quotas.maxDatabases) throw new QuotaExceeded("databases");
        if (usage.storageGiB + gib > account.quotas.maxStorageGiB) throw new QuotaExceeded("storage");
        return { ...account.ledger, [database]: { gib, at: new Date(this.#now()).toISOString() } };
      },
      gib,
    );
  }

  /** Sets a database's reservation to `gib` (growing is quota-checked). */
  async resize(accountId: string, database: string, gib: number): Promise<void> {
    await this.#checked(
      accountId,
      (account) => {
        const current = account.ledger[database]?.gib ?? 0;
        if (current === gib && account.ledger[database] !== undefined) return undefined;
        const usage = usageOf(account.ledger);
        if (gib > current && usage.storageGiB - current + gib > account.quotas.maxStorageGiB)
          throw new QuotaExceeded("storage");
        return { ...account.ledger, [database]: { gib, at: new Date(this.#now()).toISOString() } };
      },
      gib,
    );
  }

  async release(accountId: string, database: string): Promise<void> {
    await this.#modify(accountId, (account) => {
      if (account.ledger[database] === undefined) return undefined;
      const { [database]: _gone, ...rest } = account.ledger;
      return rest;
    });
  }

  /** Makes ledger entries older than the grace period match the database items; true if it changed any. */
  async audit(accountId: string): Promise<boolean> {
    const actual = await this.#actual(accountId);
    let changed = false;
    await this.#modify(accountId, (account) => {
      const cutoff = this.#now() - GRACE_MS;
      const ledger: Ledger = { ...account.ledger };
      for (const [name, entry] of Object.entries(account.ledger)) {
        if (Date.parse(entry.at) > cutoff) continue;
        const real = actual[name];
        if (real === undefined) delete ledger[name];
        else if (real !== entry.gib) ledger[name] = { ...entry, gib: real };
      }
      for (const [name, gib] of Object.entries(actual))
        if (ledger[name] === undefined) ledger[name] = { gib, at: new Date(this.#now()).toISOString() };
      changed = JSON.stringify(ledger) !== JSON.stringify(account.ledger);
      return changed ? ledger : undefined;
    });
    return changed;
  }
}
