#!/usr/bin/env node
/**
 * guru-api: `node dist/api/src/main.js` (`make run` for local mode). Configured from the
 * environment (docs/api.md#configuration); stops gracefully on SIGTERM and SIGINT.
 */
import { join } from "node:path";
import { bootstrapLocalAdmin } from "./bootstrap.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createRuntime, listenRuntime } from "./server.js";

/** A configuration this installation cannot run is said in one line, exit code 2. */
async function configured<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

const config = await configured(() => loadConfig(process.env));
const logger = createLogger(config);
const runtime = await configured(() => createRuntime(config, { logger }));
const listening = await listenRuntime(runtime);
logger.info(
  { url: listening.url, console: `${listening.url}/console/`, metrics: `${listening.metricsUrl}/metrics` },
  "guru-api listening",
);
process.stdout.write(`  guru-api: the web console is at ${listening.url}/console/ (sign in with a token)\n`);

if (config.bootstrapAdmin) {
  const admin = await bootstrapLocalAdmin(runtime.table, runtime.services, config.dataDir);
  const file = join(config.dataDir, "admin-token");
  if (admin !== undefined) {
    process.stdout.write(
      `${[
        "",
        "  guru-api: first start, an admin token was created (account local; platform:admin, account:admin).",
        `  It is shown only now; it is also kept in ${file} (mode 0600):`,
        "",
        `    ${admin.token}`,
        "",
        `  Try: curl -H "Authorization: Bearer $(cat ${file})" ${listening.url}/v1/whoami`,
        "",
      ].join("\n")}\n`,
    );
  } else logger.info({ file }, "admin token created on an earlier start");
}
process.send?.({ type: "listening", url: listening.url, metricsUrl: listening.metricsUrl });

const stop = (signal: string) => {
  logger.info({ signal }, "stopping");
  Promise.all([listening.close(), runtime.close()]).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
