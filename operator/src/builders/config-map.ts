/**
 * The ConfigMap of a database: `par.txt` (the segment list, one `/data/stripe-<i>/db` per line,
 * no trailing `/`) and the data plane's environment (read with envFrom), per engine.
 */
import { createHash } from "node:crypto";
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import {
  CREDENTIALS_KEY,
  childMetadata,
  ENGINE_HTTP_PORT,
  names,
  Q_PORT,
  SECRET_MOUNT,
  segmentDir,
  stripeMount,
} from "./names.js";

/** Worker threads: spec.compute.threads, or one per stripe. */
export function threads(db: KdbDatabase): number {
  return db.spec.compute.threads ?? db.spec.storage.stripes;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** par.txt: one segment directory per stripe, in stripe order. */
export function parTxt(db: KdbDatabase): string {
  return range(db.spec.storage.stripes)
    .map((i) => `${segmentDir(i)}\n`)
    .join("");
}

/** The data plane's environment variables (docs/engine.md; images/kdb/README.md). */
export function engineEnvironment(db: KdbDatabase): Record<string, string> {
  const { settings, storage, retention } = db.spec;
  const stripes = range(storage.stripes);
  const credentialsFile = `${SECRET_MOUNT}/${CREDENTIALS_KEY}`;
  const retentionEnv: Record<string, string> = retention
    ? { GURU_RETENTION_DAYS: String(retention.days) }
    : {};
  if (db.spec.engine === "kdb") {
    return {
      GURU_STRIPES: stripes.map(stripeMount).join(" "),
      GURU_PORT: String(Q_PORT),
      GURU_CREDENTIALS_FILE: credentialsFile,
      GURU_THREADS: String(threads(db)),
      GURU_TIMEOUT_SECONDS: String(settings.timeoutSeconds),
      GURU_MAX_ROWS: String(settings.maxRows),
      GURU_SAVEDOWN_SECONDS: String(settings.savedownSeconds),
      ...retentionEnv,
    };
  }
  return {
    GURU_SEGMENTS: stripes.map(segmentDir).join(","),
    GURU_HOST: "0.0.0.0",
    GURU_PORT: String(Q_PORT),
    GURU_HTTP_HOST: "0.0.0.0",
    GURU_HTTP_PORT: String(ENGINE_HTTP_PORT),
    GURU_CREDENTIALS_FILE: credentialsFile,
    GURU_DUCKDB_THREADS: String(threads(db)),
    GURU_QUERY_TIMEOUT_MS: String(settings.timeoutSeconds * 1000),
    GURU_MAX_ROWS: String(settings.maxRows),
    ...retentionEnv,
  };
}

export function buildConfigMap(db: KdbDatabase): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMetadata(db, names.configMap(db.metadata.name)),
    data: { "par.txt": parTxt(db), ...engineEnvironment(db) },
  };
}

/** A short, stable hash of any JSON value (keys sorted), for the pod template's annotations. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
