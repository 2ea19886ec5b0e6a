/**
 * q IPC connection pools, one per database (by its uid), to the endpoint its provisioner reports.
 * A pool follows its database: a new endpoint (a local engine restarted on another port) replaces
 * it, a deleted database closes it. Every request has a deadline; reads are retried once after a
 * lost connection (they have no effect), writes never (one may have run); a circuit breaker per
 * database answers 503 at once while it is down, and a cap on writes in flight per database
 * answers 503 under pressure instead of queueing without bound.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import {
  buildCall,
  createQPool,
  QConnectionError,
  type QPool,
  QRemoteError,
  type QValue,
} from "../../../qipc/src/index.js";
import { DependencyError } from "../errors/errors.js";
import type { Provisioner, ProvisionTarget, QEndpoint } from "../provisioning/provisioner.js";
import { type BreakerOptions, CircuitBreaker } from "./circuit-breaker.js";
import { mapQError } from "./q-errors.js";

/** A question to the provisioner; superseded when the engine restarts before its answer. */
interface Asking {
  pool: Promise<QPool>;
  superseded: boolean;
}

interface Entry {
  endpoint: QEndpoint;
  pool: QPool;
  checkedAt: number;
}

/** The data plane's settings come from the config (`config.data`), which owns their defaults. */
export interface ConnectionsOptions {
  provisioner: Provisioner;
  logger: Logger;
  poolSize: number;
  requestTimeoutMs: number;
  /** consecutive connection failures that open the breaker, and how long it stays open */
  breaker: BreakerOptions;
  /** writes in flight per database before 503 DATABASE_OVERLOADED */
  maxWritesInFlight: number;
  /** how long an endpoint is trusted before the provisioner is asked again */
  endpointTtlMs?: number;
  /** how long a request waits for a connection of the pool */
  acquireTimeoutMs?: number;
}

const ENDPOINT_TTL_MS = 30_000;
const ACQUIRE_TIMEOUT_MS = 5000;

export interface CallOptions {
  /** read: retried once after a lost connection; write: never retried, counts toward the cap */
  kind: "read" | "write";
  timeoutMs?: number;
}

export class DatabaseConnections {
  readonly #o: ConnectionsOptions;
  readonly #pools = new Map<string, Entry>();
  /** the provisioner's answer awaited, by database uid */
  readonly #asking = new Map<string, Asking>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #writes = new Map<string, number>();

  constructor(options: ConnectionsOptions) {
    this.#o = options;
    options.provisioner.onServing?.((uid) => this.#serving(uid));
  }

  /**
   * An engine (re)started: the pool to its predecessor is closed (requests waiting on it fail now,
   * reads retry on the new one), its failures no longer count, and the breaker they opened closes.
   */
  #serving(uid: string): void {
    const entry = this.#pools.get(uid);
    this.#pools.delete(uid);
    const asking = this.#asking.get(uid);
    if (asking !== undefined) asking.superseded = true; // its answer may name the predecessor
    this.#asking.delete(uid);
    void entry?.pool.close();
    this.#breakers.get(uid)?.succeeded();
  }

  /**
   * The database's pool. One question to the provisioner at a time per database: concurrent
   * calls share its answer and so one pool (pools made by each would replace each other unclosed).
   */
  #pool(db: ProvisionTarget): Promise<QPool> {
    const entry = this.#pools.get(db.uid);
    if (entry !== undefined && this.#trusted(entry, db)) return Promise.resolve(entry.pool);
    const asked = this.#asking.get(db.uid);
    if (asked !== undefined) return asked.pool;
    const asking = { superseded: false } as Asking;
    asking.pool = this.#ask(db, asking);
    this.#asking.set(db.uid, asking);
    const done = () => {
      if (this.#asking.get(db.uid) === asking) this.#asking.delete(db.uid);
    };
    asking.pool.then(done, done);
    return asking.pool;
  }

  /** Asks the provisioner for the endpoint; a new one replaces the pool (and closes the old). */
  async #ask(db: ProvisionTarget, asking: Asking): Promise<QPool> {
    const endpoint = await this.#o.provisioner.endpoint(db);
    if (asking.superseded) return this.#pool(db);
    if (this.#asking.get(db.uid) !== asking)
      throw new DependencyError("DATABASE_UNAVAILABLE", `database ${db.name} is no longer served here`);
    const entry = this.#pools.get(db.uid);
    if (entry !== undefined && JSON.stringify(entry.endpoint) === JSON.stringify(endpoint)) {
      entry.checkedAt = Date.now();
      return entry.pool;
    }
    void entry?.pool.close();
    const pool = createQPool({
      ...endpoint,
      size: this.#o.poolSize,
      timeoutMs: this.#o.requestTimeoutMs,
      acquireTimeoutMs: this.#o.acquireTimeoutMs ?? ACQUIRE_TIMEOUT_MS,
      logger: this.#o.logger,
    });
    this.#pools.set(db.uid, { endpoint, pool, checkedAt: Date.now() });
    return pool;
  }

  /**
   * Whether the pool's endpoint holds without asking the provisioner: not past its TTL, and not
   * known to be down (a local engine that exited is restarted, elsewhere, by asking at once
   * rather than after the pool's acquire timeout).
   */
  #trusted(entry: Entry, db: ProvisionTarget): boolean {
    const seen = this.#o.provisioner.serving?.(db).state;
    return (
      Date.now() - entry.checkedAt < (this.#o.endpointTtlMs ?? ENDPOINT_TTL_MS) &&
      (seen === undefined || seen === "ready")
    );
  }

  #breaker(uid: string): CircuitBreaker {
    let breaker = this.#breakers.get(uid);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#o.breaker);
      this.#breakers.set(uid, breaker);
    }
    return breaker;
  }

  /** Calls a guru q API function on the database; q and connection errors become API errors. */
  async call(db: ProvisionTarget, name: string, ...args: QValue[]): Promise<QValue> {
    return this.request(db, name, args, { kind: "write" });
  }

  async request(db: ProvisionTarget, name: string, args: QValue[], options: CallOptions): Promise<QValue> {
    const breaker = this.#breaker(db.uid);
    const release = options.kind === "write" ? this.#admitWrite(db) : () => {};
    try {
      const admitted = breaker.admit();
      if (!admitted.go)
        throw new DependencyError("DATABASE_UNAVAILABLE", `database ${db.name} is down; retry later`, {
          retryAfterSeconds: Math.ceil(admitted.waitMs / 1000),
        });
      try {
        const result = await this.#attempt(db, name, args, options, breaker);
        breaker.succeeded();
        return result;
      } catch (err) {
        if (err instanceof QRemoteError) breaker.succeeded(); // any q reply proves it reachable
        throw mapQError(err, db.name);
      } finally {
        if (admitted.probe) breaker.released();
      }
    } finally {
      release();
    }
  }

  async #attempt(
    db: ProvisionTarget,
    name: string,
    args: QValue[],
    options: CallOptions,
    breaker: CircuitBreaker,
  ): Promise<QValue> {
    const tries = options.kind === "read" ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      let pool: QPool | undefined;
      try {
        pool = await this.#pool(db);
        return await pool.sync(buildCall(name, args), { timeoutMs: options.timeoutMs });
      } catch (err) {
        // only silence opens the breaker (a provisioner saying the engine is starting is an answer),
        // and only from the pool in use: one to an engine since replaced says nothing of the new one
        const silent = err instanceof QConnectionError;
        const unreachable = silent || (err instanceof DependencyError && err.code === "DATABASE_UNAVAILABLE");
        if (unreachable) {
          if (silent && (pool === undefined || this.#pools.get(db.uid)?.pool === pool)) breaker.failed();
          this.#stale(db.uid);
        }
        if (!unreachable || attempt >= tries || breaker.open) throw err;
        await sleep(100);
      }
    }
  }

  /** Asks the provisioner for the endpoint again next time (an engine restarted elsewhere). */
  #stale(uid: string): void {
    const entry = this.#pools.get(uid);
    if (entry !== undefined) entry.checkedAt = 0;
  }

  #admitWrite(db: ProvisionTarget): () => void {
    const inFlight = this.#writes.get(db.uid) ?? 0;
    if (inFlight >= this.#o.maxWritesInFlight)
      throw new DependencyError("DATABASE_OVERLOADED", `database ${db.name} has too many writes in flight`, {
        retryAfterSeconds: 1,
      });
    this.#writes.set(db.uid, inFlight + 1);
    return () => this.#writes.set(db.uid, (this.#writes.get(db.uid) ?? 1) - 1);
  }

  /** Closes the database's pool (it was deleted). */
  async evict(uid: string): Promise<void> {
    const entry = this.#pools.get(uid);
    this.#pools.delete(uid);
    this.#asking.delete(uid);
    this.#breakers.delete(uid);
    await entry?.pool.close();
  }

  async close(): Promise<void> {
    const entries = [...this.#pools.values()];
    this.#pools.clear();
    this.#asking.clear();
    await Promise.all(entries.map((e) => e.pool.close()));
  }
}
