/**
 * API token strings: `tsg_<id>_<secret>`.
 * - id: 22 characters, the account id (10) then 12 random ones. It is not secret: it names the
 *   token in URLs and logs, and it locates the token record (one GetItem, no scan).
 * - secret: 32 random bytes in base64url (43 characters), 256 bits of entropy.
 * Only sha256 of the whole token string is stored. A slow password hash (bcrypt, argon2) exists
 * to stop guessing of low-entropy passwords; a 256-bit random secret cannot be guessed, so a fast
 * hash loses nothing, and keeps authentication at microseconds on every request. The comparison
 * of digests runs in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ACCOUNT_ID_LENGTH, randomId } from "../ids.js";

export const TOKEN_PREFIX = "tsg_";
const TOKEN_PATTERN = /^tsg_([a-km-np-z2-9]{22})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  tokenId: string;
  accountId: string;
}

export interface NewToken {
  tokenId: string;
  /** the full token string, shown to its owner once */
  token: string;
  /** what the catalog keeps */
  hash: string;
}

export function newToken(accountId: string): NewToken {
  const tokenId = `${accountId}${randomId(12)}`;
  const token = `${TOKEN_PREFIX}${tokenId}_${randomBytes(32).toString("base64url")}`;
  return { tokenId, token, hash: hashToken(token) };
}

export function parseToken(token: string): ParsedToken | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return undefined;
  const tokenId = match[1]!;
  return { tokenId, accountId: tokenId.slice(0, ACCOUNT_ID_LENGTH) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** Whether `token` hashes to `storedHash`, in time independent of where they differ. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = createHash("sha256").update(token, "utf8").digest();
  const stored = Buffer.from(storedHash, "base64url");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
