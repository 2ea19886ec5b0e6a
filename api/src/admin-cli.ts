#!/usr/bin/env node
/**
 * Operator commands that need no API token, run with the API's own configuration (environment)
 * and credentials, e.g. `kubectl exec deploy/guru-api -- node dist/api/src/admin-cli.js create-admin-token`.
 *
 *   create-admin-token [--account <id>] [--account-name <name>]
 *       A token with platform:admin and account:admin, in a new account (default) or an existing one.
 *       Printed once on stdout.
 */
import { parseArgs } from "node:util";
import { createAdminToken } from "./bootstrap.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createRuntime } from "./server.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { account: { type: "string" }, "account-name": { type: "string" } },
});

if (positionals[0] !== "create-admin-token") {
  process.stderr.write("usage: admin-cli create-admin-token [--account <id>] [--account-name <name>]\n");
  process.exit(2);
}

const config = loadConfig(process.env);
// Only the catalog is needed: no reconciler, and a silent log.
const runtime = await createRuntime(config, {
  logger: createLogger({ ...config, logLevel: "warn" }),
  background: false,
});
try {
  const admin = await createAdminToken(runtime.services, {
    accountId: values.account,
    accountName: values["account-name"],
    tokenName: "admin (admin-cli)",
  });
  process.stdout.write(`account ${admin.accountId}\ntoken ${admin.tokenId}\n${admin.token}\n`);
} finally {
  await runtime.close();
}
