/**
 * The 5-field cron subset backup schedules are written in (the API's per database, and
 * KdbScheduledBackup's, reconciled by guru-operator: one evaluator for both), evaluated in UTC:
 * `minute hour day-of-month month day-of-week`, each field `*`, a number, a range `a-b`, a step
 * `*\/n` or `a-b/n`, or a comma list of those. Day of week is 0-7 (0 and 7 are Sunday). As in
 * Vixie cron, when both day fields are restricted a day matching either one fires. No names
 * (`MON`, `JAN`), no `@daily`, no seconds: small enough to be tested whole, strict enough that a
 * typo is refused rather than read as something else.
 */

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

const PART = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;
const MINUTE_MS = 60_000;
/** a schedule that fires in none of the next 5 years never fires (for example 31 February) */
const HORIZON_MS = 5 * 366 * 86_400_000;

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** whether day of month, day of week were restricted (not `*`) */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

export class CronError extends Error {}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = PART.exec(part);
    if (m === null) throw new CronError(`${field.name}: "${part}" is not a number, range, step or *`);
    const from = m[1] === "*" ? field.min : Number(m[2]);
    const to = m[1] === "*" ? field.max : m[3] === undefined ? from : Number(m[3]);
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (from < field.min || to > field.max || from > to)
      throw new CronError(`${field.name}: "${part}" is outside ${field.min}-${field.max}`);
    if (step < 1) throw new CronError(`${field.name}: "${part}" has a step of 0`);
    if (m[4] !== undefined && m[1] !== "*" && m[3] === undefined)
      throw new CronError(`${field.name}: "${part}": a step needs * or a range`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; CronError says what is wrong with it. */
export function parseCron(text: string): Cron {
  const fields = text.split(" ");
  if (fields.length !== 5 || fields.some((f) => f === ""))
    throw new CronError(
      "a schedule has 5 fields (minute hour day-of-month month day-of-week) split by one space",
    );
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) =>
    parseField(f, FIELDS[i] as (typeof FIELDS)[number]),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  const cron = {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysRestricted: fields[2] !== "*",
    weekdaysRestricted: fields[4] !== "*",
  };
  if (nextRun(cron, 0) === undefined) throw new CronError("the schedule never fires");
  return cron;
}

function dayMatches(cron: Cron, d: Date): boolean {
  const byDay = cron.days.has(d.getUTCDate());
  const byWeekday = cron.weekdays.has(d.getUTCDay());
  if (cron.daysRestricted && cron.weekdaysRestricted) return byDay || byWeekday;
  return byDay && byWeekday;
}

/** The first minute strictly after `afterMs` (ms since 1970, UTC) the schedule fires; undefined: never. */
export function nextRun(cron: Cron, afterMs: number): number | undefined {
  let t = (Math.floor(afterMs / MINUTE_MS) + 1) * MINUTE_MS;
  const end = t + HORIZON_MS;
  while (t < end) {
    const d = new Date(t);
    if (!cron.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(cron, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!cron.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!cron.minutes.has(d.getUTCMinutes())) {
      t += MINUTE_MS;
    } else {
      return t;
    }
  }
  return undefined;
}

/** Whether `text` is a schedule parseCron takes (for schema refinements). */
export function cronProblem(text: string): string | undefined {
  try {
    parseCron(text);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}
