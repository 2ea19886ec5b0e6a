/**
 * guru-engine as a child process, for the API's local provisioner, the reliability test and the
 * benchmark. Runs `main.js` next to this module, or `main.ts` through tsx when running from source.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ChildEngine {
  pid: number;
  port: number;
  httpPort: number;
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** SIGTERM (graceful shutdown), then wait for exit */
  stop(): Promise<number | null>;
  /** SIGKILL, then wait for exit */
  kill(): Promise<number | null>;
}

export interface SpawnOptions {
  /** GURU_* variables (docs/engine.md) */
  env: Record<string, string>;
  /** every line the engine prints (its JSON log), e.g. to carry it into the parent's log */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
}

const RECENT_LINES = 20;
const LIVENESS_FD = 4;

export function spawnEngine(options: SpawnOptions): Promise<ChildEngine> {
  const fromSource = import.meta.url.endsWith(".ts");
  const main = fileURLToPath(new URL(fromSource ? "./main.ts" : "./main.js", import.meta.url));
  const child = spawn(process.execPath, [...(fromSource ? ["--import", "tsx"] : []), main], {
    env: { ...process.env, ...options.env, GURU_PARENT_FD: String(LIVENESS_FD) },
    // the liveness pipe: the child stops when its end reads EOF, i.e. when we die (main.ts)
    stdio: ["ignore", "pipe", "pipe", "ipc", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > RECENT_LINES) recent.shift();
    options.onLine?.(line);
  };
  // keep draining both streams, so a chatty child never blocks on a full pipe
  for (const stream of [child.stdout, child.stderr])
    if (stream) createInterface({ input: stream }).on("line", remember);
  return new Promise((resolve, reject) => {
    let started = false;
    const fail = (why: string) => {
      if (started) return;
      child.kill("SIGKILL");
      reject(new Error(`guru-engine did not start: ${why}\n${recent.join("\n")}`));
    };
    const timer = setTimeout(() => fail("timed out"), options.startTimeoutMs ?? 30_000);
    void exited.then((code) => fail(`exited with ${code}`));
    child.on("message", (message) => {
      const listening = parseListening(message);
      if (listening === null || started) return;
      started = true;
      clearTimeout(timer);
      child.disconnect();
      resolve(handle(child, exited, listening));
    });
  });
}

function parseListening(message: unknown): { port: number; httpPort: number } | null {
  const m = message as { type?: unknown; port?: unknown; httpPort?: unknown } | null;
  if (m?.type !== "listening" || typeof m.port !== "number" || typeof m.httpPort !== "number") return null;
  return { port: m.port, httpPort: m.httpPort };
}

function handle(
  child: ChildProcess,
  exited: Promise<number | null>,
  ports: { port: number; httpPort: number },
): ChildEngine {
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return {
    pid: child.pid as number,
    ...ports,
    exited,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
  };
}
