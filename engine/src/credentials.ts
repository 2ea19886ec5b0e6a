/** Logins: `user:password` pairs from a file (one per line) and/or the configuration. */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { EngineConfig } from "./config.js";

export type Authenticate = (user: string, password: string) => boolean;

export function loadAuthenticator(config: EngineConfig): Authenticate {
  if (config.allowAnonymous) return () => true;
  const pairs = [
    ...(config.credentialsFile === undefined
      ? []
      : readFileSync(config.credentialsFile, "utf8").split(/\r?\n/)),
    ...(config.credentials === undefined ? [] : [config.credentials]),
  ];
  const users = new Map<string, Buffer>();
  for (const line of pairs) {
    const colon = line.indexOf(":");
    if (line.trim() === "" || line.startsWith("#") || colon <= 0) continue;
    users.set(line.slice(0, colon), digest(line.slice(colon + 1)));
  }
  if (users.size === 0)
    throw new Error("no credentials configured (GURU_CREDENTIALS_FILE or GURU_CREDENTIALS)");
  return (user, password) => {
    const expected = users.get(user);
    // compare digests so the time taken says nothing about the password
    return expected !== undefined && timingSafeEqual(expected, digest(password));
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
