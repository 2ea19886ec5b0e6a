/**
 * The first admin. A fresh installation has no token, and every route needs one, so:
 * - local mode: on first start, `bootstrapLocalAdmin` creates the account "local" and a token with
 *   platform:admin and account:admin, prints it once and keeps it in <dataDir>/admin-token (0600)
 *   for the quick start. A marker item makes this happen exactly once per catalog.
 * - cloud mode: an operator runs `guru-api-admin create-admin-token` (admin-cli.ts) where the
 *   API's configuration and AWS credentials are (e.g. kubectl exec into an API pod). It talks to
 *   the catalog directly, so it needs no token and no standing admin secret: whoever may run it
 *   already holds write access to the catalog.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ACCOUNT_ADMIN, PLATFORM_ADMIN } from "./auth/scopes.js";
import { keys } from "./catalog/keys.js";
import type { CatalogTable } from "./catalog/table.js";
import { CatalogConflict, conditions } from "./catalog/table.js";
import type { Services } from "./compose.js";

export interface AdminToken {
  accountId: string;
  tokenId: string;
  token: string;
}

/** Creates an account (or uses `accountId`) and an admin token in it. */
export async function createAdminToken(
  services: Services,
  options: { accountId?: string; accountName?: string; tokenName?: string },
): Promise<AdminToken> {
  const accountId =
    options.accountId ?? (await services.accounts.createRecord({ name: options.accountName ?? "admin" })).id;
  const { record, secret } = await services.tokens.mint(
    accountId,
    options.tokenName ?? "admin",
    [PLATFORM_ADMIN, ACCOUNT_ADMIN],
    null,
    null,
  );
  return { accountId, tokenId: record.id, token: secret };
}

/** Local mode's first start: the admin token, or undefined when the catalog was bootstrapped before. */
export async function bootstrapLocalAdmin(
  table: CatalogTable,
  services: Services,
  dataDir: string,
): Promise<AdminToken | undefined> {
  try {
    await table.put(
      { ...keys.bootstrap, type: "bootstrap", at: new Date().toISOString() },
      conditions.absent(),
    );
  } catch (err) {
    if (err instanceof CatalogConflict) return undefined;
    throw err;
  }
  const admin = await createAdminToken(services, {
    accountName: "local",
    tokenName: "local admin (make run)",
  });
  // the catalog may live elsewhere (dynalite is not what made the directory): a token that could not
  // be kept would be lost for good, as the bootstrap mark is already written
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "admin-token"), `${admin.token}\n`, { mode: 0o600 });
  return admin;
}
