/**
 * guru-api's configuration: parsed once from the environment by `loadConfig`, then passed down.
 * No other module reads process.env. Each variable, its default and its meaning are listed in
 * docs/api.md#configuration. `GURU_API_MODE` picks the defaults of every adapter:
 * local (dynalite on disk, in-process cache and events, guru-engine processes under ./data) or
 * cloud (DynamoDB, Redis, SNS/SQS, Kubernetes).
 */
import { availableParallelism, hostname } from "node:os";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.stringbool();
const list = z.string().transform((s) =>
  s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean),
);

/** `region=path,region=in-cluster` → { region: path } */
const kubeconfigMap = z.string().transform((s, ctx) => {
  const out: Record<string, string> = {};
  for (const pair of s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      ctx.addIssue({ code: "custom", message: `expected region=path or region=in-cluster, got "${pair}"` });
      return z.NEVER;
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
});

const envSchema = z.object({
  GURU_API_MODE: z.enum(["local", "cloud"]).default("local"),
  GURU_API_HOST: z.string().min(1).optional(),
  GURU_API_PORT: port.default(8080),
  GURU_API_METRICS_HOST: z.string().min(1).optional(),
  GURU_API_METRICS_PORT: port.default(9464),
  GURU_API_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GURU_API_INSTANCE_ID: z.string().min(1).optional(),
  GURU_API_REGION: z.string().min(1).optional(),
  GURU_API_REGIONS: list.optional(),
  GURU_API_DATA_DIR: z.string().min(1).default("./data"),
  GURU_API_TRUST_PROXY: flag.default(false),
  GURU_API_BODY_LIMIT: z.string().min(1).default("64kb"),

  GURU_API_CATALOG: z.enum(["dynalite", "dynamodb"]).optional(),
  GURU_API_DYNAMODB_TABLE: z.string().min(3).default("guru-catalog"),
  GURU_API_DYNAMODB_ENDPOINT: z.url().optional(),
  GURU_API_CREATE_TABLE: flag.optional(),
  AWS_REGION: z.string().min(1).optional(),

  GURU_API_CACHE: z.enum(["memory", "redis", "none"]).optional(),
  GURU_API_REDIS_URL: z.string().min(1).optional(),
  GURU_API_REDIS_TIMEOUT_MS: positiveInt.default(250),
  GURU_API_CACHE_TOKEN_TTL_S: positiveInt.default(300),
  GURU_API_CACHE_DATABASE_TTL_S: positiveInt.default(60),
  GURU_API_CACHE_SERIES_TTL_S: positiveInt.default(300),
  GURU_API_CACHE_NEGATIVE_TTL_S: positiveInt.default(10),
  GURU_API_CACHE_GUARD_MS: positiveInt.default(1000),

  GURU_API_EVENTS: z.enum(["memory", "sns"]).optional(),
  GURU_API_EVENTS_TOPIC_ARN: z.string().min(1).optional(),
  GURU_API_EVENTS_QUEUE_URL: z.url().optional(),
  GURU_API_SNS_ENDPOINT: z.url().optional(),
  GURU_API_SQS_ENDPOINT: z.url().optional(),
  GURU_API_EVENTS_WAIT_S: z.coerce.number().int().min(0).max(20).default(20),

  GURU_API_RATE_LIMIT: z.enum(["memory", "redis", "off"]).optional(),
  // A batching writer sends few large requests: the default must not cap one token's ingest below
  // what a database takes (200 bodies of 5,000 lines a second is 1M lines/s).
  GURU_API_RATE_LIMIT_PER_S: positiveInt.default(200),
  GURU_API_RATE_LIMIT_BURST: positiveInt.default(400),

  GURU_API_PROVISIONER: z.enum(["local", "kubernetes"]).optional(),
  GURU_API_LOCAL_ENGINE: z.enum(["process", "in-process"]).default("process"),
  GURU_API_KUBECONFIGS: kubeconfigMap.optional(),
  GURU_API_KUBE_NAMESPACE: z.string().min(1).default("guru-databases"),
  GURU_API_STORAGE_CLASS: z.string().min(1).default("gp3"),
  GURU_API_KDB_LICENSE_SECRET: z.string().min(1).optional(),
  GURU_API_RECONCILE_INTERVAL_MS: positiveInt.default(1000),
  GURU_API_PROVISION_TIMEOUT_S: positiveInt.default(1800),

  GURU_API_WRITE_BODY_LIMIT: z.string().min(1).default("32mb"),
  GURU_API_WRITE_AUTO_CREATE: flag.default(true),
  /** worker threads parsing line protocol; 0: parse on the thread serving HTTP (docs/performance.md) */
  GURU_API_PARSE_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  GURU_API_QUERY_MAX_ROWS: positiveInt.default(100_000),
  GURU_API_QUERY_PAGE_ROWS: positiveInt.default(50_000),
  GURU_API_DB_POOL_SIZE: positiveInt.default(4),
  GURU_API_DB_TIMEOUT_MS: positiveInt.default(30_000),
  GURU_API_DB_MAX_WRITES_IN_FLIGHT: positiveInt.default(64),
  GURU_API_DB_BREAKER_THRESHOLD: positiveInt.default(3),
  GURU_API_DB_BREAKER_COOLDOWN_MS: positiveInt.default(5000),

  GURU_API_JOB_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
  GURU_API_BACKUP_STORAGE: z.enum(["local", "s3"]).optional(),
  GURU_API_BACKUP_DIR: z.string().min(1).optional(),
  GURU_API_BACKUP_BUCKET: z.string().min(3).max(63).optional(),
  GURU_API_BACKUP_PREFIX: z.string().max(256).default(""),
  GURU_API_S3_ENDPOINT: z.url().optional(),
  GURU_API_BACKUP_SSE: z.enum(["AES256", "aws:kms"]).default("AES256"),
  GURU_API_BACKUP_KMS_KEY_ID: z.string().min(1).optional(),
  GURU_API_BACKUP_PART_MB: z.coerce.number().int().min(5).max(512).default(8),
  GURU_API_BACKUP_SCHEDULE_INTERVAL_MS: positiveInt.default(15_000),

  GURU_API_DEFAULT_MAX_DATABASES: positiveInt.default(10),
  GURU_API_DEFAULT_MAX_STORAGE_GIB: positiveInt.default(1024),
  GURU_API_DEFAULT_MAX_BACKUP_GIB: z.coerce.number().int().min(0).default(1024),
  GURU_API_BOOTSTRAP_ADMIN: flag.optional(),
});

export type ApiEnv = z.input<typeof envSchema>;

export interface ApiConfig {
  mode: "local" | "cloud";
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  instanceId: string;
  /** the region this instance serves: new databases default to it, its reconciler provisions it */
  region: string;
  /** regions databases may be created in */
  regions: string[];
  dataDir: string;
  trustProxy: boolean;
  bodyLimit: string;
  aws: { region: string };
  catalog: {
    kind: "dynalite" | "dynamodb";
    table: string;
    endpoint: string | undefined;
    createTable: boolean;
  };
  cache: {
    kind: "memory" | "redis" | "none";
    redisUrl: string | undefined;
    redisTimeoutMs: number;
    tokenTtlMs: number;
    databaseTtlMs: number;
    seriesTtlMs: number;
    negativeTtlMs: number;
    guardMs: number;
  };
  events: {
    kind: "memory" | "sns";
    topicArn: string | undefined;
    queueUrl: string | undefined;
    snsEndpoint: string | undefined;
    sqsEndpoint: string | undefined;
    waitSeconds: number;
  };
  rateLimit: { kind: "memory" | "redis" | "off"; perSecond: number; burst: number };
  provisioner: {
    kind: "local" | "kubernetes";
    localEngine: "process" | "in-process";
    kubeconfigs: Record<string, string>;
    namespace: string;
    storageClass: string;
    kdbLicenseSecret: string | undefined;
    reconcileIntervalMs: number;
    provisionTimeoutMs: number;
  };
  quotas: { maxDatabases: number; maxStorageGiB: number; maxBackupGiB: number };
  /** how long a running job's lease lasts without a heartbeat before another instance fails it */
  jobLeaseMs: number;
  backups: BackupsConfig;
  bootstrapAdmin: boolean;
  data: DataConfig;
}

/** Where backups are kept (docs/api.md#backups-and-restore). */
export interface BackupsConfig {
  storage: "local" | "s3";
  /** local: the directory (default `<dataDir>/backups`) */
  dir: string;
  /** s3: the bucket; without one, backups are unavailable (422 BACKUPS_UNAVAILABLE) */
  bucket: string | undefined;
  /** prepended to every key: `<prefix><accountId>/<database>/<backupId>/…` */
  prefix: string;
  s3Endpoint: string | undefined;
  sse: "AES256" | "aws:kms";
  kmsKeyId: string | undefined;
  /** multipart part size: the memory one upload holds */
  partBytes: number;
  /** how often each instance looks for due backup schedules */
  scheduleIntervalMs: number;
}

/** The data plane: writes, queries and the connections to databases. */
export interface DataConfig {
  /** largest write body (line protocol, JSON points; after gzip is undone) */
  writeBodyLimit: string;
  /** a line-protocol write may create the series of a new measurement */
  autoCreateSeries: boolean;
  /** worker threads parsing line protocol (0: none) */
  parseThreads: number;
  /** rows of one non-streamed reply (and the largest page) */
  queryMaxRows: number;
  /** rows fetched from the database per call while streaming */
  queryPageRows: number;
  poolSize: number;
  requestTimeoutMs: number;
  maxWritesInFlight: number;
  breaker: { threshold: number; cooldownMs: number };
}

/** Thrown with every problem of the environment at once, in zod's readable form. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * One thread serves HTTP and q IPC; workers pay off only when cores are left for them. On two
 * cores (shared with the engines in local mode) inline parsing measured faster and leaner than
 * one or two workers (docs/performance.md#ingest-path).
 */
export function defaultParseThreads(cores: number): number {
  return cores > 2 ? cores - 1 : 0;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const local = e.GURU_API_MODE === "local";
  const region = e.GURU_API_REGION ?? (local ? "local" : (e.AWS_REGION ?? "us-east-1"));
  const config: ApiConfig = {
    mode: e.GURU_API_MODE,
    host: e.GURU_API_HOST ?? (local ? "127.0.0.1" : "0.0.0.0"),
    port: e.GURU_API_PORT,
    metricsHost: e.GURU_API_METRICS_HOST ?? (local ? "127.0.0.1" : "0.0.0.0"),
    metricsPort: e.GURU_API_METRICS_PORT,
    logLevel: e.GURU_API_LOG_LEVEL,
    instanceId: e.GURU_API_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    region,
    regions: e.GURU_API_REGIONS ?? [region],
    dataDir: e.GURU_API_DATA_DIR,
    trustProxy: e.GURU_API_TRUST_PROXY,
    bodyLimit: e.GURU_API_BODY_LIMIT,
    aws: { region: e.AWS_REGION ?? "us-east-1" },
    catalog: {
      kind: e.GURU_API_CATALOG ?? (local ? "dynalite" : "dynamodb"),
      table: e.GURU_API_DYNAMODB_TABLE,
      endpoint: e.GURU_API_DYNAMODB_ENDPOINT,
      createTable: e.GURU_API_CREATE_TABLE ?? local,
    },
    cache: {
      kind: e.GURU_API_CACHE ?? (local ? "memory" : "redis"),
      redisUrl: e.GURU_API_REDIS_URL,
      redisTimeoutMs: e.GURU_API_REDIS_TIMEOUT_MS,
      tokenTtlMs: e.GURU_API_CACHE_TOKEN_TTL_S * 1000,
      databaseTtlMs: e.GURU_API_CACHE_DATABASE_TTL_S * 1000,
      seriesTtlMs: e.GURU_API_CACHE_SERIES_TTL_S * 1000,
      negativeTtlMs: e.GURU_API_CACHE_NEGATIVE_TTL_S * 1000,
      guardMs: e.GURU_API_CACHE_GUARD_MS,
    },
    events: {
      kind: e.GURU_API_EVENTS ?? (local ? "memory" : "sns"),
      topicArn: e.GURU_API_EVENTS_TOPIC_ARN,
      queueUrl: e.GURU_API_EVENTS_QUEUE_URL,
      snsEndpoint: e.GURU_API_SNS_ENDPOINT,
      sqsEndpoint: e.GURU_API_SQS_ENDPOINT,
      waitSeconds: e.GURU_API_EVENTS_WAIT_S,
    },
    rateLimit: {
      kind: e.GURU_API_RATE_LIMIT ?? (local ? "memory" : "redis"),
      perSecond: e.GURU_API_RATE_LIMIT_PER_S,
      burst: e.GURU_API_RATE_LIMIT_BURST,
    },
    provisioner: {
      kind: e.GURU_API_PROVISIONER ?? (local ? "local" : "kubernetes"),
      localEngine: e.GURU_API_LOCAL_ENGINE,
      kubeconfigs: e.GURU_API_KUBECONFIGS ?? { [region]: "in-cluster" },
      namespace: e.GURU_API_KUBE_NAMESPACE,
      storageClass: e.GURU_API_STORAGE_CLASS,
      kdbLicenseSecret: e.GURU_API_KDB_LICENSE_SECRET,
      reconcileIntervalMs: e.GURU_API_RECONCILE_INTERVAL_MS,
      provisionTimeoutMs: e.GURU_API_PROVISION_TIMEOUT_S * 1000,
    },
    quotas: {
      maxDatabases: e.GURU_API_DEFAULT_MAX_DATABASES,
      maxStorageGiB: e.GURU_API_DEFAULT_MAX_STORAGE_GIB,
      maxBackupGiB: e.GURU_API_DEFAULT_MAX_BACKUP_GIB,
    },
    jobLeaseMs: e.GURU_API_JOB_LEASE_MS,
    backups: {
      storage: e.GURU_API_BACKUP_STORAGE ?? (local ? "local" : "s3"),
      dir: e.GURU_API_BACKUP_DIR ?? `${e.GURU_API_DATA_DIR}/backups`,
      bucket: e.GURU_API_BACKUP_BUCKET,
      prefix: e.GURU_API_BACKUP_PREFIX,
      s3Endpoint: e.GURU_API_S3_ENDPOINT,
      sse: e.GURU_API_BACKUP_SSE,
      kmsKeyId: e.GURU_API_BACKUP_KMS_KEY_ID,
      partBytes: e.GURU_API_BACKUP_PART_MB * 1024 * 1024,
      scheduleIntervalMs: e.GURU_API_BACKUP_SCHEDULE_INTERVAL_MS,
    },
    bootstrapAdmin: e.GURU_API_BOOTSTRAP_ADMIN ?? local,
    data: {
      writeBodyLimit: e.GURU_API_WRITE_BODY_LIMIT,
      autoCreateSeries: e.GURU_API_WRITE_AUTO_CREATE,
      parseThreads: e.GURU_API_PARSE_THREADS ?? defaultParseThreads(availableParallelism()),
      queryMaxRows: e.GURU_API_QUERY_MAX_ROWS,
      queryPageRows: e.GURU_API_QUERY_PAGE_ROWS,
      poolSize: e.GURU_API_DB_POOL_SIZE,
      requestTimeoutMs: e.GURU_API_DB_TIMEOUT_MS,
      maxWritesInFlight: e.GURU_API_DB_MAX_WRITES_IN_FLIGHT,
      breaker: { threshold: e.GURU_API_DB_BREAKER_THRESHOLD, cooldownMs: e.GURU_API_DB_BREAKER_COOLDOWN_MS },
    },
  };
  checkConsistency(config);
  return config;
}

function checkConsistency(config: ApiConfig): void {
  const problems: string[] = [];
  const usesRedis = config.cache.kind === "redis" || config.rateLimit.kind === "redis";
  if (usesRedis && config.cache.redisUrl === undefined)
    problems.push("GURU_API_REDIS_URL is required when the cache or the rate limiter uses redis");
  if (config.events.kind === "sns" && config.events.topicArn === undefined)
    problems.push("GURU_API_EVENTS_TOPIC_ARN is required with GURU_API_EVENTS=sns");
  if (config.events.kind === "sns" && config.events.queueUrl === undefined)
    problems.push("GURU_API_EVENTS_QUEUE_URL (this region's queue) is required with GURU_API_EVENTS=sns");
  if (!config.regions.includes(config.region))
    problems.push(
      `GURU_API_REGIONS (${config.regions.join(",")}) must include GURU_API_REGION (${config.region})`,
    );
  if (config.provisioner.kind === "kubernetes") {
    for (const region of config.regions)
      if (config.provisioner.kubeconfigs[region] === undefined)
        problems.push(`GURU_API_KUBECONFIGS has no entry for region ${region}`);
  }
  if (problems.length > 0)
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `✖ ${p}`).join("\n")}`);
}
