import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `probe` until it returns a value (not undefined) and returns it; a probe that throws is
 * retried too. Past `timeoutMs` it fails, naming `what` and the probe's last error.
 */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(pollMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ""}`);
}
