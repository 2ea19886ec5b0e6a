/**
 * A backup the platform takes (cloud mode: a KdbBackup that guru-operator runs as a Job, whose
 * program is backup-job.ts), followed by the API's backup job: started, its state read every
 * `pollMs` (each look renews the job's lease), and once it completed, its manifest read back from
 * the backup storage for the files, sizes, rows, time range and checksum the backup lists. The
 * KdbBackup's status carries no byte counts, so progress jumps from none to all at completion.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DatabaseRecord } from "../databases/databases-store.js";
import type { Job } from "../jobs/jobs-schemas.js";
import type { LeasedJob } from "../jobs/leased-job.js";
import type { OperatorBackupRef, OperatorBackups } from "../provisioning/provisioner.js";
import { readManifest } from "./backup-manifest.js";
import type { BackupStorage } from "./backup-storage.js";
import type { CopiedBackup } from "./snapshot-copy.js";

export interface OperatorBackupRun {
  operator: OperatorBackups;
  storage: BackupStorage;
  pollMs: number;
}

export async function followOperatorBackup(
  run: OperatorBackupRun,
  db: DatabaseRecord,
  ref: OperatorBackupRef,
  leased: LeasedJob,
): Promise<Omit<CopiedBackup, "snapshot">> {
  await run.operator.start(db, leased.job.backup as string);
  for (;;) {
    const state = await run.operator.state(ref);
    if (state.phase === "failed") throw new Error(state.reason);
    if (state.phase === "completed") break;
    await leased.save(); // JobLostError once a sweeper failed it
    await sleep(run.pollMs);
  }
  const { manifest, bytes, checksum } = await readManifest(run.storage, ref.prefix, `${ref.resource}: `);
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
