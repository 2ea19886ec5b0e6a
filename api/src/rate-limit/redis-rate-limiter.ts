/**
 * GCRA in Redis: one key per token holding its theoretical arrival time, updated by a Lua script
 * that reads Redis's own clock, so API instances with skewed clocks share one limit.
 */
import type { Redis } from "ioredis";
import type { RateDecision, RateLimiter } from "./rate-limiter.js";

const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local stored = tonumber(redis.call('GET', KEYS[1]))
local base = now
if stored and stored > now then base = stored end
local tat = base + interval
local ahead = tat - now
if ahead > tolerance then
  return {0, 0, math.ceil(ahead - tolerance)}
end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(ahead))
return {1, math.floor((tolerance - ahead) / interval), 0}
`;

export class RedisRateLimiter implements RateLimiter {
  readonly limit: { perSecond: number; burst: number };
  readonly #redis: Redis;
  readonly #onError: (err: unknown) => void;

  constructor(redis: Redis, limit: { perSecond: number; burst: number }, onError: (err: unknown) => void) {
    this.#redis = redis;
    this.limit = limit;
    this.#onError = onError;
  }

  async take(key: string): Promise<RateDecision | undefined> {
    const interval = 1000 / this.limit.perSecond;
    try {
      const [allowed, remaining, retryAfterMs] = (await this.#redis.eval(
        SCRIPT,
        1,
        `tsg:v1:rate:${key}`,
        String(interval),
        String(interval * this.limit.burst),
      )) as [number, number, number];
      return { allowed: allowed === 1, remaining, retryAfterMs };
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
