/**
 * What a KdbScheduledBackup asks for at a given time, and which of its KdbBackups go: pure, so
 * every case is unit-testable with any clock. The pending slot is status.nextScheduleTime while
 * the spec is the one it was computed for; a new schedule counts from its creation (slots that
 * passed while no operator ran are caught up), a changed spec (schedule, suspend) from now. Slots
 * missed together collapse into one backup, for the latest of them.
 */
import {
  type Cron,
  CronError,
  type KdbBackup,
  type KdbScheduledBackup,
  nextRun,
  parseCron,
} from "../../../crds/src/index.js";
import { slotOf } from "../builders/scheduled-backup.js";
import { isFinished } from "./kdb-backup-status.js";

export type SchedulePlan =
  | { kind: "invalid"; message: string }
  | { kind: "suspended" }
  | { kind: "wait"; nextMs: number }
  | { kind: "create"; slotMs: number; nextMs: number };

export function planSchedule(schedule: KdbScheduledBackup, nowMs: number): SchedulePlan {
  let cron: Cron;
  try {
    cron = parseCron(schedule.spec.schedule);
  } catch (err) {
    if (err instanceof CronError) return { kind: "invalid", message: err.message };
    throw err;
  }
  if (schedule.spec.suspend) return { kind: "suspended" };
  const pending = pendingSlot(schedule, cron, nowMs);
  const nextMs = nextRun(cron, nowMs);
  if (pending === undefined || nextMs === undefined)
    return { kind: "invalid", message: "the schedule never fires again" };
  if (pending > nowMs) return { kind: "wait", nextMs: pending };
  let slotMs = pending;
  for (let t = nextRun(cron, slotMs); t !== undefined && t <= nowMs; t = nextRun(cron, t)) slotMs = t;
  return { kind: "create", slotMs, nextMs };
}

function pendingSlot(schedule: KdbScheduledBackup, cron: Cron, nowMs: number): number | undefined {
  const { status, metadata } = schedule;
  if (status?.observedGeneration === metadata.generation && status?.nextScheduleTime)
    return Date.parse(status.nextScheduleTime);
  const created = metadata.creationTimestamp;
  const from = status?.observedGeneration === undefined && created ? new Date(created).getTime() : nowMs;
  return nextRun(cron, from);
}

/**
 * The schedule's backups to delete, oldest first: every finished one older than the newest
 * `keep` Completed ones, and every Failed one beyond the newest `keep` (failures alone do not pile
 * up). One still Pending or Running is never deleted.
 */
export function backupsToPrune(backups: KdbBackup[], keep: number): KdbBackup[] {
  const newestFirst = [...backups].sort((a, b) => slotOf(b) - slotOf(a));
  let completed = 0;
  const prune = newestFirst.filter((backup, index) => {
    const beyond =
      isFinished(backup) && (completed >= keep || (backup.status?.phase === "Failed" && index >= keep));
    if (backup.status?.phase === "Completed") completed++;
    return beyond;
  });
  return prune.reverse();
}
