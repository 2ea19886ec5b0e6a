/**
 * Tokens: minted by account admins (or platform admins) with scopes they may grant, listed without
 * secrets, revoked. Authentication reads the token through the cache (one GetItem on a miss),
 * and compares hashes in constant time.
 */
import type { AccountsService } from "../accounts/accounts-service.js";
import { canAdminAccount, canGrant, type Principal } from "../auth/scopes.js";
import { type Cache, type CacheTtl, cacheKeys, readThrough } from "../cache/cache.js";
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../errors/errors.js";
import type { ChangeFeed } from "../events/change-feed.js";
import type { ApiMetrics } from "../metrics.js";
import { decodeCursor, encodeCursor, type Page } from "../paging/cursors.js";
import { hashToken, newToken, parseToken, tokenMatches } from "./token-secret.js";
import type { CreateTokenInput, TokenView } from "./tokens-schemas.js";
import type { TokenRecord, TokensStore } from "./tokens-store.js";

export function tokenStatus(token: TokenRecord, now: number): TokenView["status"] {
  if (token.revokedAt !== null) return "revoked";
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

export function tokenView(token: TokenRecord, now: number): TokenView {
  return {
    id: token.id,
    accountId: token.accountId,
    name: token.name,
    scopes: token.scopes,
    status: tokenStatus(token, now),
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  };
}

/** An unknown token still costs a hash and a comparison, like a known one. */
const DUMMY_HASH = hashToken("tsg_unknown");

export interface TokensServiceOptions {
  store: TokensStore;
  accounts: AccountsService;
  changes: ChangeFeed;
  cache: Cache;
  ttl: CacheTtl;
  metrics: ApiMetrics;
  /** ms since 1970 that expiry is judged by (tests: an injected clock) */
  clock?: () => number;
}

export class TokensService {
  readonly #o: TokensServiceOptions;
  readonly #now: () => number;

  constructor(options: TokensServiceOptions) {
    this.#o = options;
    this.#now = options.clock ?? Date.now;
  }

  /** The principal of an `Authorization` header value; 401 with a precise code otherwise. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const fail = (
      code: "AUTH_MISSING" | "AUTH_INVALID" | "AUTH_EXPIRED" | "AUTH_REVOKED",
      detail: string,
    ) => {
      this.#o.metrics.authFailures.inc({ code });
      return new UnauthorizedError(code, detail);
    };
    if (authorization === undefined || authorization.trim() === "")
      throw fail("AUTH_MISSING", "send Authorization: Bearer <token>");
    const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    const parsed = token === undefined ? undefined : parseToken(token);
    if (token === undefined || parsed === undefined)
      throw fail("AUTH_INVALID", "expected Authorization: Bearer tsg_<id>_<secret>");
    const record = await readThrough(
      this.#o.cache,
      this.#o.metrics,
      "token",
      cacheKeys.token(parsed.tokenId),
      this.#o.ttl,
      () => this.#o.store.get(parsed.accountId, parsed.tokenId),
    );
    if (!tokenMatches(token, record?.hash ?? DUMMY_HASH) || record === undefined)
      throw fail("AUTH_INVALID", "unknown token");
    const status = tokenStatus(record, this.#now());
    if (status === "revoked") throw fail("AUTH_REVOKED", `token ${record.id} was revoked`);
    if (status === "expired") throw fail("AUTH_EXPIRED", `token ${record.id} expired at ${record.expiresAt}`);
    return { tokenId: record.id, accountId: record.accountId, scopes: record.scopes };
  }

  /** Mints a token with no caller (bootstrap). */
  async mint(
    accountId: string,
    name: string,
    scopes: string[],
    createdBy: string | null,
    expiresAt: string | null,
  ) {
    const { tokenId, token, hash } = newToken(accountId);
    const record: TokenRecord = {
      id: tokenId,
      accountId,
      name,
      scopes: [...new Set(scopes)],
      hash,
      createdAt: new Date().toISOString(),
      expiresAt,
      revokedAt: null,
      createdBy,
      version: 1,
    };
    await this.#o.store.create(record);
    await this.#o.changes.changed({ type: "token.created", accountId, tokenId });
    return { record, secret: token };
  }

  /** 404 for an account the principal may not see, 403 for one it may see but not administer. */
  async #adminOf(principal: Principal, accountId: string): Promise<void> {
    await this.#o.accounts.visible(principal, accountId);
    if (!canAdminAccount(principal, accountId))
      throw new ForbiddenError("FORBIDDEN", "managing tokens needs the scope account:admin");
  }

  async create(principal: Principal, accountId: string, input: CreateTokenInput) {
    await this.#adminOf(principal, accountId);
    const refused = input.scopes.filter((scope) => !canGrant(principal, accountId, scope));
    if (refused.length > 0)
      throw new ForbiddenError("SCOPE_NOT_GRANTABLE", `this token may not grant: ${refused.join(", ")}`);
    let expiresAt: string | null = null;
    if (input.expiresInSeconds !== undefined)
      expiresAt = new Date(this.#now() + input.expiresInSeconds * 1000).toISOString();
    else if (input.expiresAt !== undefined) {
      if (Date.parse(input.expiresAt) <= this.#now())
        throw new ValidationError([
          { code: "custom", path: ["body", "expiresAt"], message: "must be in the future" },
        ]);
      expiresAt = new Date(input.expiresAt).toISOString();
    }
    const { record, secret } = await this.mint(
      accountId,
      input.name,
      input.scopes,
      principal.tokenId,
      expiresAt,
    );
    return { token: tokenView(record, this.#now()), secret };
  }

  async #find(principal: Principal, accountId: string, tokenId: string): Promise<TokenRecord> {
    await this.#adminOf(principal, accountId);
    const token = await this.#o.store.get(accountId, tokenId);
    if (token === undefined)
      throw new NotFoundError("TOKEN_NOT_FOUND", `no token ${tokenId} in account ${accountId}`);
    return token;
  }

  async get(principal: Principal, accountId: string, tokenId: string): Promise<TokenView> {
    return tokenView(await this.#find(principal, accountId, tokenId), this.#now());
  }

  async list(
    principal: Principal,
    accountId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<TokenView>> {
    await this.#adminOf(principal, accountId);
    const after =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, ["id"], (p) => p.id?.startsWith(accountId) === true).id;
    const page = await this.#o.store.list(accountId, limit, after);
    return {
      items: page.items.map((token) => tokenView(token, this.#now())),
      nextCursor: page.last === undefined ? null : encodeCursor({ id: page.last }),
    };
  }

  /** Revokes a token (idempotent); every cache learns it through the change event. */
  async revoke(principal: Principal, accountId: string, tokenId: string): Promise<void> {
    const token = await this.#find(principal, accountId, tokenId);
    if (token.revokedAt !== null) return;
    await this.#o.store.replace(
      { ...token, revokedAt: new Date().toISOString(), version: token.version + 1 },
      token.version,
    );
    await this.#o.changes.changed({ type: "token.revoked", accountId, tokenId });
  }

  /** Deletes every token of an account (the account is being deleted). */
  async deleteAll(accountId: string): Promise<void> {
    for (const tokenId of await this.#o.store.deleteAll(accountId))
      await this.#o.changes.changed({ type: "token.deleted", accountId, tokenId });
  }
}
