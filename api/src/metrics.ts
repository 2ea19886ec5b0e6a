/**
 * Every metric guru-api exports, on its own registry (never prom-client's global one, so that two
 * apps in one test process do not collide). Served on the metrics port, apart from the API.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const PREFIX = "tsg_api_";

/** A counter whose labels are checked by the compiler: a missing label is a type error. */
export interface TypedCounter<L extends string> {
  inc(labels: Record<L, string | number>, value?: number): void;
}

export interface TypedHistogram<L extends string> {
  observe(labels: Record<L, string | number>, seconds: number): void;
}

export interface TypedGauge<L extends string> {
  set(labels: Record<L, string | number>, value: number): void;
}

export interface ApiMetrics {
  registry: Registry;
  httpRequests: TypedCounter<"method" | "route" | "status">;
  httpDuration: TypedHistogram<"method" | "route">;
  catalogDuration: TypedHistogram<"operation" | "outcome">;
  /** result: hit, negative_hit, miss, error */
  cacheLookups: TypedCounter<"kind" | "result">;
  cacheErrors: TypedCounter<"operation">;
  /** 1 while the cache answers, 0 while it does not (the API then reads DynamoDB directly) */
  cacheUp: TypedGauge<"backend">;
  eventsPublished: TypedCounter<"type" | "outcome">;
  eventsReceived: TypedCounter<"outcome">;
  rateLimited: TypedCounter<"reason">;
  reconciles: TypedCounter<"status" | "outcome">;
  authFailures: TypedCounter<"code">;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labels: L[],
): TypedCounter<L> {
  const metric = new Counter({ name: PREFIX + name, help, labelNames: labels, registers: [registry] });
  return { inc: (values, by = 1) => metric.inc(values, by) };
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labels: L[],
  buckets: number[],
): TypedHistogram<L> {
  const metric = new Histogram({
    name: PREFIX + name,
    help,
    labelNames: labels,
    buckets,
    registers: [registry],
  });
  return { observe: (values, seconds) => metric.observe(values, seconds) };
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labels: L[]): TypedGauge<L> {
  const metric = new Gauge({ name: PREFIX + name, help, labelNames: labels, registers: [registry] });
  return { set: (values, value) => metric.set(values, value) };
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return {
    registry,
    httpRequests: counter(registry, "http_requests_total", "HTTP requests answered", [
      "method",
      "route",
      "status",
    ]),
    httpDuration: histogram(
      registry,
      "http_request_duration_seconds",
      "Time to answer an HTTP request",
      ["method", "route"],
      HTTP_BUCKETS,
    ),
    catalogDuration: histogram(
      registry,
      "catalog_operation_duration_seconds",
      "DynamoDB catalog calls",
      ["operation", "outcome"],
      HTTP_BUCKETS,
    ),
    cacheLookups: counter(registry, "cache_lookups_total", "Cache lookups by result", ["kind", "result"]),
    cacheErrors: counter(
      registry,
      "cache_errors_total",
      "Cache operations that failed (served from DynamoDB)",
      ["operation"],
    ),
    cacheUp: gauge(registry, "cache_up", "1 while the cache answers, 0 while the API bypasses it", [
      "backend",
    ]),
    eventsPublished: counter(registry, "events_published_total", "Change events published", [
      "type",
      "outcome",
    ]),
    eventsReceived: counter(registry, "events_received_total", "Change events received and applied", [
      "outcome",
    ]),
    rateLimited: counter(registry, "rate_limited_total", "Requests refused (429) or let through unchecked", [
      "reason",
    ]),
    reconciles: counter(registry, "reconciles_total", "Provisioning reconcile passes per database", [
      "status",
      "outcome",
    ]),
    authFailures: counter(registry, "auth_failures_total", "Requests refused by authentication", ["code"]),
  };
}
