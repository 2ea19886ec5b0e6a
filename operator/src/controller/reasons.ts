/**
 * Every reason the operator writes, in its resources' conditions and in its Events: one
 * vocabulary for the controllers and the status builders, which test/unit/operator/docs.test.ts
 * holds docs/operator.md to (it lists exactly these).
 */

/** `{ A: "A", … }` from a list: each word written once, read as `Reason.A` and usable as a type. */
function words<const W extends string>(...list: W[]): { readonly [K in W]: K } {
  return Object.freeze(Object.fromEntries(list.map((word) => [word, word]))) as { readonly [K in W]: K };
}

export type Word<T> = T[keyof T];

/** What a database needs and does not have: it cannot run or change until fixed. */
export const BlockerReason = words(
  "LicenseMissing",
  "CredentialsInvalid",
  "StorageClassNotExpandable",
  "StorageClassMissing",
  "InvalidSpec",
  "BackupNotFound",
  "BackupNotCompleted",
);

/** The kubelet's waiting reasons that mean a container cannot run; reported as they are. */
export const ContainerWaitingReason = words(
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
  "InvalidImageName",
  "CreateContainerError",
);

/** Why the database pod does not serve (pod-serving.ts). */
export const PodReason = words("PodMissing", "PodNotReady", "RollingOut");

/** The reasons of a KdbDatabase's conditions (Ready, Progressing, Degraded, StorageResizing, Paused). */
export const DatabaseReason = {
  ...BlockerReason,
  ...ContainerWaitingReason,
  ...PodReason,
  ...words("PodUnschedulable", "RestoreFailed", "Available", "Hibernated"),
  ...words("Creating", "WaitingForPod", "RollingUpdate", "ResizingVolumes", "Hibernating"),
  ...words("Reconciled", "Blocked", "Stalled"),
  ...words("AsExpected", "ReconcileError"),
  ...words("VolumesMatch", "Resizing", "FileSystemResizePending", "ReplacingStatefulSet"),
  ...words("Reconciling", "ReconcilePaused"),
};

/** The reasons of Events on a KdbDatabase; besides these, each Degraded reason when it appears. */
export const DatabaseEvent = words(
  "CredentialsGenerated",
  "Created",
  "ExpandingVolumes",
  "ReplacingStatefulSet",
  "VolumesResized",
  "Hibernating",
  "Hibernated",
  "Waking",
  "Ready",
  "NotReady",
  "Paused",
  "Resumed",
  "VolumesDeleted",
  "ReconcileError",
);

/** The reasons of a KdbBackup's conditions (Completed, Failed) besides the Job's own Failed reason. */
export const BackupReason = words(
  "DatabaseNotFound",
  "DatabaseNotReady",
  "JobDeleted",
  "JobPending",
  "JobRunning",
  "JobComplete",
  "JobCompleted",
  "JobFailed",
);

export const BackupEvent = words("Started", "Completed", "Failed");

/** The reasons of a KdbScheduledBackup's Ready condition. */
export const ScheduleReason = words("Scheduled", "Suspended", "InvalidSchedule");

export const ScheduleEvent = words("Created", "Pruned", "InvalidSchedule");
