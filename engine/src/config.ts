/**
 * guru-engine's configuration: parsed once, from the environment (`configFromEnv`) or from an
 * object when the engine runs as a library (`engineConfig`). See docs/engine.md.
 */
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65_535);
const positive = z.coerce.number().int().positive();

export const engineConfigSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  /** q IPC port; 0 picks a free one */
  port: port.default(5001),
  httpHost: z.string().min(1).default("127.0.0.1"),
  /** side port for /healthz, /readyz and /metrics; 0 picks a free one */
  httpPort: port.default(8081),
  /** segment directories, one per volume; data spreads over all of them */
  segments: z.array(z.string().min(1)).min(1),
  /** a file of `user:password` lines */
  credentialsFile: z.string().min(1).optional(),
  /** one `user:password` pair */
  credentials: z.string().includes(":").optional(),
  /** accept any login; only for local development and tests */
  allowAnonymous: z.boolean().default(false),
  queryTimeoutMs: z.coerce.number().int().min(0).default(30_000),
  maxRows: positive.default(1_000_000),
  maxMessageBytes: positive.default(256 * 1024 * 1024),
  memoryLimitMb: positive.default(256),
  threads: positive.default(2),
  checkpointMb: positive.default(64),
  /** a pause in writes this long checkpoints a WAL past a quarter of `checkpointMb` (0: never) */
  idleCheckpointMs: z.coerce.number().int().min(0).default(3_000),
  readConnections: positive.default(4),
  compression: z.enum(["auto", "always", "never"]).default("auto"),
  /** days of data kept (0: all); unset keeps the database's stored setting (`.guru.retain`) */
  retentionDays: z.coerce.number().int().min(0).max(36_500).optional(),
  /** how often expired rows are deleted (queries never see them meanwhile) */
  retentionIntervalMs: positive.default(600_000),
  /** how long guru-engine keeps a snapshot no backup freed */
  snapshotMaxAgeMs: positive.default(6 * 3_600_000),
  /** how long shutdown waits for in-flight requests */
  shutdownGraceMs: z.coerce.number().int().min(0).default(10_000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type EngineConfig = z.infer<typeof engineConfigSchema>;
export type EngineConfigInput = z.input<typeof engineConfigSchema>;

export function engineConfig(input: EngineConfigInput): EngineConfig {
  return engineConfigSchema.parse(input);
}

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Environment variable → config field. */
const ENV: Record<string, keyof EngineConfig> = {
  GURU_HOST: "host",
  GURU_PORT: "port",
  GURU_HTTP_HOST: "httpHost",
  GURU_HTTP_PORT: "httpPort",
  GURU_SEGMENTS: "segments",
  GURU_CREDENTIALS_FILE: "credentialsFile",
  GURU_CREDENTIALS: "credentials",
  GURU_ALLOW_ANONYMOUS: "allowAnonymous",
  GURU_QUERY_TIMEOUT_MS: "queryTimeoutMs",
  GURU_MAX_ROWS: "maxRows",
  GURU_MAX_MESSAGE_BYTES: "maxMessageBytes",
  GURU_DUCKDB_MEMORY_MB: "memoryLimitMb",
  GURU_DUCKDB_THREADS: "threads",
  GURU_CHECKPOINT_MB: "checkpointMb",
  GURU_IDLE_CHECKPOINT_MS: "idleCheckpointMs",
  GURU_READ_CONNECTIONS: "readConnections",
  GURU_COMPRESSION: "compression",
  GURU_SHUTDOWN_GRACE_MS: "shutdownGraceMs",
  GURU_RETENTION_DAYS: "retentionDays",
  GURU_RETENTION_INTERVAL_MS: "retentionIntervalMs",
  GURU_SNAPSHOT_MAX_AGE_MS: "snapshotMaxAgeMs",
  GURU_LOG_LEVEL: "logLevel",
};

export function configFromEnv(env: NodeJS.ProcessEnv): EngineConfig {
  const input: Record<string, unknown> = {};
  for (const [variable, field] of Object.entries(ENV)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    if (field === "segments")
      input[field] = value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    else if (field === "allowAnonymous") input[field] = flag.parse(value);
    else input[field] = value;
  }
  return engineConfigSchema.parse(input);
}

/** The config without secrets, for logs. */
export function describeConfig(config: EngineConfig): Record<string, unknown> {
  const { credentials, ...rest } = config;
  return { ...rest, credentials: credentials === undefined ? undefined : "[redacted]" };
}
