/** Exact nanosecond timestamps for fixtures: bigint counts since 2000.01.01D00 (q's epoch). */
import { timestampFromString } from "../../../qipc/src/temporal.js";

export const NS = 1n;
export const SECOND = 1_000_000_000n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;
export const DAY = 24n * HOUR;

/** q's null timestamp `0Np` (and null long `0N`). */
export const NULL_TIME = -(2n ** 63n);

/** RFC 3339 text → nanoseconds since 2000.01.01. */
export function at(text: string): bigint {
  return timestampFromString(text);
}
