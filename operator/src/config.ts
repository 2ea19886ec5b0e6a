/**
 * guru-operator's configuration: one object, parsed once from the environment at start
 * (`loadConfig`), passed down. Nothing else reads process.env. docs/operator.md lists every
 * variable.
 */
import { hostname } from "node:os";
import { z } from "zod";

const seconds = z.coerce.number().positive();
const count = z.coerce.number().int().positive();
const flag = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .or(z.boolean());

export const operatorConfigSchema = z.object({
  /** a kubeconfig file; unset: the in-cluster service account */
  kubeconfig: z.string().min(1).optional(),
  /** only this namespace's KdbDatabases; unset: every namespace */
  watchNamespace: z.string().min(1).optional(),
  /** the operator's own namespace: its leader Lease lives there */
  namespace: z.string().min(1).default("guru-system"),
  /** this replica's name in the Lease and in Events (the pod name in a cluster) */
  identity: z.string().min(1).default(hostname()),
  leaderElection: flag.default(true),
  leaseName: z.string().min(1).default("guru-operator"),
  leaseDurationSeconds: count.default(15),
  renewDeadlineSeconds: seconds.default(10),
  retryPeriodSeconds: seconds.default(2),
  /** reconciles running at once (each key is only ever handled by one) */
  workers: count.default(8),
  /** every cached KdbDatabase is reconciled again this often; children are re-applied as often */
  resyncSeconds: seconds.default(300),
  /** a watch with no event for this long is restarted */
  watchStaleSeconds: seconds.default(600),
  /** how often a waiting step (volume resize, StatefulSet replacement, pod start) looks again */
  pollSeconds: seconds.default(5),
  /** retry backoff of a failing reconcile: first delay and cap */
  retryBaseSeconds: seconds.default(0.5),
  retryMaxSeconds: seconds.default(300),
  /** overall retry rate across keys */
  retryQps: seconds.default(10),
  retryBurst: count.default(100),
  /** images used when spec.image is unset, pinned in status.image at first use */
  guruEngineImage: z.string().min(1).default("ghcr.io/time-series-guru/guru-engine:0.1.0"),
  kdbImage: z.string().min(1).default("ghcr.io/time-series-guru/guru-kdb:0.1.0"),
  /** the image backup Jobs run: guru-api's, which holds the backup program */
  backupImage: z.string().min(1).default("ghcr.io/time-series-guru/guru-api:0.1.0"),
  /** /healthz, /readyz, /metrics */
  httpHost: z.string().min(1).default("0.0.0.0"),
  httpPort: z.coerce.number().int().min(0).max(65_535).default(8080),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type OperatorConfig = z.output<typeof operatorConfigSchema>;
export type OperatorConfigInput = z.input<typeof operatorConfigSchema>;

/** Environment variable → field. */
export const ENVIRONMENT: Record<string, keyof OperatorConfig> = {
  KUBECONFIG: "kubeconfig",
  GURU_OPERATOR_WATCH_NAMESPACE: "watchNamespace",
  GURU_OPERATOR_NAMESPACE: "namespace",
  GURU_OPERATOR_IDENTITY: "identity",
  GURU_OPERATOR_LEADER_ELECTION: "leaderElection",
  GURU_OPERATOR_LEASE_NAME: "leaseName",
  GURU_OPERATOR_LEASE_DURATION_SECONDS: "leaseDurationSeconds",
  GURU_OPERATOR_RENEW_DEADLINE_SECONDS: "renewDeadlineSeconds",
  GURU_OPERATOR_RETRY_PERIOD_SECONDS: "retryPeriodSeconds",
  GURU_OPERATOR_WORKERS: "workers",
  GURU_OPERATOR_RESYNC_SECONDS: "resyncSeconds",
  GURU_OPERATOR_WATCH_STALE_SECONDS: "watchStaleSeconds",
  GURU_OPERATOR_POLL_SECONDS: "pollSeconds",
  GURU_OPERATOR_RETRY_BASE_SECONDS: "retryBaseSeconds",
  GURU_OPERATOR_RETRY_MAX_SECONDS: "retryMaxSeconds",
  GURU_OPERATOR_RETRY_QPS: "retryQps",
  GURU_OPERATOR_RETRY_BURST: "retryBurst",
  GURU_OPERATOR_GURU_ENGINE_IMAGE: "guruEngineImage",
  GURU_OPERATOR_KDB_IMAGE: "kdbImage",
  GURU_OPERATOR_BACKUP_IMAGE: "backupImage",
  GURU_OPERATOR_HTTP_HOST: "httpHost",
  GURU_OPERATOR_HTTP_PORT: "httpPort",
  GURU_LOG_LEVEL: "logLevel",
};

/** The configuration from an object (tests, benchmarks, in-process use). */
export function operatorConfig(input: OperatorConfigInput = {}): OperatorConfig {
  return operatorConfigSchema.parse(input);
}

/** The configuration from environment variables; an invalid one fails with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const input: Record<string, string> = {};
  for (const [variable, field] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== "") input[field] = value;
  }
  const parsed = operatorConfigSchema.safeParse(input);
  if (!parsed.success) {
    const byField = Object.fromEntries(Object.entries(ENVIRONMENT).map(([v, f]) => [f, v]));
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      return `${byField[field] ?? field}: ${issue.message}`;
    });
    throw new Error(`invalid guru-operator configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
