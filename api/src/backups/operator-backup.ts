/**
 * A backup the platform takes (cloud mode: a KdbBackup that guru-operator runs as a Job, whose
 * program is backup-job.ts), followed by the API's backup job: its state read every `pollMs`
 * (the job's heartbeat renews its lease meanwhile), and once it completed, its manifest read back from
 * the backup storage for the files, sizes, rows, time range and checksum the backup lists. The
 * KdbBackup's status carries no byte counts, so progress jumps from none to all at completion.
 * A look that fails (the API server unreachable) is retried up to `MAX_FAILED_LOOKS` times in a
 * row; a backup still pending (its database never Ready) after `pendingTimeoutMs` fails; `signal`
 * (the instance stopping) ends the following with an AbortError.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Job } from "../jobs/jobs-schemas.js";
import type { Clock } from "../jobs/jobs-store.js";
import type { LeasedJob } from "../jobs/leased-job.js";
import type { OperatorBackupRef, OperatorBackups } from "../provisioning/provisioner.js";
import { readManifest } from "./backup-manifest.js";
import type { BackupStorage } from "./backup-storage.js";
import type { CopiedBackup } from "./snapshot-copy.js";

export const MAX_FAILED_LOOKS = 10;

export interface OperatorBackupRun {
  operator: OperatorBackups;
  storage: BackupStorage;
  pollMs: number;
  pendingTimeoutMs: number;
  clock: Clock;
  signal: AbortSignal;
}

export async function followOperatorBackup(
  run: OperatorBackupRun,
  ref: OperatorBackupRef,
  leased: Pick<LeasedJob, "job" | "lost">,
): Promise<Omit<CopiedBackup, "snapshot">> {
  const since = run.clock();
  for (let failedLooks = 0; ; ) {
    run.signal.throwIfAborted();
    const state = await run.operator.state(ref).catch((err: unknown) => {
      if (++failedLooks >= MAX_FAILED_LOOKS) throw err;
      return undefined;
    });
    if (state !== undefined) failedLooks = 0;
    if (state?.phase === "failed") throw new Error(state.reason);
    if (state?.phase === "completed") break;
    if (state?.phase === "pending" && run.clock() - since > run.pendingTimeoutMs)
      throw new Error(
        `${ref.resource} still pending after ${run.pendingTimeoutMs / 1000} s: ${state.detail ?? "not started"}`,
      );
    if (leased.lost) throw new Error("its job was taken over by another instance");
    await sleep(run.pollMs, undefined, { signal: run.signal });
  }
  const { manifest, bytes, checksum } = await readManifest(run.storage, ref.prefix, `${ref.resource}: `);
  if (manifest.backup !== ref.resource)
    throw new Error(`the manifest under ${ref.prefix} is of ${manifest.backup}, not ${ref.resource}`);
  const progress = leased.job.progress as NonNullable<Job["progress"]>;
  const fileBytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  Object.assign(progress, {
    filesDone: manifest.files.length,
    filesTotal: manifest.files.length,
    bytesDone: fileBytes,
    bytesTotal: fileBytes,
  });
  return { files: manifest.files, manifest, sizeBytes: fileBytes + bytes, checksum };
}
