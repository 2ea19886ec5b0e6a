/**
 * Line-protocol parsing on every core: a pool of worker threads, so that the thread serving HTTP
 * only moves bytes. Parsing is ~90% of a write's CPU in the API; with the work spread, one API
 * process uses every core it is given (`GURU_API_PARSE_THREADS`, default: one less than the cores
 * when there are more than two, else none; docs/performance.md#ingest-path).
 * Small bodies are parsed in this thread, where the hop would cost more than the parse; so is
 * everything when the pool has no threads. A worker that dies fails its jobs (500) and is
 * replaced on the next job.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { SHARED_BODY_BYTES } from "../http/raw-body.js";
import { type ParseJob, type ParseResult, runParseJob } from "./line-protocol-job.js";

interface Pending {
  resolve: (result: ParseResult) => void;
  reject: (err: Error) => void;
}

/** The worker thread; from source (tests, tsx) through tsx's loader, which workers do not inherit. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(fileURLToPath(new URL("./line-protocol-worker.js", import.meta.url)), { execArgv: [] });
  const main = new URL("./line-protocol-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(main)}); })`;
  return new Worker(boot, { eval: true, execArgv: [] });
}

/** tsx's ESM register API, found through its package's exports (an eval'd worker resolves from the cwd). */
function tsxApi(): string {
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const exports = JSON.parse(readFileSync(manifest, "utf8")).exports as Record<
    string,
    { import: { default: string } }
  >;
  return pathToFileURL(join(dirname(manifest), exports["./esm/api"]?.import.default ?? "")).href;
}

class ParseWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  dead = false;

  constructor(logger: Logger) {
    this.#worker = startWorker();
    this.#worker.unref();
    this.#worker.on("message", (m: { id: number; result?: ParseResult; error?: string }) => {
      const pending = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.result !== undefined) pending?.resolve(m.result);
      else pending?.reject(new Error(`line-protocol worker failed: ${m.error}`));
    });
    this.#worker.on("error", (err) => logger.error({ err }, "line-protocol worker crashed"));
    this.#worker.on("exit", (code) => {
      this.dead = true;
      for (const p of this.#pending.values()) p.reject(new Error(`line-protocol worker exited (${code})`));
      this.#pending.clear();
    });
  }

  get load(): number {
    return this.#pending.size;
  }

  run(job: ParseJob): Promise<ParseResult> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, job });
    });
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}

export class ParsePool {
  readonly #workers: ParseWorker[] = [];
  readonly #threads: number;
  readonly #logger: Logger;

  constructor(options: { threads: number; logger: Logger }) {
    this.#threads = options.threads;
    this.#logger = options.logger;
  }

  get threads(): number {
    return this.#threads;
  }

  run(job: ParseJob): Promise<ParseResult> {
    if (this.#threads === 0 || job.body.byteLength < SHARED_BODY_BYTES)
      return Promise.resolve(runParseJob(job));
    return this.#leastBusy().run({ ...job, body: shared(job.body) });
  }

  #leastBusy(): ParseWorker {
    for (let i = 0; i < this.#workers.length; i++) if (this.#workers[i]?.dead) this.#workers.splice(i--, 1);
    while (this.#workers.length < this.#threads) this.#workers.push(new ParseWorker(this.#logger));
    return this.#workers.reduce((a, b) => (b.load < a.load ? b : a));
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w.terminate()));
  }
}

/** The bytes in shared memory (readBody puts large bodies there when asked), so posting copies nothing. */
function shared(body: Uint8Array): Uint8Array {
  if (body.buffer instanceof SharedArrayBuffer) return body;
  const copy = new Uint8Array(new SharedArrayBuffer(body.byteLength));
  copy.set(body);
  return copy;
}
