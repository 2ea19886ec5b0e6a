/**
 * The read-through cache of catalog items (tokens, databases, series), over Redis in the cloud and
 * a map in local mode. Rules every adapter keeps:
 * - A cache never fails a request: an adapter that cannot reach its store answers "miss" and the
 *   caller reads DynamoDB (slower), counting the error in metrics and readiness detail.
 * - Absent items are cached too (negative caching, shorter TTL), so unknown tokens do not all
 *   reach DynamoDB.
 * - `invalidate` deletes a key and guards it for a few seconds, during which reads miss and fills
 *   are refused: a read that loaded the old item just before a change cannot put it back.
 * - Fills never overwrite (SET NX), so a guard or a newer entry wins.
 */
import type { ApiMetrics } from "../metrics.js";

export type CacheEntry = { found: true; value: unknown } | { found: false };

export interface CacheHealth {
  status: "ok" | "degraded" | "disabled";
  detail?: string;
}

export interface Cache {
  /** The entry, or undefined on a miss (or a guard, or an error). Never throws. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores the entry unless the key holds anything (entry or guard). Never throws. */
  fill(key: string, entry: CacheEntry, ttlMs: number): Promise<void>;
  /** Drops the keys and guards them against fills for a while. Never throws. */
  invalidate(keys: readonly string[]): Promise<void>;
  health(): CacheHealth;
  close(): Promise<void>;
}

/** Cache keys; `v1` changes when the shape of cached values does. */
export const cacheKeys = {
  token: (tokenId: string) => `tsg:v1:token:${tokenId}`,
  database: (accountId: string, name: string) => `tsg:v1:db:${accountId}:${name}`,
  /** by the database's uid, so a database deleted and made again never sees old series */
  series: (databaseUid: string, name: string) => `tsg:v1:series:${databaseUid}:${name}`,
};

export interface CacheTtl {
  hitMs: number;
  missMs: number;
}

/** Reads `key` from the cache, else loads it and fills the cache with what was found (or not). */
export async function readThrough<T>(
  cache: Cache,
  metrics: ApiMetrics,
  kind: string,
  key: string,
  ttl: CacheTtl,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const cached = await cache.get(key);
  if (cached !== undefined) {
    metrics.cacheLookups.inc({ kind, result: cached.found ? "hit" : "negative_hit" });
    return cached.found ? (cached.value as T) : undefined;
  }
  metrics.cacheLookups.inc({ kind, result: "miss" });
  const loaded = await load();
  await cache.fill(
    key,
    loaded === undefined ? { found: false } : { found: true, value: loaded },
    loaded === undefined ? ttl.missMs : ttl.hitMs,
  );
  return loaded;
}

/** A cache that holds nothing (GURU_API_CACHE=none). */
export const noCache: Cache = {
  get: async () => undefined,
  fill: async () => {},
  invalidate: async () => {},
  health: () => ({ status: "disabled" }),
  close: async () => {},
};
