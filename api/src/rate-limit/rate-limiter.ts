/**
 * Rate limiting per token with GCRA (the generic cell rate algorithm, a token bucket kept as one
 * timestamp): `perSecond` requests per second on average, bursts of up to `burst`. Shared across
 * API instances in Redis; in process for local mode. A limiter that cannot reach its store lets
 * the request through (counted): an outage of Redis must not become an outage of the API.
 */

export interface RateDecision {
  allowed: boolean;
  /** requests left in the burst after this one */
  remaining: number;
  /** when refused: milliseconds until a request would be allowed */
  retryAfterMs: number;
}

export interface RateLimiter {
  readonly limit: { perSecond: number; burst: number };
  /** Never throws; `undefined` when the limiter's store could not be asked. */
  take(key: string): Promise<RateDecision | undefined>;
  close(): Promise<void>;
}

/**
 * One GCRA step. `tat` is the theoretical arrival time of the next request (ms); each request
 * moves it on by the emission interval; a request is allowed while `tat` stays within
 * `burst` intervals of now. Returns the decision and the new `tat` to store (when allowed).
 */
export function gcra(
  now: number,
  storedTat: number | undefined,
  perSecond: number,
  burst: number,
): RateDecision & { tat: number } {
  const interval = 1000 / perSecond;
  const tolerance = interval * burst;
  const tat = Math.max(storedTat ?? now, now) + interval;
  const ahead = tat - now;
  if (ahead > tolerance) {
    return {
      allowed: false,
      remaining: 0,
      retryAfterMs: Math.ceil(ahead - tolerance),
      tat: storedTat ?? now,
    };
  }
  return { allowed: true, remaining: Math.floor((tolerance - ahead) / interval), retryAfterMs: 0, tat };
}

export class MemoryRateLimiter implements RateLimiter {
  readonly limit: { perSecond: number; burst: number };
  readonly #tats = new Map<string, number>();
  readonly #now: () => number;

  constructor(limit: { perSecond: number; burst: number }, now: () => number = Date.now) {
    this.limit = limit;
    this.#now = now;
  }

  async take(key: string): Promise<RateDecision> {
    const now = this.#now();
    const decision = gcra(now, this.#tats.get(key), this.limit.perSecond, this.limit.burst);
    if (decision.allowed) this.#tats.set(key, decision.tat);
    if (this.#tats.size > 100_000) this.#sweep(now);
    return decision;
  }

  #sweep(now: number): void {
    for (const [key, tat] of this.#tats) if (tat < now) this.#tats.delete(key);
  }

  async close(): Promise<void> {
    this.#tats.clear();
  }
}
