/**
 * The init container of a database bootstrapped from a backup (spec.bootstrap.fromBackup), as
 * CloudNativePG's recovery: before the engine first starts it fills every stripe from the
 * KdbBackup's objects in S3 (segment-<k>/ into stripe k's segment directory, docs/q-api.md,
 * .guru.snapshot), with the IAM role of the backup's service account. It runs guru-api's restore
 * program, which leaves a segment directory that already holds data alone, so a pod restart
 * never restores twice.
 */
import type { V1Container } from "@kubernetes/client-node";
import { type KdbBackup, type KdbDatabase, RESTORE_COMMAND, RESTORE_ENV } from "../../../crds/src/index.js";
import { backupPrefix } from "./backup-job.js";
import { names, segmentDir, stripeMount } from "./names.js";

/** What a bootstrapped pod needs: the Completed backup, and the image holding the program. */
export interface RestoreSource {
  backup: KdbBackup;
  image: string;
}

/** The init container's name: the status reads its exits (RestoreFailed). */
export const RESTORE_CONTAINER = "restore";

export function buildRestoreContainer({ backup, image }: RestoreSource, db: KdbDatabase): V1Container {
  const { s3 } = backup.spec;
  const { stripes } = db.spec.storage;
  const indexes = Array.from({ length: stripes }, (_, i) => i);
  return {
    name: RESTORE_CONTAINER,
    image,
    command: RESTORE_COMMAND,
    // the program writes why it failed as its termination message; a crash before that leaves its log's tail
    terminationMessagePolicy: "FallbackToLogsOnError",
    env: [
      { name: RESTORE_ENV.bucket, value: s3.bucket },
      { name: RESTORE_ENV.prefix, value: backupPrefix(backup) },
      { name: RESTORE_ENV.stripes, value: indexes.map(segmentDir).join(" ") },
      { name: RESTORE_ENV.engine, value: db.spec.engine },
      ...(s3.region === undefined ? [] : [{ name: RESTORE_ENV.region, value: s3.region }]),
    ],
    volumeMounts: indexes.map((i) => ({ name: names.stripe(i), mountPath: stripeMount(i) })),
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}
