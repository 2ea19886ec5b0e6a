import { Redis } from "ioredis";
import { LOOPBACK, type RunningService, startService } from "./process.js";

async function answersPing(port: number): Promise<boolean> {
  const client = new Redis({
    host: LOOPBACK,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {}); // refusals while the server starts are expected; connect() reports them
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } finally {
    client.disconnect();
  }
}

/** redis-server with no persistence, on a free loopback port. */
export function startRedis(): Promise<RunningService> {
  return startService({
    name: "redis-server",
    command: "redis-server",
    args: (port) => ["--port", String(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
    listening: /Ready to accept connections/,
    ready: answersPing,
    installHint: "Install it with `make services` (Debian package redis-server).",
  });
}
