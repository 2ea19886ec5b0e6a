/**
 * The operator's work queues, one per kind it reconciles. They exist only while this replica
 * leads: a standby's informers keep their caches warm, and what they would enqueue is dropped,
 * because a replica that starts leading enqueues every cached object.
 */
import { describeError } from "./kube/api-error.js";
import { type Clock, realClock } from "./kube/clock.js";
import { type Handler, WorkQueue } from "./kube/work-queue.js";
import type { OperatorContext } from "./operator-context.js";

export type QueueKind = "database" | "backup" | "schedule";

export const keyOf = (namespace: string | undefined, name: string | undefined) =>
  `${namespace ?? ""}/${name ?? ""}`;

export class LeaderQueues {
  readonly #ctx: OperatorContext;
  #queues: Partial<Record<QueueKind, WorkQueue>> = {};

  constructor(ctx: OperatorContext) {
    this.#ctx = ctx;
  }

  add(kind: QueueKind, namespace: string | undefined, name: string | undefined): void {
    this.#queues[kind]?.add(keyOf(namespace, name));
  }

  /** A deleted object's key starts any later backoff afresh. */
  forget(kind: QueueKind, namespace: string | undefined, name: string | undefined): void {
    this.#queues[kind]?.forget(keyOf(namespace, name));
  }

  get(kind: QueueKind): WorkQueue {
    const queue = this.#queues[kind];
    if (!queue) throw new Error("this replica is not the leader: it has no work queue");
    return queue;
  }

  start(handlers: Record<QueueKind, Handler>): void {
    this.#queues = {
      database: this.#newQueue(handlers.database, { depth: true }),
      backup: this.#newQueue(handlers.backup),
      // a schedule's requeue waits for its next slot, on the clock tests move
      schedule: this.#newQueue(handlers.schedule, { clock: this.#ctx.clock }),
    };
    for (const queue of Object.values(this.#queues)) queue.start();
  }

  async stop(): Promise<void> {
    const current = Object.values(this.#queues);
    this.#queues = {};
    await Promise.all(current.map((queue) => queue.shutdown()));
  }

  /** the depth gauge is the KdbDatabase queue's */
  #newQueue(handler: Handler, { depth = false, clock = realClock as Clock } = {}): WorkQueue {
    const { config, metrics, log } = this.#ctx;
    return new WorkQueue(
      handler,
      {
        workers: config.workers,
        baseDelayMs: config.retryBaseSeconds * 1000,
        maxDelayMs: config.retryMaxSeconds * 1000,
        qps: config.retryQps,
        burst: config.retryBurst,
        clock,
      },
      {
        onDepth: depth ? (n) => metrics.queueDepth.set(n) : undefined,
        onDone(key, outcome, seconds, err) {
          metrics.reconciles.inc({ outcome });
          metrics.duration.observe({ outcome }, seconds);
          if (outcome !== "error") return;
          metrics.errors.inc();
          const [namespace, name] = key.split("/");
          log.error({ namespace, name, err: describeError(err) }, "Reconcile failed; retrying with backoff.");
        },
      },
    );
  }
}
