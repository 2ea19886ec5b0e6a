/**
 * The StatefulSet and its pod. Its claim templates cannot change in place, so when
 * spec.storage.size grew: while volumes still resize, it is applied with the old claim size; once
 * every volume provides the new size it is deleted with orphan propagation (the pod keeps
 * running) and created anew, and the new one adopts the pod without restarting it.
 *
 * When nothing the pod template is built from changed (same inputs hash), the live template is
 * re-applied as it is: an operator upgrade never restarts a database by itself.
 */
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { ANNOTATIONS, names } from "../builders/names.js";
import type { RestoreSource } from "../builders/restore-container.js";
import { buildStatefulSet, type PodInputs, replicas } from "../builders/stateful-set.js";
import { isApiError } from "../kube/api-error.js";
import type { DatabaseContext } from "./database-deps.js";
import { claimsBelow } from "./kdb-database-status.js";
import { DatabaseEvent } from "./reasons.js";

export interface StatefulSetResult {
  statefulSet?: V1StatefulSet;
  replacing: boolean;
}

export async function applyStatefulSet(
  ctx: DatabaseContext,
  db: KdbDatabase,
  inputs: PodInputs,
  claims: V1PersistentVolumeClaim[],
  log: Logger,
  restore?: RestoreSource,
): Promise<StatefulSetResult> {
  const namespace = db.metadata.namespace!;
  const name = names.statefulSet(db.metadata.name);
  const live = ctx.caches.statefulSet(namespace, name);
  if (live?.metadata?.deletionTimestamp) return { replacing: true };
  const claimSize = claimTemplateSize(db, live, claims);
  if (live && claimSize === undefined) {
    await replaceStatefulSet(ctx, db, live, log);
    return { replacing: true };
  }
  const desired = keepLiveTemplate(buildStatefulSet(db, inputs, { claimSize, restore }), live);
  const previousReplicas = live?.spec?.replicas;
  const applied = (await ctx.children.apply(desired, { mustExist: live !== undefined })) as
    | V1StatefulSet
    | undefined;
  if (!live) await announceCreated(ctx, db, log);
  else if (previousReplicas !== undefined && previousReplicas !== replicas(db))
    await announceScaled(ctx, db, log);
  return { statefulSet: await readStatefulSet(ctx, namespace, name, applied ?? live), replacing: false };
}

/**
 * The claim templates' size: spec.storage.size, or the live one while volumes still grow;
 * undefined once every volume has grown and the StatefulSet is to be replaced to record it.
 */
function claimTemplateSize(
  db: KdbDatabase,
  live: V1StatefulSet | undefined,
  claims: V1PersistentVolumeClaim[],
): string | undefined {
  const size = db.spec.storage.size;
  const liveSize = live?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
  if (!live || liveSize === undefined || String(liveSize) === size) return size;
  return claimsBelow(claims, size).length > 0 ? String(liveSize) : undefined;
}

/** The live pod template instead of the built one when both were built from the same inputs. */
function keepLiveTemplate(desired: V1StatefulSet, live: V1StatefulSet | undefined): V1StatefulSet {
  const liveInputs = live?.metadata?.annotations?.[ANNOTATIONS.templateInputs];
  if (live?.spec?.template && liveInputs === desired.metadata?.annotations?.[ANNOTATIONS.templateInputs]) {
    desired.spec!.template = JSON.parse(JSON.stringify(live.spec.template));
  }
  return desired;
}

async function announceCreated(ctx: DatabaseContext, db: KdbDatabase, log: Logger): Promise<void> {
  const name = names.statefulSet(db.metadata.name);
  log.info({ statefulSet: name }, "Created the StatefulSet.");
  await ctx.events.normal(
    db,
    DatabaseEvent.Created,
    "CreateStatefulSet",
    `Created StatefulSet ${name} with ${db.spec.storage.stripes} stripe volume(s) of ${db.spec.storage.size}.`,
  );
}

/** Hibernation or waking: the StatefulSet was scaled. */
async function announceScaled(ctx: DatabaseContext, db: KdbDatabase, log: Logger): Promise<void> {
  const hibernating = replicas(db) === 0;
  log.info({ replicas: replicas(db) }, hibernating ? "Hibernating." : "Waking up.");
  await ctx.events.normal(
    db,
    hibernating ? DatabaseEvent.Hibernating : DatabaseEvent.Waking,
    hibernating ? "Hibernate" : "Wake",
    hibernating ? "Scaling to zero; the volumes are kept." : "Scaling back to one pod on the same volumes.",
  );
}

/**
 * The StatefulSet at least as new as `known` (what was applied, or the cache's copy): the
 * cache's when it holds that generation, else a GET. The apply's response is not used for its
 * status, which predates the StatefulSet controller seeing the change.
 */
async function readStatefulSet(
  ctx: DatabaseContext,
  namespace: string,
  name: string,
  known: V1StatefulSet | undefined,
): Promise<V1StatefulSet | undefined> {
  const cached = ctx.caches.statefulSet(namespace, name);
  const generation = known?.metadata?.generation ?? 0;
  if (
    cached &&
    cached.metadata?.uid === known?.metadata?.uid &&
    (cached.metadata?.generation ?? 0) >= generation
  )
    return cached;
  try {
    return await ctx.kube.apps.readNamespacedStatefulSet({ name, namespace });
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw new Error(`while reading StatefulSet ${name}`, { cause: err });
  }
}

async function replaceStatefulSet(
  ctx: DatabaseContext,
  db: KdbDatabase,
  live: V1StatefulSet,
  log: Logger,
): Promise<void> {
  const name = live.metadata!.name!;
  try {
    await ctx.kube.apps.deleteNamespacedStatefulSet({
      name,
      namespace: db.metadata.namespace!,
      // in the body too: the API server reads DeleteOptions from the body when there is one
      propagationPolicy: "Orphan",
      body: { propagationPolicy: "Orphan", preconditions: { uid: live.metadata?.uid } },
    });
  } catch (err) {
    if (!isApiError(err, 404, 409)) throw new Error(`while deleting StatefulSet ${name}`, { cause: err });
  }
  ctx.children.forget("StatefulSet", db.metadata.namespace!, name);
  log.info(
    { statefulSet: name, size: db.spec.storage.size },
    "Replacing the StatefulSet to record the new volume size.",
  );
  await ctx.events.normal(
    db,
    DatabaseEvent.ReplacingStatefulSet,
    "ReplaceStatefulSet",
    `All volumes provide ${db.spec.storage.size}; replacing StatefulSet ${name} with orphan propagation (the pod keeps running).`,
  );
}

/**
 * The database pod, read fresh: Ready is judged on it (ready, of the revision rolled out), and
 * its conditions say why it is not. Not read before there is a StatefulSet (there is no pod).
 */
export async function observePod(
  ctx: DatabaseContext,
  db: KdbDatabase,
  sts: StatefulSetResult,
): Promise<V1Pod | undefined> {
  if (!sts.statefulSet && !sts.replacing) return undefined;
  try {
    return await ctx.kube.core.readNamespacedPod({
      name: names.pod(db.metadata.name),
      namespace: db.metadata.namespace!,
    });
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw new Error("while reading the database pod", { cause: err });
  }
}
