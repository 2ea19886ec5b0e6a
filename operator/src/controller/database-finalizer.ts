/**
 * The finalizer `timeseries.guru/delete-volumes`: there exactly while reclaimPolicy is Delete
 * (there is cleanup to do), and on deletion the cleanup itself: the StatefulSet and every stripe
 * claim go, then the finalizer. Both writes are conditional on the resourceVersion read: a
 * database changed meanwhile is read again (a Conflict), one deleted meanwhile is done.
 */
import type { Logger } from "pino";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { DELETE_VOLUMES_FINALIZER, LABELS, names } from "../builders/names.js";
import { describeError, isApiError, ownWrite } from "../kube/api-error.js";
import type { DatabaseContext } from "./database-deps.js";
import { DatabaseEvent } from "./reasons.js";
import { done, type Result } from "./reconciler.js";

/** The database with its finalizer as reclaimPolicy wants it; undefined when it was deleted meanwhile. */
export async function syncFinalizer(ctx: DatabaseContext, db: KdbDatabase): Promise<KdbDatabase | undefined> {
  const finalizers = db.metadata.finalizers ?? [];
  const wanted = db.spec.storage.reclaimPolicy === "Delete";
  if (wanted === finalizers.includes(DELETE_VOLUMES_FINALIZER)) return db;
  const next = wanted
    ? [...finalizers, DELETE_VOLUMES_FINALIZER]
    : finalizers.filter((f) => f !== DELETE_VOLUMES_FINALIZER);
  return setFinalizers(ctx, db, next, "while setting the finalizer");
}

/** Deletion: with reclaimPolicy Delete, the StatefulSet and every stripe claim go, then the finalizer. */
export async function finalize(ctx: DatabaseContext, db: KdbDatabase, log: Logger): Promise<Result> {
  const finalizers = db.metadata.finalizers ?? [];
  if (!finalizers.includes(DELETE_VOLUMES_FINALIZER)) return done;
  if (db.status?.phase !== "Deleting") {
    await ctx.kube.patchDatabaseStatus(db, { phase: "Deleting" }).catch((err: unknown) => {
      log.debug({ err: describeError(err) }, "Could not write phase Deleting.");
    });
  }
  await deleteStatefulSet(ctx, db);
  const deleted = await deleteClaims(ctx, db);
  log.info({ claims: deleted }, "Deleted the stripe volumes (reclaimPolicy Delete).");
  await ctx.events.normal(
    db,
    DatabaseEvent.VolumesDeleted,
    "DeleteVolumes",
    `Deleted ${deleted} stripe volume claim(s): reclaimPolicy is Delete.`,
  );
  const rest = finalizers.filter((f) => f !== DELETE_VOLUMES_FINALIZER);
  await setFinalizers(ctx, db, rest, "while removing the finalizer");
  return done;
}

function setFinalizers(
  ctx: DatabaseContext,
  db: KdbDatabase,
  finalizers: string[],
  context: string,
): Promise<KdbDatabase | undefined> {
  const resourceVersion = db.metadata.resourceVersion;
  return ownWrite(context, () => ctx.kube.patchDatabaseMetadata(db, { finalizers, resourceVersion }));
}

async function deleteStatefulSet(ctx: DatabaseContext, db: KdbDatabase): Promise<void> {
  const name = names.statefulSet(db.metadata.name);
  await ctx.kube.apps
    .deleteNamespacedStatefulSet({ name, namespace: db.metadata.namespace!, propagationPolicy: "Background" })
    .catch((err: unknown) => {
      if (!isApiError(err, 404)) throw new Error(`while deleting StatefulSet ${name}`, { cause: err });
    });
}

/** Deletes every stripe claim of the database; returns how many there were. */
async function deleteClaims(ctx: DatabaseContext, db: KdbDatabase): Promise<number> {
  const namespace = db.metadata.namespace!;
  const claims = await ctx.kube.core.listNamespacedPersistentVolumeClaim({
    namespace,
    labelSelector: `${LABELS.database}=${db.metadata.name}`,
  });
  for (const claim of claims.items) {
    await ctx.kube.core
      .deleteNamespacedPersistentVolumeClaim({ name: claim.metadata!.name!, namespace })
      .catch((err: unknown) => {
        if (!isApiError(err, 404))
          throw new Error(`while deleting claim ${claim.metadata?.name}`, { cause: err });
      });
  }
  return claims.items.length;
}
