/**
 * The adapters the config names, local or cloud: catalog, cache, rate limiter, change events,
 * backup storage, provisioner, database connections and the parse pool. A part only one mode
 * uses is loaded only in that mode, so the cloud API carries no dynalite, guru-engine or DuckDB.
 */
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import type { BackupStorage } from "./backups/backup-storage.js";
import type { RestoreService } from "./backups/restore-service.js";
import { type Cache, noCache } from "./cache/cache.js";
import { MemoryCache } from "./cache/memory-cache.js";
import { createRedisClient, RedisCache } from "./cache/redis-cache.js";
import { CatalogTable } from "./catalog/table.js";
import { ensureTable } from "./catalog/table-schema.js";
import { type ApiConfig, ConfigError } from "./config.js";
import { DatabaseConnections } from "./data/connections.js";
import { ChangeFeed } from "./events/change-feed.js";
import type { EventConsumer, EventPublisher } from "./events/events.js";
import { MemoryEventBus } from "./events/memory-bus.js";
import { SnsPublisher } from "./events/sns-publisher.js";
import { SqsConsumer } from "./events/sqs-consumer.js";
import type { ApiMetrics } from "./metrics.js";
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

export interface AdapterOptions {
  config: ApiConfig;
  logger: Logger;
  metrics: ApiMetrics;
  awsCredentials?: AwsCredentialIdentity;
  /** instead of the config's (tests) */
  provisioner?: Provisioner;
  /** registers how to close a part; the parts close in the reverse order */
  onClose(close: () => Promise<void>): void;
}

/** What the provisioner calls of the restore service. */
type Restorer = Pick<RestoreService, "materialize" | "bootstrapped">;

export interface OpenAdapters {
  table: CatalogTable;
  cache: Cache;
  rateLimiter: RateLimiter | undefined;
  publisher: EventPublisher;
  consumer: EventConsumer;
  changes: ChangeFeed;
  backupStorage: BackupStorage | undefined;
  provisioner: Provisioner;
  connections: DatabaseConnections;
  parser: ParsePool;
  /** hands the provisioner the restore service, which is made with the services, after it */
  wireRestores(restores: Restorer): void;
}

export async function openAdapters(options: AdapterOptions): Promise<OpenAdapters> {
  const { config, logger, metrics } = options;
  const table = await openCatalog(options);
  const cache = openCache(options);
  const rateLimiter = openRateLimiter(options);
  const { publisher, consumer } = openEvents(options);
  const changes = new ChangeFeed({ cache, publisher, metrics, logger, source: config.instanceId });
  const backupStorage = await openBackupStorage(config, options.awsCredentials);
  const restorer = lateRestorer();
  const provisioner = options.provisioner ?? (await openProvisioner(config, logger, restorer));
  options.onClose(() => provisioner.close());
  const connections = openConnections(options, provisioner);
  const parser = new ParsePool({ threads: config.data.parseThreads, logger });
  options.onClose(() => parser.close());
  return {
    table,
    cache,
    rateLimiter,
    publisher,
    consumer,
    changes,
    backupStorage,
    provisioner,
    connections,
    parser,
    wireRestores: restorer.wire,
  };
}

async function openCatalog({
  config,
  metrics,
  awsCredentials,
  onClose,
}: AdapterOptions): Promise<CatalogTable> {
  let endpoint = config.catalog.endpoint;
  if (config.catalog.kind === "dynalite" && endpoint === undefined) {
    const { startLocalDynalite } = await localPart(() => import("./catalog/local-dynalite.js"));
    const dynalite = await startLocalDynalite(join(config.dataDir, "catalog"));
    onClose(() => dynalite.close());
    endpoint = dynalite.endpoint;
  }
  const credentials = awsCredentials ?? (config.catalog.kind === "dynalite" ? LOCAL_CREDENTIALS : undefined);
  const dynamo = new DynamoDBClient({ region: config.aws.region, endpoint, credentials, maxAttempts: 3 });
  onClose(async () => dynamo.destroy());
  if (config.catalog.createTable) await ensureTable(dynamo, config.catalog.table);
  return new CatalogTable(dynamo, config.catalog.table, metrics);
}

function openCache({ config, metrics, logger, onClose }: AdapterOptions): Cache {
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
  onClose(() => cache.close());
  return cache;
}

function openRateLimiter({ config, metrics, onClose }: AdapterOptions): RateLimiter | undefined {
  let rateLimiter: RateLimiter | undefined;
  if (config.rateLimit.kind === "redis") {
    const redis = createRedisClient(config.cache.redisUrl!, config.cache.redisTimeoutMs);
    redis.on("error", () => {}); // the cache reports Redis outages; the limiter fails open
    rateLimiter = new RedisRateLimiter(redis, config.rateLimit, () =>
      metrics.cacheErrors.inc({ operation: "rate_limit" }),
    );
  } else if (config.rateLimit.kind === "memory") rateLimiter = new MemoryRateLimiter(config.rateLimit);
  if (rateLimiter !== undefined) onClose(() => rateLimiter.close());
  return rateLimiter;
}

function openEvents(options: AdapterOptions): { publisher: EventPublisher; consumer: EventConsumer } {
  const { config, metrics, logger, onClose } = options;
  let publisher: EventPublisher;
  let consumer: EventConsumer;
  if (config.events.kind === "sns") {
    const aws = { region: config.aws.region, credentials: options.awsCredentials };
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
  onClose(() => publisher.close());
  onClose(() => consumer.close());
  return { publisher, consumer };
}

/** The backup storage the config names; S3 is loaded only when used. */
async function openBackupStorage(
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

/** The restore service, for the provisioner made before it. */
function lateRestorer(): Restorer & { wire(restores: Restorer): void } {
  let restores: Restorer | undefined;
  const notYet = () => Promise.reject(new Error("restores are not wired yet"));
  return {
    wire: (r) => {
      restores = r;
    },
    materialize: (db, segments) => (restores === undefined ? notYet() : restores.materialize(db, segments)),
    bootstrapped: (db) => (restores === undefined ? notYet() : restores.bootstrapped(db)),
  };
}

/** Each provisioner is loaded only in its mode: the cloud API has no use for the engine's code. */
async function openProvisioner(config: ApiConfig, logger: Logger, restorer: Restorer): Promise<Provisioner> {
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

function openConnections({ config, logger, onClose }: AdapterOptions, provisioner: Provisioner) {
  const connections = new DatabaseConnections({
    provisioner,
    logger: logger.child({ component: "q" }),
    poolSize: config.data.poolSize,
    requestTimeoutMs: config.data.requestTimeoutMs,
    maxWritesInFlight: config.data.maxWritesInFlight,
    breaker: config.data.breaker,
  });
  onClose(() => connections.close());
  return connections;
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
