/**
 * Scopes and the checks made with them. A token holds a list of scopes:
 * - `platform:admin`: manage every account (create accounts, mint tokens in any account);
 * - `account:admin`: everything within its own account (databases, series, tokens);
 * - `db:<name>:read` / `db:<name>:write`: one database of its account (`*` for all of them).
 * Write does not imply read, so an ingest agent's token cannot read data back.
 */
import { z } from "zod";
import { DATABASE_NAME_SOURCE } from "./database-name.js";

export const PLATFORM_ADMIN = "platform:admin";
export const ACCOUNT_ADMIN = "account:admin";
export type Access = "read" | "write";

const SCOPE_PATTERN = new RegExp(
  `^(platform:admin|account:admin|db:(\\*|${DATABASE_NAME_SOURCE}):(read|write))$`,
);

export const scopeSchema = z
  .string()
  .regex(SCOPE_PATTERN, "a scope is platform:admin, account:admin, db:<name>:read or db:<name>:write")
  .meta({
    description: "platform:admin, account:admin, db:<name|*>:read or db:<name|*>:write",
    example: "db:metrics:read",
  });

/** The authenticated caller. */
export interface Principal {
  tokenId: string;
  accountId: string;
  scopes: readonly string[];
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.scopes.includes(PLATFORM_ADMIN);
}

/** May manage the account's tokens and databases (or, as platform admin, any account's tokens). */
export function canAdminAccount(principal: Principal, accountId: string): boolean {
  return (
    isPlatformAdmin(principal) ||
    (principal.accountId === accountId && principal.scopes.includes(ACCOUNT_ADMIN))
  );
}

/** May read or write one database of the principal's own account. */
export function canAccessDatabase(principal: Principal, database: string, access: Access): boolean {
  return (
    principal.scopes.includes(ACCOUNT_ADMIN) ||
    principal.scopes.includes(`db:${database}:${access}`) ||
    principal.scopes.includes(`db:*:${access}`)
  );
}

/** May see that a database exists (any access to it). */
export function canSeeDatabase(principal: Principal, database: string): boolean {
  return canAccessDatabase(principal, database, "read") || canAccessDatabase(principal, database, "write");
}

/** Whether `granter` may create a token with `scope` in `accountId`. */
export function canGrant(granter: Principal, accountId: string, scope: string): boolean {
  if (scope === PLATFORM_ADMIN) return isPlatformAdmin(granter);
  return canAdminAccount(granter, accountId);
}
