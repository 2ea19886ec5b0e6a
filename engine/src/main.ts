#!/usr/bin/env node
/**
 * guru-engine: `node dist/engine/src/main.js` (or `npx tsx engine/src/main.ts`). Configured from
 * the environment (docs/engine.md); stops gracefully on SIGTERM and SIGINT, and when the parent
 * that gave it a liveness pipe (`GURU_PARENT_FD`) dies.
 */
import { Socket } from "node:net";
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

// The parent holds the pipe's other end until it dies, even by SIGKILL: then no one is left to
// serve, and our lock on the store would keep the engine the parent's successor starts out.
const parentFd = process.env.GURU_PARENT_FD;
if (parentFd !== undefined && parentFd !== "") {
  const pipe = new Socket({ fd: Number(parentFd), readable: true, writable: false });
  pipe.on("error", () => {}); // followed by close
  pipe.once("close", () => stop("parent exited"));
  pipe.resume();
  pipe.unref();
}
