/**
 * Time as the work queue, informers and leader election see it, so tests can move it by hand
 * instead of waiting for it. Timers made through it do not keep the process alive.
 */
export interface Clock {
  /** ms since 1970 */
  now(): number;
  /** runs `fn` once after `ms`; the returned function cancels it */
  after(ms: number, fn: () => void): () => void;
  /** runs `fn` every `ms`; the returned function stops it */
  every(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms).unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms).unref();
    return () => clearInterval(timer);
  },
};
