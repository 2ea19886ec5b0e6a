/**
 * A circuit breaker per database: after `threshold` consecutive failures to reach it, requests
 * fail at once for `cooldownMs` (503 with Retry-After) instead of each waiting for a connection
 * that will not come; then one request at a time probes it (half-open) until one succeeds.
 */
export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  readonly #o: BreakerOptions;
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: BreakerOptions) {
    this.#o = options;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Milliseconds until a request may be tried, or 0 when it may go now (and then holds the probe). */
  blockedFor(): number {
    if (this.#failures < this.#o.threshold) return 0;
    const wait = this.#openUntil - this.#now();
    if (wait > 0) return wait;
    if (this.#probing) return Math.max(1, this.#o.cooldownMs / 4);
    this.#probing = true;
    return 0;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
  }

  failed(): void {
    this.#failures++;
    this.#probing = false;
    if (this.#failures >= this.#o.threshold) this.#openUntil = this.#now() + this.#o.cooldownMs;
  }

  get open(): boolean {
    return this.#failures >= this.#o.threshold;
  }
}
