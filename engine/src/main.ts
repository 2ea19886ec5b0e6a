#!/usr/bin/env node
/**
 * guru-engine: `node dist/engine/src/main.js` (or `npx tsx engine/src/main.ts`). Configured from
 * the environment (docs/engine.md); stops gracefully on SIGTERM and SIGINT.
 */
import { pino } from "pino";
import { configFromEnv } from "./config.js";
import { startEngine } from "./engine.js";

const config = configFromEnv(process.env);
const logger = pino({ level: config.logLevel });
const engine = await startEngine(config, logger);
// a parent that spawned us with an IPC channel (child-process.ts) learns the ports this way
process.send?.({ type: "listening", port: engine.port, httpPort: engine.httpPort });

const stop = (signal: string) => {
  logger.info({ signal }, "stopping");
  engine.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
