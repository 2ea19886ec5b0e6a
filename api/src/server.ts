/**
 * `createRuntime` is guru-api's start as a list of steps: the adapters the config asks for
 * (adapters.ts, local or cloud), the services and their background parts (reconciler, event
 * consumer, sweeper, scheduler), the health checks and the app; `listenRuntime` opens the API
 * and metrics ports. main.ts runs it as a process; tests call `createRuntime` with overrides.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { Logger } from "pino";
import {
  type AdapterOptions,
  type AwsCredentialIdentity,
  type OpenAdapters,
  openAdapters,
} from "./adapters.js";
import { type AppDeps, buildApp } from "./app.js";
import type { Cache } from "./cache/cache.js";
import { keys } from "./catalog/keys.js";
import type { CatalogTable } from "./catalog/table.js";
import { composeServices, type Services } from "./compose.js";
import type { ApiConfig } from "./config.js";
import type { ChangeFeed } from "./events/change-feed.js";
import { answerClientErrors } from "./http/client-errors.js";
import type { HealthCheck } from "./http/health.js";
import type { AnyRoute } from "./http/route.js";
import { createLogger } from "./logger.js";
import { type ApiMetrics, createMetrics } from "./metrics.js";
import type { Provisioner } from "./provisioning/provisioner.js";

export interface RuntimeOverrides {
  logger?: Logger;
  metrics?: ApiMetrics;
  provisioner?: Provisioner;
  /** credentials for the AWS clients (tests: moto and dynalite accept any) */
  awsCredentials?: AwsCredentialIdentity;
  /** default true: run the reconciler and the event consumer (the admin CLI does not) */
  background?: boolean;
  extraRoutes?: (services: Services) => AnyRoute[];
  extend?: AppDeps["extend"];
  /** ms since 1970 for job leases and token expiry (tests: an injected clock) */
  clock?: () => number;
}

export interface ApiRuntime {
  config: ApiConfig;
  logger: Logger;
  metrics: ApiMetrics;
  app: Express;
  services: Services;
  table: CatalogTable;
  cache: Cache;
  changes: ChangeFeed;
  provisioner: Provisioner;
  checks: HealthCheck[];
  close(): Promise<void>;
}

export async function createRuntime(
  config: ApiConfig,
  overrides: RuntimeOverrides = {},
): Promise<ApiRuntime> {
  const closers = closeInReverse();
  const logger = overrides.logger ?? createLogger(config);
  const metrics = overrides.metrics ?? createMetrics();
  const { awsCredentials, provisioner } = overrides;
  const parts = { config, logger, metrics, awsCredentials, provisioner, onClose: closers.add };
  try {
    const adapters = await openAdapters(parts);
    const services = await startServices(parts, adapters, overrides);
    const checks = healthChecks(adapters);
    const { extraRoutes, extend } = overrides;
    const { rateLimiter, table, cache, changes } = adapters;
    const app = buildApp({ config, logger, metrics, services, rateLimiter, checks, extraRoutes, extend });
    logReady(parts, adapters.provisioner);
    const runtime = { config, logger, metrics, app, services, table, cache, changes, checks };
    return { ...runtime, provisioner: adapters.provisioner, close: closers.close };
  } catch (err) {
    await closers.close();
    throw err;
  }
}

/**
 * The services on the adapters, closed before them; their background parts (reconciler, event
 * consumer, sweeper, scheduler) run unless the caller says not (the admin CLI).
 */
async function startServices(
  parts: AdapterOptions,
  adapters: OpenAdapters,
  overrides: RuntimeOverrides,
): Promise<Services> {
  const { config, logger, metrics, onClose } = parts;
  const { table, cache, changes, provisioner, connections, parser, backupStorage } = adapters;
  const { clock } = overrides;
  const services = composeServices({
    config,
    logger,
    metrics,
    table,
    cache,
    changes,
    provisioner,
    connections,
    parser,
    backupStorage,
    clock,
  });
  adapters.wireRestores(services.restores);
  onClose(() => services.reconciler.stop());
  onClose(() => services.sweeper.stop());
  onClose(() => services.scheduler.stop());
  // first on close: cloud backups are left to another instance, not failed
  onClose(() => services.backups.stop());
  if (overrides.background === false) return services;
  adapters.consumer.start((event) => adapters.changes.apply(event));
  await services.reconciler.start();
  services.sweeper.start();
  services.scheduler.start();
  return services;
}

/** Only the catalog decides readiness (critical); the others are reported. */
function healthChecks({ table, cache, consumer, provisioner }: OpenAdapters): HealthCheck[] {
  return [
    {
      name: "catalog",
      critical: true,
      check: async () => {
        await table.get(keys.bootstrap, false);
        return { status: "ok" };
      },
    },
    { name: "cache", critical: false, check: async () => cache.health() },
    { name: "events", critical: false, check: async () => consumer.health() },
    { name: "provisioner", critical: false, check: async () => provisioner.health() },
  ];
}

function logReady({ config, logger }: AdapterOptions, provisioner: Provisioner): void {
  logger.info(
    {
      mode: config.mode,
      region: config.region,
      catalog: config.catalog.kind,
      cache: config.cache.kind,
      events: config.events.kind,
      provisioner: provisioner.kind,
      local: config.mode === "local",
    },
    "guru-api ready",
  );
}

/** Closes what was opened, last first, once; a close that fails does not keep the others open. */
function closeInReverse() {
  const steps: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const runAll = async () => {
    for (const step of steps.reverse()) await step().catch(() => undefined);
  };
  return {
    add: (step: () => Promise<void>) => {
      steps.push(step);
    },
    close: () => {
      closing ??= runAll();
      return closing;
    },
  };
}

export interface Listening {
  url: string;
  metricsUrl: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Opens the API port and the metrics port. */
export async function listenRuntime(runtime: ApiRuntime): Promise<Listening> {
  const { config, metrics } = runtime;
  const api = createServer(runtime.app);
  answerClientErrors(api, runtime.logger);
  api.keepAliveTimeout = 65_000; // longer than load balancers' idle timeout
  const metricsServer = createServer((req, res) => {
    if (req.url === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else res.writeHead(404).end();
  });
  const port = await listen(api, config.port, config.host);
  const metricsPort = await listen(metricsServer, config.metricsPort, config.metricsHost);
  const close = async () => {
    await Promise.all(
      [api, metricsServer].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    );
  };
  return {
    url: `http://${config.host}:${port}`,
    metricsUrl: `http://${config.metricsHost}:${metricsPort}`,
    close,
  };
}
