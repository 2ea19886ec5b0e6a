/**
 * How the backup and restore programs run as processes: JSON log lines on stdout, and an exit
 * code the Job (or the init container) is judged by: 0 once the work is whole, 2 for a bad
 * environment (nothing was done), 1 for any other failure.
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import { ConfigError } from "../config.js";
import { createLogger } from "../logger.js";

export const EXIT = { done: 0, failed: 1, badConfig: 2 } as const;

export async function runJob(program: string, work: (logger: Logger) => Promise<void>): Promise<never> {
  const logger = createLogger({ logLevel: "info", instanceId: hostname() }).child({ program });
  let code: number = EXIT.done;
  try {
    await work(logger);
  } catch (err) {
    const config = err instanceof ConfigError;
    code = config ? EXIT.badConfig : EXIT.failed;
    logger.error({ err: config ? undefined : err, reason: (err as Error).message }, `${program} failed`);
  }
  logger.flush();
  process.exit(code);
}
