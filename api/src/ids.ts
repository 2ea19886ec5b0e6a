/**
 * Random identifiers: lowercase letters and digits without the look-alikes (l, o, 0, 1), so an id
 * read aloud or retyped survives, and every id is a valid DNS label part. 32 symbols: 5 bits each.
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  // 256 is a multiple of 32, so `byte % 32` is unbiased.
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return out;
}

export const ACCOUNT_ID_LENGTH = 10;
export const ID_PATTERN = /^[a-km-np-z2-9]+$/;

export function newAccountId(): string {
  return randomId(ACCOUNT_ID_LENGTH);
}

/** A database incarnation: a database deleted and created again under its name gets a new uid. */
export function newUid(): string {
  return randomId(16);
}
