/**
 * A database's retention: how many days of data it keeps. The cutoff is day-aligned, as kdb+
 * keeps or drops whole date partitions: with `days` = N, rows from the start of the day N days
 * before today (UTC) on are kept, older ones are expired. Queries never see expired rows (they
 * filter at the cutoff); the store deletes them on a schedule. Day alignment also keeps the
 * cutoff still for a whole day, so callers can test the boundary exactly.
 */
import { UNIX_EPOCH_OFFSET_NS } from "../../../qipc/src/index.js";
import { DAY_NS } from "./column-types.js";

/** Now, as q nanoseconds since 2000.01.01 (injectable for tests). */
export type Clock = () => bigint;

export const systemClock: Clock = () => BigInt(Date.now()) * 1_000_000n - UNIX_EPOCH_OFFSET_NS;

/** The most days a database may keep (100 years, as the KdbDatabase CRD allows). */
export const MAX_RETENTION_DAYS = 36_500;

/** The first kept time for `days` of retention at `now`; null when everything is kept. */
export function cutoffOf(days: number, now: bigint): bigint | null {
  if (days <= 0) return null;
  const today = now >= 0n ? now / DAY_NS : (now + 1n) / DAY_NS - 1n;
  return (today - BigInt(days)) * DAY_NS;
}

/** The outcome of the last enforcement: when it ran and what it removed. */
export interface RetentionRun {
  at: bigint;
  cutoff: bigint;
  dropped: bigint;
}

export class Retention {
  readonly clock: Clock;
  #days: number;
  #lastRun: RetentionRun | null = null;

  constructor(days: number, clock: Clock) {
    this.#days = days;
    this.clock = clock;
  }

  get days(): number {
    return this.#days;
  }

  set days(days: number) {
    this.#days = days;
  }

  /** The first visible time now, or null when everything is kept. */
  cutoff(): bigint | null {
    return cutoffOf(this.#days, this.clock());
  }

  get lastRun(): RetentionRun | null {
    return this.#lastRun;
  }

  recordRun(run: RetentionRun): void {
    this.#lastRun = run;
  }
}
