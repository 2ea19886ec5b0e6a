/**
 * Random identifiers: lowercase letters and digits without the look-alikes (l, o, 0, 1), so an id
 * read aloud or retyped survives, and every id is a valid DNS label part. 32 symbols: 5 bits each.
 */
import { randomBytes, randomInt } from "node:crypto";

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

/** The letters of ALPHABET: an account id starts with one. */
const LETTERS = ALPHABET.replace(/[0-9]/g, "");

/**
 * An account id leads the names of its databases' KdbDatabase resources (`<account>-<db>`),
 * which Kubernetes DNS labels and our CRD require to start with a letter.
 */
export function newAccountId(): string {
  return LETTERS[randomInt(LETTERS.length)] + randomId(ACCOUNT_ID_LENGTH - 1);
}

/** A database incarnation: a database deleted and created again under its name gets a new uid. */
export function newUid(): string {
  return randomId(16);
}
