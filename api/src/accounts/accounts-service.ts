/** Accounts: created and managed by platform admins; any token may read its own account. */

import { isPlatformAdmin, type Principal } from "../auth/scopes.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors/errors.js";
import type { ChangeFeed } from "../events/change-feed.js";
import { ID_PATTERN, newAccountId } from "../ids.js";
import { decodeCursor, encodeCursor, type Page } from "../paging/cursors.js";
import type { AccountView, CreateAccountInput, UpdateAccountInput } from "./accounts-schemas.js";
import type { AccountRecord, AccountsStore } from "./accounts-store.js";
import { usageOf } from "./quota-ledger.js";

export type Quotas = AccountView["quotas"];

function requirePlatformAdmin(principal: Principal): void {
  if (!isPlatformAdmin(principal))
    throw new ForbiddenError("FORBIDDEN", "this needs the scope platform:admin");
}

export interface AccountsServiceOptions {
  store: AccountsStore;
  changes: ChangeFeed;
  defaultQuotas: Quotas;
  /** bytes the account's backups hold */
  backupBytes: (accountId: string) => Promise<number>;
  /** whether the account still has database items (ledger aside) */
  hasDatabases: (accountId: string) => Promise<boolean>;
  /** removes the account's tokens, publishing their deletion */
  deleteTokens: (accountId: string) => Promise<void>;
}

export class AccountsService {
  readonly #o: AccountsServiceOptions;

  constructor(options: AccountsServiceOptions) {
    this.#o = options;
  }

  /** The account's quotas: a quota its item lacks (added later) has the default. */
  quotas(account: AccountRecord): Quotas {
    return { ...this.#o.defaultQuotas, ...account.quotas };
  }

  async #view(account: AccountRecord): Promise<AccountView> {
    return {
      id: account.id,
      name: account.name,
      createdAt: account.createdAt,
      updatedAt: account.updatedAt,
      quotas: this.quotas(account),
      usage: { ...usageOf(account.ledger), backupBytes: await this.#o.backupBytes(account.id) },
    };
  }

  /** The account's backup storage quota in GiB (the default for an account without one). */
  async maxBackupGiB(accountId: string): Promise<number> {
    const account = await this.#o.store.get(accountId);
    return account === undefined ? 0 : this.quotas(account).maxBackupGiB;
  }

  /** Creates an account (no principal: the bootstrap path). */
  async createRecord(input: CreateAccountInput, id = newAccountId()): Promise<AccountRecord> {
    const now = new Date().toISOString();
    const account: AccountRecord = {
      id,
      name: input.name,
      createdAt: now,
      updatedAt: now,
      version: 1,
      quotas: { ...this.#o.defaultQuotas, ...input.quotas },
      ledger: {},
    };
    await this.#o.store.create(account);
    await this.#o.changes.changed({ type: "account.created", accountId: id });
    return account;
  }

  async create(principal: Principal, input: CreateAccountInput): Promise<AccountView> {
    requirePlatformAdmin(principal);
    return this.#view(await this.createRecord(input));
  }

  /** The account, if the principal may see it (its own, or any for a platform admin); else 404. */
  async visible(principal: Principal, accountId: string): Promise<AccountRecord> {
    const allowed = isPlatformAdmin(principal) || principal.accountId === accountId;
    const account = allowed ? await this.#o.store.get(accountId) : undefined;
    if (account === undefined) throw new NotFoundError("ACCOUNT_NOT_FOUND", `no account ${accountId}`);
    return account;
  }

  async get(principal: Principal, accountId: string): Promise<AccountView> {
    return this.#view(await this.visible(principal, accountId));
  }

  async list(principal: Principal, limit: number, cursor: string | undefined): Promise<Page<AccountView>> {
    requirePlatformAdmin(principal);
    const after =
      cursor === undefined ? undefined : decodeCursor(cursor, ["id"], (p) => ID_PATTERN.test(p.id ?? "")).id;
    const page = await this.#o.store.list(limit, after);
    return {
      items: await Promise.all(page.items.map((a) => this.#view(a))),
      nextCursor: page.last === undefined ? null : encodeCursor({ id: page.last }),
    };
  }

  async update(principal: Principal, accountId: string, input: UpdateAccountInput): Promise<AccountView> {
    requirePlatformAdmin(principal);
    const account = await this.visible(principal, accountId);
    const quotas = { ...this.quotas(account), ...input.quotas };
    const usage = usageOf(account.ledger);
    if (quotas.maxDatabases < usage.databases || quotas.maxStorageGiB < usage.storageGiB)
      throw new ConflictError(
        "QUOTA_BELOW_USAGE",
        `the account uses ${usage.databases} databases and ${usage.storageGiB} GiB`,
      );
    const updated: AccountRecord = {
      ...account,
      name: input.name ?? account.name,
      quotas,
      version: account.version + 1,
      updatedAt: new Date().toISOString(),
    };
    await this.#o.store.replace(updated, account.version);
    await this.#o.changes.changed({ type: "account.updated", accountId });
    return this.#view(updated);
  }

  async delete(principal: Principal, accountId: string): Promise<void> {
    requirePlatformAdmin(principal);
    const account = await this.visible(principal, accountId);
    if (usageOf(account.ledger).databases > 0 || (await this.#o.hasDatabases(accountId)))
      throw new ConflictError("ACCOUNT_NOT_EMPTY", "delete the account's databases first");
    await this.#o.store.delete(accountId, account.version);
    await this.#o.deleteTokens(accountId);
    await this.#o.changes.changed({ type: "account.deleted", accountId });
  }
}
