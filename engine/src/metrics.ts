/** Prometheus metrics of one engine, in its own registry (several engines may share a process). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface EngineMetrics {
  registry: Registry;
  rowsWritten: Counter;
  requests: Counter<"function" | "outcome">;
  duration: Histogram<"function">;
}

export function createMetrics(segmentPaths: readonly string[], segmentBytes: () => number[]): EngineMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rowsWritten = new Counter({
    name: "guru_rows_written_total",
    help: "Rows acknowledged by .guru.write",
    registers: [registry],
  });
  const requests = new Counter({
    name: "guru_requests_total",
    help: "q API calls by function and outcome (ok or the error word)",
    labelNames: ["function", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "guru_request_duration_seconds",
    help: "q API call latency by function",
    labelNames: ["function"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: "guru_segment_bytes",
    help: "Bytes on disk per segment directory",
    labelNames: ["segment"] as const,
    registers: [registry],
    collect() {
      for (const [i, bytes] of segmentBytes().entries())
        this.set({ segment: segmentPaths[i] ?? String(i) }, bytes);
    },
  });
  return { registry, rowsWritten, requests, duration };
}
