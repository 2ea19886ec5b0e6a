/**
 * The Secrets a database pod mounts: the credentials Secret (generated with a random password
 * when absent; one the user provides is never changed) and, for kdb, the licence. The pod
 * template carries their content hashes, so a change of either rolls the pod.
 */
import type { V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { contentHash } from "../builders/config-map.js";
import { buildCredentialsSecret } from "../builders/credentials-secret.js";
import { CREDENTIALS_KEY, credentialsSecretName } from "../builders/names.js";
import type { PodInputs } from "../builders/stateful-set.js";
import { isApiError } from "../kube/api-error.js";
import type { DatabaseContext } from "./database-deps.js";
import type { Blocker } from "./kdb-database-status.js";
import { BlockerReason, DatabaseEvent } from "./reasons.js";

export type SecretInputs = Omit<PodInputs, "image" | "configHash">;

/** What the pod needs from Secrets: content hashes, or what is wrong. */
export type SecretsResult = { inputs: SecretInputs } | { blocker: Blocker };

/** The credentials Secret (generated when absent) and, for kdb, the licence Secret. */
export async function resolveSecrets(
  ctx: DatabaseContext,
  db: KdbDatabase,
  log: Logger,
): Promise<SecretsResult> {
  const credentialsName = credentialsSecretName(db);
  const credentials =
    (await readSecret(ctx, db.metadata.namespace!, credentialsName)) ??
    (await generateCredentials(ctx, db, log));
  const file = secretValue(credentials, CREDENTIALS_KEY);
  if (!file || !/^[^:\s]+:.+/m.test(file)) {
    return {
      blocker: {
        reason: BlockerReason.CredentialsInvalid,
        message: `Secret ${credentialsName} has no key ${CREDENTIALS_KEY} holding user:password lines.`,
      },
    };
  }
  const inputs: SecretInputs = { credentialsHash: contentHash(file) };
  if (db.spec.engine !== "kdb" || !db.spec.licenseSecret) return { inputs };
  const license = await licenseHash(ctx, db);
  return "blocker" in license ? license : { inputs: { ...inputs, licenseHash: license.hash } };
}

/** The hash of the kdb+ licence, or why it is missing. */
async function licenseHash(
  ctx: DatabaseContext,
  db: KdbDatabase,
): Promise<{ hash: string } | { blocker: Blocker }> {
  const namespace = db.metadata.namespace!;
  const license = db.spec.licenseSecret!;
  const secret = await readSecret(ctx, namespace, license.name);
  const content = secret && secretValue(secret, license.key);
  if (content) return { hash: contentHash(content) };
  return {
    blocker: {
      reason: BlockerReason.LicenseMissing,
      message: secret
        ? `Secret ${license.name} has no key ${license.key}: kdb+ cannot start without its licence.`
        : `Secret ${license.name} (the kdb+ licence, key ${license.key}) does not exist in ${namespace}.`,
    },
  };
}

async function readSecret(
  ctx: DatabaseContext,
  namespace: string,
  name: string,
): Promise<V1Secret | undefined> {
  try {
    return await ctx.kube.core.readNamespacedSecret({ name, namespace });
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw new Error(`while reading Secret ${name}`, { cause: err });
  }
}

async function generateCredentials(ctx: DatabaseContext, db: KdbDatabase, log: Logger): Promise<V1Secret> {
  const secret = buildCredentialsSecret(db);
  const namespace = db.metadata.namespace!;
  try {
    const created = await ctx.kube.core.createNamespacedSecret({ namespace, body: secret });
    log.info({ secret: secret.metadata?.name }, "Generated the credentials Secret.");
    await ctx.events.normal(
      db,
      DatabaseEvent.CredentialsGenerated,
      "GenerateCredentials",
      `Generated Secret ${secret.metadata?.name} with a random password for user guru.`,
    );
    // the API server answers with data (base64), not stringData
    return created.data ? created : secret;
  } catch (err) {
    if (!isApiError(err, 409)) throw new Error("while creating the credentials Secret", { cause: err });
    const existing = await readSecret(ctx, namespace, secret.metadata!.name!);
    if (!existing) throw new Error("the credentials Secret vanished after a conflict", { cause: err });
    return existing;
  }
}

/** A Secret's value under `key`, from data (base64) or stringData. */
function secretValue(secret: V1Secret, key: string): string | undefined {
  const data = secret.data?.[key];
  if (data !== undefined) return Buffer.from(data, "base64").toString("utf8");
  return secret.stringData?.[key];
}
