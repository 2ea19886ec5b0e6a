/**
 * Local mode's provisioner: each database is a guru-engine on this machine, its data under
 * `<dataDir>/<accountId>/<database>/stripe-<i>` (one segment directory per stripe, as volumes in
 * Kubernetes), its login in `credentials` beside them (mode 0600), its q IPC port picked by the
 * kernel on loopback. Engines run as child processes (default: isolated, killable) or in this
 * process. An engine that exits on its own is restarted at once (after a pause when it lived only
 * briefly, so a crash loop does not spin), and one never started here (after an API restart) on its
 * database's next use. Child engines stop when this process dies (their liveness pipe,
 * engine/src/child-process.ts).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Level, type Logger, pino } from "pino";
import type { Engine } from "../../../crds/src/index.js";
import { type ChildEngine, engineConfig, spawnEngine } from "../../../engine/src/launch.js";
import { SIZES } from "../databases/sizes.js";
import { DependencyError } from "../errors/errors.js";
import type { Provisioner, ProvisionState, ProvisionTarget, QEndpoint } from "./provisioner.js";

const USER = "guru";
/** how long a start is retried: the engine of a crashed predecessor may still hold the files' lock */
const START_RETRY_MS = 20_000;
/** an engine that exits sooner than this after its start is restarted only after RESTART_PAUSE_MS */
const SHORT_LIFE_MS = 10_000;
const RESTART_PAUSE_MS = 2_000;

interface RunningEngine {
  port: number;
  stop(): Promise<void>;
  /** SIGKILL (child processes only): a crash, for tests and drills */
  kill(): Promise<void>;
  /** false once the engine exited on its own */
  alive(): boolean;
}

interface Instance {
  generation: number;
  state: "starting" | "ready" | "failed";
  reason?: string;
  engine?: RunningEngine;
  password: string;
  starting?: Promise<void>;
}

export interface LocalProvisionerOptions {
  dataDir: string;
  launch: "process" | "in-process";
  logger: Logger;
  /** fills a new database's stripe directories from its backup (backups/restore-service.ts) */
  restore?: (db: ProvisionTarget, segments: readonly string[]) => Promise<void>;
}

/** written once a database's stripes hold its backup, so a restart never restores over live data */
const RESTORED_MARKER = "restored";

export class LocalProvisioner implements Provisioner {
  readonly kind = "local";
  readonly restoresOnStart = true;
  readonly #o: LocalProvisionerOptions;
  readonly #instances = new Map<string, Instance>();
  readonly #servingListeners: ((uid: string) => void)[] = [];
  #closed = false;

  constructor(options: LocalProvisionerOptions) {
    this.#o = options;
  }

  supportsEngine(engine: Engine): boolean {
    return engine === "guru-engine";
  }

  onServing(listener: (uid: string) => void): void {
    this.#servingListeners.push(listener);
  }

  get restores(): boolean {
    return this.#o.restore !== undefined;
  }

  #segments(db: ProvisionTarget): string[] {
    const dir = this.directory(db);
    return Array.from({ length: db.storage.stripes }, (_, i) => join(dir, `stripe-${i}`));
  }

  /** Before the first start of a database made from a backup: its files into its stripes. */
  async #restoreOnce(db: ProvisionTarget): Promise<void> {
    const marker = join(this.directory(db), RESTORED_MARKER);
    if (db.restore == null || this.#o.restore === undefined || existsSync(marker)) return;
    const segments = this.#segments(db);
    // a restore cut short earlier left partial files: start from empty stripes
    for (const segment of segments) await rm(segment, { recursive: true, force: true });
    await this.#o.restore(db, segments);
    await writeFile(marker, `${db.restore.database}/${db.restore.backup}\n`);
  }

  directory(db: Pick<ProvisionTarget, "accountId" | "name">): string {
    return join(this.#o.dataDir, db.accountId, db.name);
  }

  async #password(db: ProvisionTarget): Promise<string> {
    const file = join(this.directory(db), "credentials");
    if (existsSync(file)) {
      const line = (await readFile(file, "utf8")).split("\n")[0] ?? "";
      return line.slice(line.indexOf(":") + 1);
    }
    const password = randomBytes(24).toString("base64url");
    await writeFile(file, `${USER}:${password}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return password;
  }

  async #launch(db: ProvisionTarget): Promise<RunningEngine> {
    const dir = this.directory(db);
    const segments = this.#segments(db);
    const size = SIZES[db.size];
    const threads = Math.max(1, Math.min(size.threads, availableParallelism()));
    if (this.#o.launch === "in-process") {
      // loaded here only: DuckDB's native library costs the API process memory it needs for nothing
      // when engines are child processes (the default)
      const { startEngine } = await import("../../../engine/src/index.js");
      const engine = await startEngine(
        engineConfig({
          segments,
          credentialsFile: join(dir, "credentials"),
          port: 0,
          httpPort: 0,
          memoryLimitMb: size.localMemoryMb,
          threads,
          retentionDays: db.retentionDays ?? 0,
          logLevel: "warn",
        }),
        this.#o.logger.child({ database: db.name, accountId: db.accountId }),
      );
      return {
        port: engine.port,
        stop: () => engine.close(),
        kill: () => Promise.reject(new Error("an in-process engine cannot be killed")),
        alive: () => true,
      };
    }
    const child: ChildEngine = await spawnEngine({
      env: {
        GURU_SEGMENTS: segments.join(","),
        GURU_CREDENTIALS_FILE: join(dir, "credentials"),
        GURU_CREDENTIALS: "",
        GURU_HOST: "127.0.0.1",
        GURU_PORT: "0",
        GURU_HTTP_HOST: "127.0.0.1",
        GURU_HTTP_PORT: "0",
        GURU_DUCKDB_MEMORY_MB: String(size.localMemoryMb),
        GURU_DUCKDB_THREADS: String(threads),
        GURU_RETENTION_DAYS: String(db.retentionDays ?? 0),
        GURU_LOG_LEVEL: "warn",
      },
      onLine: (line) => this.#engineLog(db, line),
    });
    let exited = false;
    const startedAt = Date.now();
    const running: RunningEngine = {
      port: child.port,
      stop: async () => {
        await child.stop();
      },
      kill: async () => {
        await child.kill();
      },
      alive: () => !exited,
    };
    void child.exited.then((code) => {
      exited = true;
      if (this.#closed) return;
      this.#o.logger.warn({ database: db.name, accountId: db.accountId, code }, "guru-engine exited");
      void this.#restartAfterExit(db, running, Date.now() - startedAt);
    });
    return running;
  }

  /** Restarts an engine that exited on its own, unless it was stopped or replaced meanwhile. */
  async #restartAfterExit(db: ProvisionTarget, dead: RunningEngine, livedMs: number): Promise<void> {
    if (livedMs < SHORT_LIFE_MS) await sleep(RESTART_PAUSE_MS);
    const current = this.#instances.get(db.uid);
    if (this.#closed || current?.engine !== dead || current.state !== "ready") return;
    await this.#ensure(db, true);
  }

  /** A line of a child engine's log (JSON, warn and above) into ours, so its errors are seen. */
  #engineLog(db: ProvisionTarget, line: string): void {
    const entry = logEntry(line);
    const level = (pino.levels.labels[entry.level ?? 40] ?? "warn") as Level;
    const where = { database: db.name, accountId: db.accountId };
    this.#o.logger[level]({ ...where, engine: entry }, `guru-engine: ${entry.msg}`);
  }

  /**
   * The engine of a crashed predecessor exits once it sees its parent gone, but may be
   * checkpointing for a moment, holding the files' lock: retry a failed start with a short backoff.
   */
  async #launchRetrying(db: ProvisionTarget): Promise<RunningEngine> {
    const deadline = Date.now() + START_RETRY_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await this.#launch(db);
      } catch (err) {
        if (this.#closed || Date.now() + delay > deadline) throw err;
        const why = (err as Error).message;
        this.#o.logger.warn({ database: db.name, accountId: db.accountId, why }, "guru-engine start retried");
        await sleep(delay);
      }
    }
  }

  async apply(db: ProvisionTarget): Promise<void> {
    await this.#ensure(db, false);
  }

  /**
   * Starts the engine unless it runs at this generation (or `restart`: even then). The new instance
   * takes the database's place before anything is awaited, so concurrent callers (every request
   * that finds the engine dead) wait for one start instead of racing for the files' lock.
   */
  async #ensure(db: ProvisionTarget, restart: boolean): Promise<void> {
    const existing = this.#instances.get(db.uid);
    if (existing?.state === "starting" && existing.generation === db.generation) return;
    const healthy =
      existing !== undefined && existing.state !== "failed" && existing.engine?.alive() !== false;
    if (!restart && healthy && existing.generation === db.generation) return;
    const dir = this.directory(db);
    const instance: Instance = { generation: db.generation, state: "starting", password: "" };
    this.#instances.set(db.uid, instance);
    const launch = async () => {
      if (existing !== undefined) {
        await existing.starting;
        await existing.engine?.stop().catch(() => undefined);
      }
      await mkdir(dir, { recursive: true });
      instance.password = await this.#password(db);
      await this.#restoreOnce(db);
      return this.#launchRetrying(db);
    };
    instance.starting = launch().then(
      (engine) => {
        instance.engine = engine;
        instance.state = "ready";
        this.#o.logger.info(
          { database: db.name, accountId: db.accountId, port: engine.port, dir },
          "guru-engine started",
        );
        for (const listener of this.#servingListeners) listener(db.uid);
      },
      (err: unknown) => {
        instance.state = "failed";
        instance.reason = `guru-engine did not start: ${(err as Error).message.split("\n")[0]}`;
        this.#o.logger.error({ err, database: db.name }, "guru-engine did not start");
      },
    );
  }

  async status(db: ProvisionTarget): Promise<ProvisionState> {
    return this.serving(db);
  }

  serving(db: Pick<ProvisionTarget, "uid">): ProvisionState {
    const instance = this.#instances.get(db.uid);
    if (instance === undefined) return { state: "absent" };
    if (instance.state === "starting") return { state: "progressing", detail: "starting guru-engine" };
    if (instance.state === "failed") return { state: "failed", reason: instance.reason ?? "failed" };
    if (instance.engine?.alive() === false) return { state: "failed", reason: "guru-engine exited" };
    return { state: "ready" };
  }

  async remove(db: ProvisionTarget): Promise<void> {
    const instance = this.#instances.get(db.uid);
    this.#instances.delete(db.uid);
    if (instance !== undefined) {
      await instance.starting;
      await instance.engine?.stop().catch(() => undefined);
    }
    await rm(this.directory(db), { recursive: true, force: true });
  }

  /** Kills the database's engine with SIGKILL, as a crash would (it is restarted at once). */
  async kill(db: Pick<ProvisionTarget, "uid">): Promise<void> {
    await this.#instances.get(db.uid)?.engine?.kill();
  }

  async endpoint(db: ProvisionTarget): Promise<QEndpoint> {
    const instance = this.#instances.get(db.uid);
    if (instance?.state === "ready" && instance.engine?.alive()) {
      return { host: "127.0.0.1", port: instance.engine.port, user: USER, password: instance.password };
    }
    if (instance?.state !== "starting") {
      // never started here (API restarted) or died: start it for the next request
      await this.#ensure(db, true);
    }
    throw new DependencyError("DATABASE_UNAVAILABLE", `database ${db.name} is starting`, {
      retryAfterSeconds: 2,
    });
  }

  health(): { status: "ok" | "degraded"; detail?: string } {
    const down = [...this.#instances.keys()].filter((uid) => this.serving({ uid }).state !== "ready").length;
    if (down === 0) return { status: "ok" };
    return { status: "degraded", detail: `${down} of ${this.#instances.size} databases not serving` };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const instances = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(
      instances.map(async (i) => {
        await i.starting;
        await i.engine?.stop().catch(() => undefined);
      }),
    );
  }
}

/** A pino JSON line, or the text of one that is not. */
function logEntry(line: string): { level?: number; msg?: string } {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null) return value;
  } catch {
    // not JSON: the text itself
  }
  return { msg: line };
}
