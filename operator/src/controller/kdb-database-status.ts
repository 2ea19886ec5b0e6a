/**
 * The status of a KdbDatabase, computed from what the reconcile observed: conditions (Ready,
 * Progressing, Degraded, StorageResizing, Paused) each with a reason and a message that says
 * exactly what is missing, a summary phase, the endpoint, replicas and the storage provisioned.
 * Pure: the same observation gives the same status (lastTransitionTime is kept while a
 * condition's status does not change). docs/operator.md lists every reason.
 */
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type {
  Condition,
  ConditionType,
  KdbDatabase,
  KdbDatabaseStatus,
  Phase,
  VolumeStatus,
} from "../../../crds/src/index.js";
import { credentialsSecretName, endpoint, LABELS, names } from "../builders/names.js";
import { formatBytes, parseQuantity } from "../builders/quantity.js";
import { RESTORE_CONTAINER } from "../builders/restore-container.js";
import { replicas } from "../builders/stateful-set.js";
import { judgePod, podReady } from "./pod-serving.js";
import { type BlockerReason, ContainerWaitingReason, DatabaseReason, type Word } from "./reasons.js";

/** Something the database needs and does not have: it cannot run or change until fixed. */
export interface Blocker {
  reason: Word<typeof BlockerReason>;
  message: string;
}

/** What one reconcile saw, after acting. */
export interface Observation {
  now: Date;
  image: string;
  blocker?: Blocker;
  /**
   * the StatefulSet as read after the apply (from the cache once it holds the applied generation,
   * else a GET; never the apply's response, whose status predates the StatefulSet controller
   * seeing the change); absent while it is replaced
   */
  statefulSet?: V1StatefulSet;
  /** the StatefulSet is being deleted (orphaning the pod) to be created with larger claim templates */
  replacingStatefulSet: boolean;
  /** the database pod */
  pod?: V1Pod;
  /** hash of the inputs of the pod template wanted now (absent when blocked before it is known) */
  templateInputs?: string;
  /** the stripe claims */
  claims: V1PersistentVolumeClaim[];
}

const WAITING_REASONS = new Set<string>(Object.values(ContainerWaitingReason));

export function volumeStatuses(claims: V1PersistentVolumeClaim[]): VolumeStatus[] {
  return claims
    .map((claim) => ({
      name: claim.metadata?.name ?? "",
      stripe: Number(claim.metadata?.labels?.[LABELS.stripe] ?? -1),
      ...(claim.status?.capacity?.storage ? { capacity: String(claim.status.capacity.storage) } : {}),
      ...(claim.status?.phase ? { phase: claim.status.phase } : {}),
    }))
    .sort((a, b) => a.stripe - b.stripe);
}

/** Claims that do not provide the requested size yet (bound ones only: a pending claim is created at it). */
export function claimsBelow(claims: V1PersistentVolumeClaim[], size: string): V1PersistentVolumeClaim[] {
  const wanted = parseQuantity(size);
  return claims.filter((claim) => {
    if (claim.status?.phase !== "Bound") return false;
    const capacity = claim.status?.capacity?.storage;
    return capacity === undefined || parseQuantity(String(capacity)) < wanted;
  });
}

function storageStatus(db: KdbDatabase, claims: V1PersistentVolumeClaim[]): KdbDatabaseStatus["storage"] {
  const volumes = volumeStatuses(claims);
  const capacities = volumes.filter((v) => v.capacity).map((v) => parseQuantity(v.capacity!));
  const complete = capacities.length === db.spec.storage.stripes;
  return {
    requested: db.spec.storage.size,
    ...(complete ? { provisioned: formatBytes(Math.min(...capacities)) } : {}),
    ...(complete ? { total: formatBytes(capacities.reduce((a, b) => a + b, 0)) } : {}),
    volumes,
  };
}

function podProblem(pod: V1Pod | undefined): { reason: string; message: string } | undefined {
  if (!pod) return undefined;
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return {
      reason: DatabaseReason.PodUnschedulable,
      message: `pod ${pod.metadata?.name} cannot be scheduled: ${scheduled.message ?? ""}`.trim(),
    };
  }
  const restore = restoreFailure(pod);
  if (restore) return restore;
  for (const status of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && WAITING_REASONS.has(waiting.reason)) {
      return {
        reason: waiting.reason,
        message: `container ${status.name} of pod ${pod.metadata?.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`,
      };
    }
  }
  return undefined;
}

/**
 * The restore init container exited with an error (now or before the kubelet's restart): the
 * database cannot start until a restore succeeds; its message says why (the program writes it).
 */
function restoreFailure(pod: V1Pod): { reason: string; message: string } | undefined {
  const status = pod.status?.initContainerStatuses?.find((s) => s.name === RESTORE_CONTAINER);
  const now = status?.state?.terminated;
  if (!status || now?.exitCode === 0) return undefined; // restored, whatever failed before
  const exit = [now, status.lastState?.terminated].find((t) => t !== undefined && t.exitCode !== 0);
  if (!exit) return undefined;
  const why = exit.message?.trim() || exit.reason || "no message";
  return {
    reason: DatabaseReason.RestoreFailed,
    message: `the restore into pod ${pod.metadata?.name} failed (exit ${exit.exitCode}, ${status.restartCount} restart(s)): ${why}`,
  };
}

/** A new revision of the pod template is being rolled out (a new StatefulSet has one revision). */
function rollingUpdate(sts: V1StatefulSet): boolean {
  const { currentRevision, updateRevision } = sts.status ?? {};
  return currentRevision !== undefined && updateRevision !== undefined && currentRevision !== updateRevision;
}

export type ConditionInput = Pick<Condition, "status" | "reason" | "message">;

/** The database's conditions and phase for an observation (the Paused condition False). */
export function computeStatus(db: KdbDatabase, observation: Observation): KdbDatabaseStatus {
  const { blocker, statefulSet: sts, pod, claims } = observation;
  const size = db.spec.storage.size;
  const desired = replicas(db);
  const podName = names.pod(db.metadata.name);
  const judgement = judgePod({
    statefulSet: sts,
    replacing: observation.replacingStatefulSet,
    pod,
    templateInputs: observation.templateInputs,
    desired,
    podName,
  });
  const serving = desired > 0 && judgement.serving;
  // a pod is stopping or a replica is counted: hibernation is not complete
  const existing = Math.max(pod ? 1 : 0, sts?.status?.replicas ?? 0);
  const rolling =
    !serving &&
    ((!judgement.serving && judgement.reason === DatabaseReason.RollingOut) ||
      (sts !== undefined && rollingUpdate(sts)));
  const below = claimsBelow(claims, size);
  const fsPending = below.filter((c) =>
    (c.status?.conditions ?? []).some((x) => x.type === "FileSystemResizePending" && x.status === "True"),
  );
  const resizing = below.length > 0 || observation.replacingStatefulSet;
  const problem = podProblem(pod);
  const generation = db.metadata.generation ?? 0;

  const degraded: ConditionInput = blocker
    ? { status: "True", ...blocker }
    : problem && desired > 0
      ? { status: "True", ...problem }
      : { status: "False", reason: DatabaseReason.AsExpected, message: "Nothing is wrong." };

  const storageResizing: ConditionInput =
    below.length > 0
      ? {
          status: "True",
          reason: fsPending.length > 0 ? DatabaseReason.FileSystemResizePending : DatabaseReason.Resizing,
          message:
            `${claims.length - below.length} of ${claims.length} volumes provide ${size}; waiting for ` +
            below.map((c) => `${c.metadata?.name} (${c.status?.capacity?.storage ?? "unknown"})`).join(", "),
        }
      : observation.replacingStatefulSet
        ? {
            status: "True",
            reason: DatabaseReason.ReplacingStatefulSet,
            message: `All volumes provide ${size}; replacing the StatefulSet (the pod keeps running) to record the new size.`,
          }
        : {
            status: "False",
            reason: DatabaseReason.VolumesMatch,
            message:
              claims.length === 0
                ? "No volume exists yet; they are created at the requested size."
                : `All ${claims.length} volumes provide ${size}.`,
          };

  let progressing: ConditionInput;
  if (blocker) progressing = { status: "False", reason: DatabaseReason.Blocked, message: blocker.message };
  else if (resizing)
    progressing = {
      status: "True",
      reason: DatabaseReason.ResizingVolumes,
      message: storageResizing.message,
    };
  else if (!sts)
    progressing = { status: "True", reason: DatabaseReason.Creating, message: "Creating the StatefulSet." };
  else if (desired === 0 && existing > 0)
    progressing = {
      status: "True",
      reason: DatabaseReason.Hibernating,
      message: `Stopping pod ${podName}; volumes are kept.`,
    };
  else if (problem && desired > 0)
    // nothing will change until the cause is fixed: no progress to wait for
    progressing = { status: "False", reason: DatabaseReason.Stalled, message: problem.message };
  else if (rolling)
    progressing = {
      status: "True",
      reason: DatabaseReason.RollingUpdate,
      message: judgement.serving
        ? `Rolling pod ${podName} to revision ${sts.status?.updateRevision ?? "?"}.`
        : judgement.message,
    };
  else if (desired > 0 && !serving)
    progressing = {
      status: "True",
      reason: DatabaseReason.WaitingForPod,
      message: `Waiting for pod ${podName} to be ready.`,
    };
  else
    progressing = {
      status: "False",
      reason: DatabaseReason.Reconciled,
      message: `Generation ${generation} is in place.`,
    };

  let readyCondition: ConditionInput;
  if (desired === 0)
    readyCondition = {
      status: "False",
      reason: DatabaseReason.Hibernated,
      message:
        existing > 0
          ? `Hibernating: stopping pod ${podName}; volumes are kept.`
          : "Hibernated: no pod runs; the volumes and their data are kept. Set spec.hibernate false to wake it.",
    };
  else if (judgement.serving)
    readyCondition = {
      status: "True",
      reason: DatabaseReason.Available,
      message: `Serving the guru q API at ${endpoint(db)}.`,
    };
  else if (blocker) readyCondition = { status: "False", ...blocker };
  else if (problem) readyCondition = { status: "False", ...problem };
  else readyCondition = { status: "False", reason: judgement.reason, message: judgement.message };

  const previousPhase = db.status?.phase;
  let phase: Phase;
  if (blocker || (problem && desired > 0)) phase = "Degraded";
  else if (desired === 0) phase = existing > 0 ? "Hibernating" : "Hibernated";
  else if (resizing) phase = "Resizing";
  else if (rolling) phase = "Updating";
  else if (serving) phase = "Ready";
  else if (previousPhase === "Ready" || previousPhase === "Degraded" || previousPhase === "Updating")
    phase = "Degraded";
  else phase = sts ? "Provisioning" : "Pending";

  const inputs: Record<ConditionType, ConditionInput> = {
    Ready: readyCondition,
    Progressing: progressing,
    Degraded: degraded,
    StorageResizing: storageResizing,
    Paused: {
      status: "False",
      reason: DatabaseReason.Reconciling,
      message: "spec.paused is false: the operator reconciles.",
    },
  };
  return {
    observedGeneration: generation,
    phase,
    conditions: mergeConditions(db.status?.conditions, inputs, generation, observation.now),
    endpoint: endpoint(db),
    credentialsSecret: credentialsSecretName(db),
    image: observation.image,
    replicas: desired,
    readyReplicas: podReady(pod) ? 1 : 0,
    ready: `${podReady(pod) ? 1 : 0}/${desired}`,
    storage: storageStatus(db, claims),
  };
}

/** The status of a paused database: only the Paused condition, the phase and observedGeneration change. */
export function pausedStatus(db: KdbDatabase, now: Date): KdbDatabaseStatus {
  const generation = db.metadata.generation ?? 0;
  const previous = db.status ?? {};
  const conditions = mergeConditions(
    previous.conditions,
    {
      Paused: {
        status: "True",
        reason: DatabaseReason.ReconcilePaused,
        message: "spec.paused is true: the operator changes nothing until it is false.",
      },
    },
    generation,
    now,
  );
  // the new generation was seen (and is on hold): observedGeneration says so
  return { ...previous, observedGeneration: generation, phase: "Paused", conditions };
}

/** A failed reconcile: Degraded with reason ReconcileError, the rest as it was. */
export function failedStatus(db: KdbDatabase, message: string, now: Date): KdbDatabaseStatus {
  const previous = db.status ?? {};
  const conditions = mergeConditions(
    previous.conditions,
    { Degraded: { status: "True", reason: DatabaseReason.ReconcileError, message } },
    db.metadata.generation ?? 0,
    now,
  );
  return { ...previous, conditions };
}

const ORDER: readonly string[] = ["Ready", "Progressing", "Degraded", "StorageResizing", "Paused"];

/**
 * Sets the given conditions, keeping the others; a condition whose status did not change keeps
 * its lastTransitionTime.
 */
export function mergeConditions<T extends string = ConditionType>(
  previous: Condition[] | undefined,
  updates: Partial<Record<T, ConditionInput>>,
  generation: number,
  now: Date,
): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  for (const [type, input] of Object.entries(updates) as [T, ConditionInput][]) {
    const old = byType.get(type);
    byType.set(type, {
      type,
      status: input.status,
      reason: input.reason,
      message: input.message,
      lastTransitionTime:
        old && old.status === input.status
          ? old.lastTransitionTime
          : now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      observedGeneration: generation,
    });
  }
  return [...byType.values()].sort((a, b) => rank(a.type) - rank(b.type));
}

function rank(type: string): number {
  const index = ORDER.indexOf(type);
  return index === -1 ? ORDER.length : index;
}

export function condition(status: KdbDatabaseStatus | undefined, type: ConditionType): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
