/**
 * Builds the adapters the config asks for (local or cloud), the services and the app, and runs
 * the background parts (reconciler, event consumer); `listen` opens the API and metrics ports.
 * main.ts runs it as a process; tests call `createRuntime` with overrides.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Express } from "express";
import type { Logger } from "pino";
import { type AppDeps, buildApp } from "./app.js";
import type { BackupStorage } from "./backups/backup-storage.js";
import type { RestoreService } from "./backups/restore-service.js";
import { type Cache, noCache } from "./cache/cache.js";
import { MemoryCache } from "./cache/memory-cache.js";
import { createRedisClient, RedisCache } from "./cache/redis-cache.js";
import { keys } from "./catalog/keys.js";
import { CatalogTable } from "./catalog/table.js";
import { ensureTable } from "./catalog/table-schema.js";
import { composeServices, type Services } from "./compose.js";
import { type ApiConfig, ConfigError } from "./config.js";
import { DatabaseConnections } from "./data/connections.js";
import { ChangeFeed } from "./events/change-feed.js";
import type { EventConsumer, EventPublisher } from "./events/events.js";
import { MemoryEventBus } from "./events/memory-bus.js";
import { SnsPublisher } from "./events/sns-publisher.js";
import { SqsConsumer } from "./events/sqs-consumer.js";
import { answerClientErrors } from "./http/client-errors.js";
import type { HealthCheck } from "./http/health.js";
import type { AnyRoute } from "./http/route.js";
import { createLogger } from "./logger.js";
import { type ApiMetrics, createMetrics } from "./metrics.js";
import { ParsePool } from "./points/parse-pool.js";
import type { Provisioner } from "./provisioning/provisioner.js";
import { MemoryRateLimiter, type RateLimiter } from "./rate-limit/rate-limiter.js";
import { RedisRateLimiter } from "./rate-limit/redis-rate-limiter.js";

/** Static AWS credentials (the SDK's AwsCredentialIdentity). */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Local stand-ins accept any credentials; the SDK must not go looking for real ones. */
const LOCAL_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "local", secretAccessKey: "local" };

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

/**
 * Loads a part only local mode uses (dynalite, guru-engine and DuckDB). The API image carries none
 * of them (images/api.Dockerfile), so there their absence is a configuration error, not a crash.
 */
async function localPart<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    throw new ConfigError(
      `local mode needs dynalite and guru-engine, which this installation lacks (${(err as Error).message.split("\n")[0]}): run it from the repository (make run), or set GURU_API_MODE=cloud`,
    );
  }
}

/** What the provisioner calls of the restore service, made after it. */
type Restorer = Pick<RestoreService, "materialize" | "bootstrapped">;

/** Each provisioner is loaded only in its mode: the cloud API has no use for the engine's code. */
async function createProvisioner(
  config: ApiConfig,
  logger: Logger,
  restorer: Restorer,
): Promise<Provisioner> {
  if (config.provisioner.kind === "local") {
    const { LocalProvisioner } = await localPart(() => import("./provisioning/local-provisioner.js"));
    return new LocalProvisioner({
      dataDir: config.dataDir,
      launch: config.provisioner.localEngine,
      logger,
      restore: (db, segments) => restorer.materialize(db, segments),
    });
  }
  const { KubernetesProvisioner } = await import("./provisioning/kubernetes-provisioner.js");
  return KubernetesProvisioner.fromConfig(
    config,
    logger.child({ component: "kubernetes-provisioner" }),
    (db) => restorer.bootstrapped(db),
  );
}

export async function createRuntime(
  config: ApiConfig,
  overrides: RuntimeOverrides = {},
): Promise<ApiRuntime> {
  const logger = overrides.logger ?? createLogger(config);
  const metrics = overrides.metrics ?? createMetrics();
  const cleanup: (() => Promise<void>)[] = [];
  const local = config.mode === "local";
  try {
    // ---- catalog ----
    let endpoint = config.catalog.endpoint;
    if (config.catalog.kind === "dynalite" && endpoint === undefined) {
      const { startLocalDynalite } = await localPart(() => import("./catalog/local-dynalite.js"));
      const dynalite = await startLocalDynalite(join(config.dataDir, "catalog"));
      cleanup.push(() => dynalite.close());
      endpoint = dynalite.endpoint;
    }
    const credentials =
      overrides.awsCredentials ?? (config.catalog.kind === "dynalite" ? LOCAL_CREDENTIALS : undefined);
    const dynamo = new DynamoDBClient({ region: config.aws.region, endpoint, credentials, maxAttempts: 3 });
    cleanup.push(async () => dynamo.destroy());
    if (config.catalog.createTable) await ensureTable(dynamo, config.catalog.table);
    const table = new CatalogTable(dynamo, config.catalog.table, metrics);

    // ---- cache and rate limiter ----
    let cache: Cache;
    if (config.cache.kind === "redis")
      cache = new RedisCache({
        url: config.cache.redisUrl!,
        guardMs: config.cache.guardMs,
        commandTimeoutMs: config.cache.redisTimeoutMs,
        metrics,
        logger,
      });
    else if (config.cache.kind === "memory") cache = new MemoryCache({ guardMs: config.cache.guardMs });
    else cache = noCache;
    cleanup.push(() => cache.close());
    let rateLimiter: RateLimiter | undefined;
    if (config.rateLimit.kind === "redis") {
      const redis = createRedisClient(config.cache.redisUrl!, config.cache.redisTimeoutMs);
      redis.on("error", () => {}); // the cache reports Redis outages; the limiter fails open
      rateLimiter = new RedisRateLimiter(redis, config.rateLimit, () =>
        metrics.cacheErrors.inc({ operation: "rate_limit" }),
      );
    } else if (config.rateLimit.kind === "memory") rateLimiter = new MemoryRateLimiter(config.rateLimit);
    if (rateLimiter !== undefined) cleanup.push(() => rateLimiter!.close());

    // ---- events ----
    let publisher: EventPublisher;
    let consumer: EventConsumer;
    if (config.events.kind === "sns") {
      const aws = { region: config.aws.region, credentials: overrides.awsCredentials };
      publisher = new SnsPublisher(
        new SNSClient({ ...aws, endpoint: config.events.snsEndpoint }),
        config.events.topicArn!,
      );
      consumer = new SqsConsumer({
        client: new SQSClient({ ...aws, endpoint: config.events.sqsEndpoint }),
        queueUrl: config.events.queueUrl!,
        waitSeconds: config.events.waitSeconds,
        metrics,
        logger: logger.child({ component: "events" }),
      });
    } else {
      const bus = new MemoryEventBus();
      publisher = bus;
      consumer = bus;
    }
    cleanup.push(() => publisher.close());
    cleanup.push(() => consumer.close());
    const changes = new ChangeFeed({ cache, publisher, metrics, logger, source: config.instanceId });

    // ---- backups ----
    const backupStorage = await createBackupStorage(config, overrides.awsCredentials);

    // ---- provisioning and data ----
    // the restore service is made with the services, after the provisioner that calls it
    let restores: Restorer | undefined;
    const notYet = () => Promise.reject(new Error("restores are not wired yet"));
    const restorer: Restorer = {
      materialize: (db, segments) => (restores === undefined ? notYet() : restores.materialize(db, segments)),
      bootstrapped: (db) => (restores === undefined ? notYet() : restores.bootstrapped(db)),
    };
    const provisioner = overrides.provisioner ?? (await createProvisioner(config, logger, restorer));
    cleanup.push(() => provisioner.close());
    const connections = new DatabaseConnections({
      provisioner,
      logger: logger.child({ component: "q" }),
      poolSize: config.data.poolSize,
      requestTimeoutMs: config.data.requestTimeoutMs,
      maxWritesInFlight: config.data.maxWritesInFlight,
      breaker: config.data.breaker,
    });
    cleanup.push(() => connections.close());
    const parser = new ParsePool({ threads: config.data.parseThreads, logger });
    cleanup.push(() => parser.close());

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
      clock: overrides.clock,
    });
    restores = services.restores;
    cleanup.push(() => services.reconciler.stop());
    cleanup.push(() => services.sweeper.stop());
    cleanup.push(() => services.scheduler.stop());
    // first on close: cloud backups are left to another instance, not failed
    cleanup.push(() => services.backups.stop());
    if (overrides.background !== false) {
      consumer.start((event) => changes.apply(event));
      await services.reconciler.start();
      services.sweeper.start();
      services.scheduler.start();
    }

    const checks: HealthCheck[] = [
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
    const app = buildApp({
      config,
      logger,
      metrics,
      services,
      rateLimiter,
      checks,
      extraRoutes: overrides.extraRoutes,
      extend: overrides.extend,
    });
    logger.info(
      {
        mode: config.mode,
        region: config.region,
        catalog: config.catalog.kind,
        cache: config.cache.kind,
        events: config.events.kind,
        provisioner: provisioner.kind,
        local,
      },
      "guru-api ready",
    );
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      metrics,
      app,
      services,
      table,
      cache,
      changes,
      provisioner,
      checks,
      close: () => {
        closing ??= runAll(cleanup.reverse());
        return closing;
      },
    };
  } catch (err) {
    await runAll(cleanup.reverse());
    throw err;
  }
}

/** The backup storage the config names; S3 is loaded only when used. */
async function createBackupStorage(
  config: ApiConfig,
  credentials: AwsCredentialIdentity | undefined,
): Promise<BackupStorage | undefined> {
  const b = config.backups;
  if (b.storage === "local") {
    const { LocalBackupStorage } = await import("./backups/local-backup-storage.js");
    return new LocalBackupStorage(b.dir);
  }
  if (b.bucket === undefined) return undefined;
  const { S3BackupStorage, s3Client } = await import("./backups/s3-backup-storage.js");
  return new S3BackupStorage({
    client: s3Client(config.aws.region, b.s3Endpoint, credentials),
    bucket: b.bucket,
    prefix: b.prefix,
    sse: b.sse,
    kmsKeyId: b.kmsKeyId,
    partBytes: b.partBytes,
  });
}

async function runAll(steps: (() => Promise<void>)[]): Promise<void> {
  for (const step of steps) await step().catch(() => undefined);
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
