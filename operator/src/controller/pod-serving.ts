/**
 * Whether the database pod serves the current spec: the one judgement Ready and the phase rest
 * on. A StatefulSet's status lags behind its spec (its controller has not seen a change yet
 * right after an apply), so it counts only once it has observed its generation, and the pod
 * itself must be ready and built from the revision being rolled out.
 *
 * While the StatefulSet is replaced around a running pod (an online resize: deleted orphaning the
 * pod, then created anew) its status says nothing about that pod, so the pod is judged alone: it
 * serves when it is ready and its template was built from the current inputs.
 */
import type { V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../builders/names.js";
import { PodReason, type Word } from "./reasons.js";

/** The label the StatefulSet controller puts on each pod: the revision it was built from. */
export const REVISION_LABEL = "controller-revision-hash";

export type PodJudgement =
  | { serving: true }
  | { serving: false; reason: Word<typeof PodReason>; message: string };

export interface PodView {
  statefulSet?: V1StatefulSet;
  /** the StatefulSet is being deleted (orphaning the pod) to be created with larger claim templates */
  replacing: boolean;
  pod?: V1Pod;
  /** hash of the inputs of the pod template the operator wants (absent when it cannot tell) */
  templateInputs?: string;
  /** pods wanted: 1 */
  desired: number;
  podName: string;
}

export function podReady(pod: V1Pod | undefined): boolean {
  if (!pod || pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** What keeps the StatefulSet from reporting its rollout complete, or undefined when it is. */
export function rolloutPending(sts: V1StatefulSet, desired: number): string | undefined {
  const name = sts.metadata?.name;
  const generation = sts.metadata?.generation ?? 0;
  const status = sts.status ?? { replicas: 0 };
  const observed = status.observedGeneration ?? 0;
  if (observed < generation)
    return `StatefulSet ${name} has not observed generation ${generation} yet (observed ${observed}).`;
  if (status.currentRevision !== status.updateRevision)
    return `StatefulSet ${name} is rolling out revision ${status.updateRevision} (current ${status.currentRevision}).`;
  const counts = [status.replicas, status.updatedReplicas ?? 0, status.readyReplicas ?? 0];
  if (counts.some((count) => count !== desired))
    return `StatefulSet ${name}: ${counts[1]} of ${desired} replica(s) updated, ${counts[2]} ready, ${counts[0]} exist.`;
  return undefined;
}

/**
 * The StatefulSet was created around a pod it did not create (the orphan of the replaced one) and
 * has not settled yet: its status does not describe that pod.
 */
function adopting(sts: V1StatefulSet, pod: V1Pod, desired: number): boolean {
  const controller = pod.metadata?.ownerReferences?.find((o) => o.controller);
  const podCreated = pod.metadata?.creationTimestamp;
  const stsCreated = sts.metadata?.creationTimestamp;
  const older = podCreated !== undefined && stsCreated !== undefined && time(podCreated) < time(stsCreated);
  return (controller?.uid !== sts.metadata?.uid || older) && rolloutPending(sts, desired) !== undefined;
}

const time = (t: Date | string) => (t instanceof Date ? t.getTime() : Date.parse(t));

export function judgePod(view: PodView): PodJudgement {
  const { statefulSet: sts, pod, desired } = view;
  if (!pod) return missing(view);
  if (view.replacing || !sts || adopting(sts, pod, desired)) return judgeAlone(view, pod);
  const pending = rolloutPending(sts, desired);
  if (pod.metadata?.deletionTimestamp)
    return pending
      ? {
          serving: false,
          reason: PodReason.RollingOut,
          message: `Pod ${view.podName} is being replaced: ${pending}`,
        }
      : notReady(pod);
  if ((sts.status?.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0))
    return { serving: false, reason: PodReason.RollingOut, message: pending! };
  const revision = pod.metadata?.labels?.[REVISION_LABEL];
  const wanted = sts.status?.updateRevision;
  if (revision !== wanted)
    return {
      serving: false,
      reason: PodReason.RollingOut,
      message: `Pod ${view.podName} runs revision ${revision}; rolling out revision ${wanted}.`,
    };
  if (!podReady(pod)) return notReady(pod);
  // the pod is ready at the revision wanted, and the StatefulSet's counts have yet to say so
  if (pending) return { serving: false, reason: PodReason.RollingOut, message: pending };
  return { serving: true };
}

/** No pod: between the old pod and the new one of a rollout, or none yet. */
function missing({ statefulSet: sts, desired, podName }: PodView): PodJudgement {
  // a StatefulSet with a current revision ran a pod before: its pod is being recreated
  const pending = sts?.status?.currentRevision !== undefined && rolloutPending(sts, desired);
  return pending
    ? {
        serving: false,
        reason: PodReason.RollingOut,
        message: `Pod ${podName} is being recreated: ${pending}`,
      }
    : { serving: false, reason: PodReason.PodMissing, message: `Pod ${podName} does not exist yet.` };
}

/** The pod while no settled StatefulSet describes it: ready, and built from the current inputs. */
function judgeAlone(view: PodView, pod: V1Pod): PodJudgement {
  if (!podReady(pod)) return notReady(pod);
  const built = pod.metadata?.annotations?.[ANNOTATIONS.templateInputs];
  if (view.templateInputs !== undefined && built === view.templateInputs) return { serving: true };
  return {
    serving: false,
    reason: PodReason.RollingOut,
    message: `Pod ${pod.metadata?.name} runs an earlier template; it is replaced once the StatefulSet is recreated.`,
  };
}

function notReady(pod: V1Pod): PodJudgement {
  const name = pod.metadata?.name;
  if (pod.metadata?.deletionTimestamp)
    return { serving: false, reason: PodReason.PodNotReady, message: `Pod ${name} is terminating.` };
  const phase = pod.status?.phase ?? "starting";
  return { serving: false, reason: PodReason.PodNotReady, message: `Pod ${name} is ${phase} but not ready.` };
}
