/**
 * A clock the test moves: timers fire in time order as `advance` passes them, each followed by
 * a turn of the event loop so the promise chains they start settle before the next one fires.
 */
import type { Clock } from "../../../operator/src/kube/clock.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = Date.parse("2026-12-01T00:00:00Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(timer);
    return () => {
      this.#pending = this.#pending.filter((t) => t !== timer);
    };
  }

  every(ms: number, fn: () => void): () => void {
    let cancel: () => void = () => undefined;
    const arm = () => {
      cancel = this.after(ms, () => {
        arm();
        fn();
      });
    };
    arm();
    return () => cancel();
  }

  /** How far ahead each timer waiting to fire is due, in ms. */
  pendingDelays(): number[] {
    return this.#pending.map((t) => t.at - this.#now);
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#pending
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#pending = this.#pending.filter((t) => t !== next);
      this.#now = next.at;
      next.fn();
      await settle();
    }
    this.#now = target;
  }
}

/** One turn of the event loop: promise chains started so far settle (no time passes on the clock). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
