/**
 * The server under test. With `KDB_URL=host:port` (and `KDB_USER`, `KDB_PASSWORD`) the suite drives
 * that server, e.g. the kdb+ image; otherwise it starts one guru-engine in process, on three
 * segment directories of a temp dir, the first time a suite asks, and stops it after the run.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../../../engine/src/index.js";

export interface Target {
  host: string;
  port: number;
  user: string;
  password: string;
  /** true when the suite started the engine, so its configuration is known */
  inProcess: boolean;
  /** the server's row limit (docs/q-api.md §4); `KDB_MAX_ROWS` for an external server */
  maxRows: number;
  /** the largest message the server accepts, when known */
  maxMessageBytes: number | undefined;
  /** segment directories, when known */
  segments: readonly string[] | undefined;
}

/** Small limits for the in-process engine, so the limit tests need little data. */
const ENGINE_MAX_ROWS = 500;
const ENGINE_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const ENGINE_USER = "contract";
const ENGINE_PASSWORD = "contract-secret";
/** the contract's default row limit, assumed for an external server without `KDB_MAX_ROWS` */
const DEFAULT_MAX_ROWS = 1_000_000;

let started: Promise<{ target: Target; stop: () => Promise<void> }> | undefined;

/** The target, starting the in-process engine on first use. */
export async function target(): Promise<Target> {
  started ??= process.env.KDB_URL ? Promise.resolve(external(process.env.KDB_URL)) : startInProcess();
  return (await started).target;
}

// A root-level hook (registered while the first contract file loads): stops the engine after
// every suite of the run, so it is shared by all files and outlives none.
after(async () => {
  const running = started;
  started = undefined;
  if (running) await (await running).stop();
});

function external(url: string): { target: Target; stop: () => Promise<void> } {
  const match = /^(.+):(\d+)$/.exec(url);
  if (!match) throw new Error(`KDB_URL must be host:port, got ${JSON.stringify(url)}`);
  const maxRows = Number(process.env.KDB_MAX_ROWS ?? DEFAULT_MAX_ROWS);
  if (!Number.isSafeInteger(maxRows) || maxRows <= 0)
    throw new Error("KDB_MAX_ROWS must be a positive integer");
  return {
    target: {
      host: match[1] as string,
      port: Number(match[2]),
      user: process.env.KDB_USER ?? "",
      password: process.env.KDB_PASSWORD ?? "",
      inProcess: false,
      maxRows,
      maxMessageBytes: undefined,
      segments: undefined,
    },
    stop: async () => {},
  };
}

async function startInProcess(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "guru-contract-"));
  const segments = ["stripe-0", "stripe-1", "stripe-2"].map((s) => join(dir, s, "db"));
  for (const segment of segments) mkdirSync(segment, { recursive: true });
  // imported here, so a run against an external server never loads guru-engine (or DuckDB)
  const { engineConfig, startEngine } = await import("../../../engine/src/index.js");
  let engine: Engine;
  try {
    engine = await startEngine(
      engineConfig({
        segments,
        port: 0,
        httpPort: 0,
        credentials: `${ENGINE_USER}:${ENGINE_PASSWORD}`,
        maxRows: ENGINE_MAX_ROWS,
        maxMessageBytes: ENGINE_MAX_MESSAGE_BYTES,
        logLevel: "silent",
      }),
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    target: {
      host: "127.0.0.1",
      port: engine.port,
      user: ENGINE_USER,
      password: ENGINE_PASSWORD,
      inProcess: true,
      maxRows: ENGINE_MAX_ROWS,
      maxMessageBytes: ENGINE_MAX_MESSAGE_BYTES,
      segments,
    },
    stop: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
