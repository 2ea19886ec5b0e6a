/**
 * guru-operator's Prometheus metrics, on a registry of its own (never prom-client's global one,
 * so tests and in-process operators stay apart). Served on /metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type ReconcileOutcome = "success" | "requeue" | "error";

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<"outcome">;
  errors: Counter;
  duration: Histogram<"outcome">;
  queueDepth: Gauge;
  leader: Gauge;
  informerRestarts: Counter<"resource">;
  applies: Counter<"kind">;
}

export function createMetrics({ processMetrics = true }: { processMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: "guru_operator_" });
  return {
    registry,
    reconciles: new Counter({
      name: "guru_operator_reconciles_total",
      help: "KdbDatabase reconciles, by outcome (success, requeue: waiting for something, error).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    errors: new Counter({
      name: "guru_operator_reconcile_errors_total",
      help: "Reconciles that failed and were retried with backoff.",
      registers: [registry],
    }),
    duration: new Histogram({
      name: "guru_operator_reconcile_duration_seconds",
      help: "Time one reconcile took.",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "guru_operator_queue_depth",
      help: "KdbDatabases waiting in the work queue.",
      registers: [registry],
    }),
    leader: new Gauge({
      name: "guru_operator_leader",
      help: "1 while this replica holds the leader Lease and reconciles.",
      registers: [registry],
    }),
    informerRestarts: new Counter({
      name: "guru_operator_informer_restarts_total",
      help: "Watches restarted after an error or a silence, by resource.",
      labelNames: ["resource"],
      registers: [registry],
    }),
    applies: new Counter({
      name: "guru_operator_applies_total",
      help: "Server-side applies of child objects, by kind.",
      labelNames: ["kind"],
      registers: [registry],
    }),
  };
}
