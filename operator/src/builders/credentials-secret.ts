/**
 * The credentials Secret generated when the one a database names is absent: one login `guru`
 * with a random 32-character password, in the forms the data plane (`credentials`:
 * `user:password` lines) and clients (`username`, `password`) read. Its values are never logged.
 */
import { randomBytes } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { CREDENTIALS_KEY, childMetadata, credentialsSecretName } from "./names.js";

export const GENERATED_USER = "guru";

/** A password of URL-safe characters (no `:`, which separates user from password). */
export function randomPassword(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

export function buildCredentialsSecret(db: KdbDatabase, password = randomPassword()): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: childMetadata(db, credentialsSecretName(db)),
    type: "Opaque",
    stringData: {
      username: GENERATED_USER,
      password,
      [CREDENTIALS_KEY]: `${GENERATED_USER}:${password}\n`,
    },
  };
}
