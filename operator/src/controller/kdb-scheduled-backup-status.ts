/**
 * A KdbScheduledBackup's status from its plan (kdb-scheduled-backup-schedule.ts): Ready says
 * whether it runs (Scheduled), or why not (Suspended, InvalidSchedule); nextScheduleTime is the
 * pending slot, absent when there is none; the last slot taken and its KdbBackup stay.
 */
import type { KdbScheduledBackup, KdbScheduledBackupStatus } from "../../../crds/src/index.js";
import { slotBackupName } from "../builders/scheduled-backup.js";
import { type ConditionInput, mergeConditions } from "./kdb-database-status.js";
import type { SchedulePlan } from "./kdb-scheduled-backup-schedule.js";
import { ScheduleReason } from "./reasons.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function ready(plan: SchedulePlan): ConditionInput {
  switch (plan.kind) {
    case "invalid":
      return {
        status: "False",
        reason: ScheduleReason.InvalidSchedule,
        message: `spec.schedule: ${plan.message}`,
      };
    case "suspended":
      return {
        status: "False",
        reason: ScheduleReason.Suspended,
        message: "spec.suspend is true: no backup is created.",
      };
    default:
      return {
        status: "True",
        reason: ScheduleReason.Scheduled,
        message: `The next backup is due at ${iso(plan.nextMs)}.`,
      };
  }
}

export function computeScheduleStatus(
  schedule: KdbScheduledBackup,
  plan: SchedulePlan,
  now: Date,
): KdbScheduledBackupStatus {
  const generation = schedule.metadata.generation ?? 0;
  const { nextScheduleTime: _pending, ...previous } = schedule.status ?? {};
  return {
    ...previous,
    observedGeneration: generation,
    conditions: mergeConditions(previous.conditions, { Ready: ready(plan) }, generation, now),
    ...("nextMs" in plan ? { nextScheduleTime: iso(plan.nextMs) } : {}),
    ...(plan.kind === "create"
      ? {
          lastScheduleTime: iso(plan.slotMs),
          lastBackup: slotBackupName(schedule.metadata.name, plan.slotMs),
        }
      : {}),
  };
}
