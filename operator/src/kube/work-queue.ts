/**
 * A rate-limited work queue of object keys (`namespace/name`), as client-go's:
 * - a key waiting in the queue is not added twice;
 * - a key is never handled by two workers at once: added while in flight, it is handled again
 *   once the current run ends;
 * - a failed key comes back after a per-key exponential backoff (base × 2^failures, capped),
 *   and never sooner than an overall token bucket allows (qps, burst), so an API outage does not
 *   turn into a retry storm;
 * - `addAfter` schedules a key (a "not ready yet" poll), keeping the earliest time per key.
 */
import { type Clock, realClock } from "./clock.js";

export interface WorkQueueOptions {
  workers: number;
  /** first retry delay of a failing key */
  baseDelayMs: number;
  /** longest retry delay */
  maxDelayMs: number;
  /** overall retry rate: tokens per second, and bucket size */
  qps: number;
  burst: number;
  /** default: the real clock */
  clock?: Clock;
}

/** What handling a key asks for next: nothing, or another look after a delay. */
export interface HandlerResult {
  requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<HandlerResult>;

export interface WorkQueueHooks {
  /** after every run: outcome and duration */
  onDone?(key: string, outcome: "success" | "requeue" | "error", seconds: number, err?: unknown): void;
  onDepth?(depth: number): void;
}

export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #handler: Handler;
  readonly #hooks: WorkQueueHooks;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #inFlight = new Set<string>();
  /** added again while in flight */
  readonly #dirty = new Set<string>();
  readonly #clock: Clock;
  readonly #timers = new Map<string, { at: number; cancel: () => void }>();
  readonly #failures = new Map<string, number>();
  readonly #idle: (() => void)[] = [];
  #tokens: number;
  #lastRefill: number;
  #running = false;
  #shuttingDown = false;

  constructor(handler: Handler, options: WorkQueueOptions, hooks: WorkQueueHooks = {}) {
    this.#handler = handler;
    this.#options = options;
    this.#hooks = hooks;
    this.#clock = options.clock ?? realClock;
    this.#tokens = options.burst;
    this.#lastRefill = this.#clock.now();
  }

  /** Keys waiting (not counting those in flight or scheduled). */
  get depth(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#running = true;
    this.#pump();
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#inFlight.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#hooks.onDepth?.(this.#queue.length);
    this.#pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.after(delayMs, () => {
      this.#timers.delete(key);
      this.add(key);
    });
    this.#timers.set(key, { at, cancel });
  }

  /** Retry a failed key after its backoff and the overall bucket allow. */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const perKey = Math.min(this.#options.baseDelayMs * 2 ** failures, this.#options.maxDelayMs);
    this.addAfter(key, Math.max(perKey, this.#bucketDelay()));
  }

  /** A key that succeeded starts its backoff afresh. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** ms until a key's scheduled look, if it has one (tests). */
  scheduledIn(key: string): number | undefined {
    const timer = this.#timers.get(key);
    return timer === undefined ? undefined : timer.at - this.#clock.now();
  }

  /** Stops taking keys, drops scheduled ones, and waits for the runs in flight. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    this.#running = false;
    for (const { cancel } of this.#timers.values()) cancel();
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    if (this.#inFlight.size === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Resolves when nothing is queued, in flight or scheduled within `horizonMs` (tests, benchmarks). */
  async drained(horizonMs = 0, pollMs = 20): Promise<void> {
    for (;;) {
      const soon = [...this.#timers.values()].some((t) => t.at - this.#clock.now() <= horizonMs);
      if (this.#queue.length === 0 && this.#inFlight.size === 0 && !soon) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  #bucketDelay(): number {
    const now = this.#clock.now();
    const { qps, burst } = this.#options;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#lastRefill) / 1000) * qps);
    this.#lastRefill = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / qps) * 1000);
  }

  #pump(): void {
    while (this.#running && this.#inFlight.size < this.#options.workers && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#queued.delete(key);
      this.#inFlight.add(key);
      this.#hooks.onDepth?.(this.#queue.length);
      void this.#run(key);
    }
  }

  async #run(key: string): Promise<void> {
    const started = performance.now();
    try {
      const result = await this.#handler(key);
      const seconds = (performance.now() - started) / 1000;
      this.forget(key);
      if (result.requeueAfterMs !== undefined) {
        this.#hooks.onDone?.(key, "requeue", seconds);
        this.addAfter(key, result.requeueAfterMs);
      } else {
        this.#hooks.onDone?.(key, "success", seconds);
      }
    } catch (err) {
      this.#hooks.onDone?.(key, "error", (performance.now() - started) / 1000, err);
      if (!this.#shuttingDown) this.addRateLimited(key);
    } finally {
      this.#inFlight.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      if (this.#inFlight.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      this.#pump();
    }
  }
}
