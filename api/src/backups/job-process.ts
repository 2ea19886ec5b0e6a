/**
 * How the backup and restore programs run as processes: JSON log lines on stdout, and an exit
 * code the Job (or the init container) is judged by: 0 once the work is whole, 2 for a bad
 * environment (nothing was done), 1 for any other failure.
 */
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { ConfigError } from "../config.js";
import { createLogger } from "../logger.js";

export const EXIT = { done: 0, failed: 1, badConfig: 2 } as const;

/** Where Kubernetes reads a container's termination message (the default terminationMessagePath). */
const TERMINATION_LOG = "/dev/termination-log";

/** In a pod, why the program failed becomes its container's termination message (the status shows it). */
function leaveTerminationMessage(reason: string): void {
  if (!existsSync(TERMINATION_LOG)) return; // not in a pod
  try {
    writeFileSync(TERMINATION_LOG, reason.slice(0, 4096));
  } catch {
    // best effort: the log line above says the same
  }
}

/**
 * SIGTERM or SIGINT (the Job's deadline, an eviction) as a failure: `signal` rejects with it, so
 * a program can race its work against it, and `error` says whether it came.
 */
export function terminated() {
  let error: Error | undefined;
  let reject: (err: Error) => void = () => undefined;
  const signal = new Promise<never>((_, r) => {
    reject = r;
  });
  signal.catch(() => undefined);
  const on = (name: string) => () => {
    error = new Error(`terminated (${name}): the Job's deadline passed, or its pod was stopped`);
    reject(error);
  };
  const handlers = { SIGTERM: on("SIGTERM"), SIGINT: on("SIGINT") };
  for (const [name, handler] of Object.entries(handlers)) process.once(name, handler);
  return {
    signal,
    get error() {
      return error;
    },
    dispose() {
      for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
    },
  };
}

export async function runJob(program: string, work: (logger: Logger) => Promise<void>): Promise<never> {
  const logger = createLogger({ logLevel: "info", instanceId: hostname() }).child({ program });
  let code: number = EXIT.done;
  try {
    await work(logger);
  } catch (err) {
    const config = err instanceof ConfigError;
    code = config ? EXIT.badConfig : EXIT.failed;
    logger.error({ err: config ? undefined : err, reason: (err as Error).message }, `${program} failed`);
    leaveTerminationMessage((err as Error).message);
  }
  logger.flush();
  process.exit(code);
}
