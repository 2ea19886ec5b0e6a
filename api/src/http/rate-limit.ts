/** Applies the per-token rate limit: RateLimit-* headers on every answer, 429 with Retry-After past it. */
import type { Response } from "express";
import type { Principal } from "../auth/scopes.js";
import { RateLimitedError } from "../errors/errors.js";
import type { ApiMetrics } from "../metrics.js";
import type { RateLimiter } from "../rate-limit/rate-limiter.js";

export function rateLimitOf(limiter: RateLimiter | undefined, metrics: ApiMetrics) {
  return async (res: Response, principal: Principal): Promise<void> => {
    if (limiter === undefined) return;
    const decision = await limiter.take(principal.tokenId);
    if (decision === undefined) {
      metrics.rateLimited.inc({ reason: "limiter_unavailable" });
      return; // fail open: the limiter's store is down
    }
    res.setHeader("RateLimit-Limit", String(limiter.limit.burst));
    res.setHeader("RateLimit-Remaining", String(decision.remaining));
    if (!decision.allowed) {
      metrics.rateLimited.inc({ reason: "limit" });
      throw new RateLimitedError(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    }
  };
}
