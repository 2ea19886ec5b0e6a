/**
 * The Redis cache (ElastiCache in the cloud). Values: `v<json>` for an item, `m` for "absent"
 * (negative entry), `g` for an invalidation guard. Commands fail fast while Redis is unreachable
 * (no offline queue, a short command timeout), and every failure is a miss: the API keeps
 * answering from DynamoDB and reports the cache as degraded.
 */
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ApiMetrics } from "../metrics.js";
import type { Cache, CacheEntry, CacheHealth } from "./cache.js";

export interface RedisCacheOptions {
  url: string;
  guardMs: number;
  commandTimeoutMs: number;
  metrics: ApiMetrics;
  logger: Logger;
}

/** Redis client options shared by the cache and the rate limiter: fail fast, reconnect forever. */
export function createRedisClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    lazyConnect: false,
  });
}

export class RedisCache implements Cache {
  readonly redis: Redis;
  readonly #options: RedisCacheOptions;
  #lastError: string | undefined;
  #lastFailureAt = 0;

  constructor(options: RedisCacheOptions) {
    this.#options = options;
    this.redis = createRedisClient(options.url, options.commandTimeoutMs);
    const { metrics, logger } = options;
    metrics.cacheUp.set({ backend: "redis" }, 0);
    this.redis.on("ready", () => {
      if (this.#lastError !== undefined) logger.info({}, "redis cache reachable again");
      this.#lastError = undefined;
      metrics.cacheUp.set({ backend: "redis" }, 1);
    });
    this.redis.on("error", (err: Error) => {
      // Loud once per outage, then quiet: ioredis reports every reconnect attempt.
      if (this.#lastError === undefined)
        logger.warn({ err }, "redis cache unreachable; reading DynamoDB directly");
      this.#lastError = err.message;
    });
    this.redis.on("end", () => metrics.cacheUp.set({ backend: "redis" }, 0));
    this.redis.on("close", () => metrics.cacheUp.set({ backend: "redis" }, 0));
  }

  #failed(operation: string, err: unknown): void {
    this.#options.metrics.cacheErrors.inc({ operation });
    this.#lastError = (err as Error).message ?? String(err);
    this.#lastFailureAt = Date.now();
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      const raw = await this.redis.get(key);
      if (raw === null || raw === "g") return undefined;
      if (raw === "m") return { found: false };
      return { found: true, value: JSON.parse(raw.slice(1)) };
    } catch (err) {
      this.#failed("get", err);
      return undefined;
    }
  }

  async fill(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    try {
      const raw = entry.found ? `v${JSON.stringify(entry.value)}` : "m";
      await this.redis.set(key, raw, "PX", ttlMs, "NX");
    } catch (err) {
      this.#failed("fill", err);
    }
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const pipeline = this.redis.multi();
      for (const key of keys) pipeline.set(key, "g", "PX", this.#options.guardMs);
      await pipeline.exec();
    } catch (err) {
      this.#failed("invalidate", err);
    }
  }

  health(): CacheHealth {
    // a failure in the last 10 s counts, even when the connection itself looks up (timeouts)
    if (this.redis.status === "ready" && Date.now() - this.#lastFailureAt > 10_000) return { status: "ok" };
    return {
      status: "degraded",
      detail: `redis ${this.redis.status}${this.#lastError ? `: ${this.#lastError}` : ""}`,
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
