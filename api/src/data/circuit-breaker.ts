/**
 * A circuit breaker per database: after `threshold` consecutive failures to reach it, requests
 * fail at once for `cooldownMs` (503 with Retry-After) instead of each waiting for a connection
 * that will not come; then one request at a time probes it (half-open) until one succeeds.
 * Any reply succeeds, q errors too: they prove the database reachable.
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

  /**
   * Whether a request may go now, or for how long it must wait. While half-open, the one request
   * let through is the probe: it must end with `succeeded`, `failed` or `released`.
   */
  admit(): { go: true; probe: boolean } | { go: false; waitMs: number } {
    if (this.#failures < this.#o.threshold) return { go: true, probe: false };
    const wait = this.#openUntil - this.#now();
    if (wait > 0) return { go: false, waitMs: wait };
    if (this.#probing) return { go: false, waitMs: Math.max(1, this.#o.cooldownMs / 4) };
    this.#probing = true;
    return { go: true, probe: true };
  }

  /** The probe ended without telling whether the database is reachable: another may try. */
  released(): void {
    this.#probing = false;
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
