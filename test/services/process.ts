import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A server started by the harness: where it listens and how to stop it. */
export interface RunningService {
  name: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  command: string;
  args: (port: number) => string[];
  /** resolves once the server answers; throws (or returns false) while it is not ready */
  ready: (port: number) => Promise<boolean>;
  /** how to get the command when it is missing, said in the error */
  installHint: string;
  cwd?: string;
  readyTimeoutMs?: number;
  /**
   * A line the server prints once it has bound its port. Probes wait for it: before that, whatever
   * else took the port between pick and bind would answer them.
   */
  listening?: RegExp;
}

export const LOOPBACK = "127.0.0.1";

/** A port that was free a moment ago (the kernel picks it; the race is accepted for tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, LOOPBACK);
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port from the kernel");
  return address.port;
}

/** Keeps the last lines a process printed, to explain why it failed to start. */
function tail(child: ChildProcess, keep = 40): () => string {
  const lines: string[] = [];
  const add = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - keep));
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => lines.join("\n");
}

/** Becomes true once `child` prints a line matching `pattern` (at once when there is none). */
function printed(child: ChildProcess, pattern: RegExp | undefined): () => boolean {
  let seen = pattern === undefined;
  const look = (chunk: Buffer) => {
    if (pattern?.test(chunk.toString("utf8"))) seen = true;
  };
  child.stdout?.on("data", look);
  child.stderr?.on("data", look);
  return () => seen;
}

async function waitReady(spec: ServiceSpec, port: number, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
  const bound = printed(child, spec.listening);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${spec.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`,
      );
    }
    if (bound() && (await spec.ready(port).catch(() => false))) return;
    await sleep(100);
  }
  throw new Error(
    `${spec.name} was not ready on port ${port} within ${spec.readyTimeoutMs ?? 30_000} ms:\n${log()}`,
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const killed = sleep(5000).then(() => child.kill("SIGKILL"));
  await Promise.race([exited, killed]);
  await exited;
}

/** Bind failures worth another port: between `freePort()` and the bind, another process may take it. */
const PORT_TAKEN = /address already in use|EADDRINUSE/i;
const PORT_ATTEMPTS = 3;

/** Starts a server on a free loopback port and waits until it answers; a port taken meanwhile is retried. */
export async function startService(spec: ServiceSpec): Promise<RunningService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(spec, await freePort());
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !PORT_TAKEN.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(spec: ServiceSpec, port: number): Promise<RunningService> {
  const child = spawn(spec.command, spec.args(port), { cwd: spec.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (err) =>
      reject(new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}. ${spec.installHint}`)),
    ),
  );
  const log = tail(child);
  try {
    await Promise.race([waitReady(spec, port, child, log), spawnError]);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { name: spec.name, host: LOOPBACK, port, stop: () => stopChild(child) };
}
