/**
 * client-node's informer (list, then watch from the list's resourceVersion, relist on 410) made
 * robust the way its own issues advise:
 * - it stops on any other watch error: we restart it with exponential backoff and jitter
 *   (1 s doubling to 60 s, reset once a watch connects), resuming from the last resourceVersion;
 * - a watch may go silent without an error (half-open TCP): with no event for `staleMs`, it is
 *   restarted;
 * - every `resyncMs` all cached objects are handed to `onResync`, so a missed event is repaired
 *   by the periodic level-triggered reconcile.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { describeError } from "./api-error.js";
import { type Clock, realClock } from "./clock.js";

type ListFn<T extends KubernetesObject> = () => Promise<KubernetesListObject<T>>;

export type InformerEvent = "add" | "update" | "delete";

export interface ResourceInformerOptions<T extends KubernetesObject> {
  /** for logs and metrics: kdbdatabases, statefulsets, ... */
  resource: string;
  kubeConfig: KubeConfig;
  /** the watch path, e.g. /apis/apps/v1/statefulsets */
  path: string;
  list: ListFn<T>;
  labelSelector?: string;
  resyncMs: number;
  staleMs: number;
  log: Logger;
  onEvent(event: InformerEvent, object: T, old?: T): void;
  onResync?(objects: readonly T[]): void;
  onRestart?(resource: string): void;
  /** default: the real clock */
  clock?: Clock;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export class ResourceInformer<T extends KubernetesObject> {
  readonly #options: ResourceInformerOptions<T>;
  readonly #informer;
  readonly #clock: Clock;
  #backoffMs = MIN_BACKOFF_MS;
  #lastActivity: number;
  #synced = false;
  #stopped = false;
  #restarting = false;
  /** set while the first list runs: its failure fails start() */
  #startError: { err: unknown } | undefined;
  #starting = false;
  #stopTimers: (() => void)[] = [];
  #cancelRestart: (() => void) | undefined;

  constructor(options: ResourceInformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#lastActivity = this.#clock.now();
    this.#informer = makeInformer<T>(options.kubeConfig, options.path, options.list, options.labelSelector);
    const touch = () => {
      this.#lastActivity = this.#clock.now();
    };
    const previous = new Map<string, T>();
    const keyOf = (o: T) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
    this.#informer.on("add", (o) => {
      touch();
      previous.set(keyOf(o), o);
      options.onEvent("add", o);
    });
    this.#informer.on("update", (o) => {
      touch();
      const old = previous.get(keyOf(o));
      previous.set(keyOf(o), o);
      options.onEvent("update", o, old);
    });
    this.#informer.on("delete", (o) => {
      touch();
      previous.delete(keyOf(o));
      options.onEvent("delete", o);
    });
    this.#informer.on("connect", () => {
      touch();
    });
    this.#informer.on("error", (err) => {
      // our own stop() aborts the watch request: not a failure
      if ((err as { name?: string } | undefined)?.name === "AbortError") return;
      if (this.#starting) this.#startError = { err };
      else this.#onError(err);
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  /**
   * Lists, starts watching, and resolves once the first list is in the cache. A failing list
   * (API server starting, CRD just established: 429, 503, 404) is retried with backoff until it
   * succeeds or stop() is called.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    for (;;) {
      this.#starting = true;
      this.#startError = undefined;
      try {
        await this.#informer.start();
      } finally {
        this.#starting = false;
      }
      const failed = this.#startError as { err: unknown } | undefined;
      if (!failed) break;
      await this.#informer.stop();
      if (this.#stopped) throw new Error(`stopped before ${this.#options.resource} were listed`);
      const delay = Math.round(this.#backoffMs * (0.8 + Math.random() * 0.4));
      this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
      this.#options.log.warn(
        { resource: this.#options.resource, err: describeError(failed.err), retryInMs: delay },
        "Initial list failed; retrying.",
      );
      await new Promise<void>((resolve) => this.#clock.after(delay, resolve));
      if (this.#stopped) throw new Error(`stopped before ${this.#options.resource} were listed`);
      this.#stopped = false;
    }
    this.#synced = true;
    this.#backoffMs = MIN_BACKOFF_MS;
    this.#lastActivity = this.#clock.now();
    const stopResync = this.#clock.every(this.#options.resyncMs, () => this.#options.onResync?.(this.list()));
    const stopStaleCheck = this.#clock.every(
      Math.max(1000, Math.min(this.#options.staleMs / 4, 60_000)),
      () => {
        if (this.#clock.now() - this.#lastActivity > this.#options.staleMs) {
          this.#options.log.info(
            { resource: this.#options.resource },
            "Watch silent for too long; restarting it.",
          );
          void this.#restart();
        }
      },
    );
    this.#stopTimers = [stopResync, stopStaleCheck];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const stopTimer of this.#stopTimers) stopTimer();
    this.#cancelRestart?.();
    await this.#informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#informer.list(namespace);
  }

  #onError(err: unknown): void {
    if (this.#stopped || this.#restarting) return;
    const delay = Math.round(this.#backoffMs * (0.8 + Math.random() * 0.4));
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    this.#options.log.warn(
      { resource: this.#options.resource, err: describeError(err), retryInMs: delay },
      "Watch failed; restarting it after a backoff.",
    );
    this.#options.onRestart?.(this.#options.resource);
    this.#cancelRestart = this.#clock.after(delay, () => {
      this.#cancelRestart = undefined;
      if (this.#stopped) return;
      this.#informer.start().then(
        () => {
          this.#backoffMs = MIN_BACKOFF_MS;
        },
        (e: unknown) => this.#onError(e),
      );
    });
  }

  async #restart(): Promise<void> {
    if (this.#stopped || this.#restarting) return;
    this.#restarting = true;
    this.#options.onRestart?.(this.#options.resource);
    try {
      await this.#informer.stop();
    } finally {
      this.#restarting = false;
    }
    this.#lastActivity = this.#clock.now();
    // a failure here arrives as an "error" event, which schedules the next attempt
    await this.#informer.start().catch((err: unknown) => this.#onError(err));
  }
}
