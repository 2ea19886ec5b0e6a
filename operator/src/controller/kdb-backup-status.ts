/**
 * A KdbBackup's status, computed from what was observed: its Job (whose conditions are the
 * truth about the backup), or why there is no Job yet. Pure, so every case is unit-testable.
 */
import type { V1Job } from "@kubernetes/client-node";
import type { BackupPhase, KdbBackup, KdbBackupStatus } from "../../../crds/src/index.js";
import { backupLocation } from "../builders/backup-job.js";
import { type ConditionInput, mergeConditions } from "./kdb-database-status.js";
import { BackupReason } from "./reasons.js";

/** Why no Job runs: the database is missing or not ready (a wait), or the Job was deleted (final). */
export interface BackupBlocker {
  reason:
    | typeof BackupReason.DatabaseNotFound
    | typeof BackupReason.DatabaseNotReady
    | typeof BackupReason.JobDeleted;
  message: string;
}

/** The reason of a condition that is False while the Job is in a phase. */
const JOB_PHASE_REASON: Record<BackupPhase, string> = {
  Pending: BackupReason.JobPending,
  Running: BackupReason.JobRunning,
  Completed: BackupReason.JobCompleted,
  Failed: BackupReason.JobFailed,
};

export type BackupObservation = { job: V1Job } | { blocker: BackupBlocker };

const iso = (t: Date | string | undefined) =>
  t === undefined ? undefined : new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

const jobCondition = (job: V1Job, type: string) =>
  job.status?.conditions?.find((c) => c.type === type && c.status === "True");

/** Whether a backup is over (its Job completed or failed): nothing changes it any more. */
export const isFinished = (backup: KdbBackup) =>
  backup.status?.phase === "Completed" || backup.status?.phase === "Failed";

export function jobPhase(job: V1Job): BackupPhase {
  if (jobCondition(job, "Complete")) return "Completed";
  if (jobCondition(job, "Failed")) return "Failed";
  // a Job the controller started but whose pod could not be made (quota, service account) has
  // startTime and no active pod: it is not running
  return (job.status?.active ?? 0) > 0 ? "Running" : "Pending";
}

export function computeBackupStatus(
  backup: KdbBackup,
  observation: BackupObservation,
  now: Date,
): KdbBackupStatus {
  const generation = backup.metadata.generation ?? 0;
  const previous = backup.status ?? {};
  if ("blocker" in observation) {
    const { reason, message } = observation.blocker;
    const no: ConditionInput = { status: "False", reason, message };
    const lost = reason === BackupReason.JobDeleted;
    return {
      ...previous,
      observedGeneration: generation,
      phase: lost ? "Failed" : "Pending",
      conditions: mergeConditions(
        previous.conditions,
        { Completed: no, Failed: lost ? { ...no, status: "True" } : no },
        generation,
        now,
      ),
      ...(lost ? { completedAt: iso(now) } : {}),
    };
  }
  const { job } = observation;
  const phase = jobPhase(job);
  const failed = jobCondition(job, "Failed");
  const conditions = mergeConditions(
    previous.conditions,
    {
      Completed:
        phase === "Completed"
          ? {
              status: "True",
              reason: BackupReason.JobComplete,
              message: `Job ${job.metadata?.name} completed.`,
            }
          : {
              status: "False",
              reason: JOB_PHASE_REASON[phase],
              message: `Job ${job.metadata?.name} is ${phase.toLowerCase()}.`,
            },
      Failed: failed
        ? {
            status: "True",
            reason: failed.reason ?? BackupReason.JobFailed,
            message: failed.message ?? `Job ${job.metadata?.name} failed.`,
          }
        : {
            status: "False",
            reason: JOB_PHASE_REASON[phase],
            message: `Job ${job.metadata?.name} has not failed.`,
          },
    },
    generation,
    now,
  );
  return {
    observedGeneration: generation,
    phase,
    conditions,
    job: job.metadata?.name,
    location: backupLocation(backup),
    ...(job.status?.startTime ? { startedAt: iso(job.status.startTime) } : {}),
    ...(job.status?.completionTime || failed
      ? { completedAt: iso(job.status?.completionTime ?? failed?.lastTransitionTime) }
      : {}),
  };
}
