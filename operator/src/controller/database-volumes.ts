/**
 * The stripe volumes: every claim smaller than spec.storage.size is grown, before the StatefulSet
 * is touched, so a pod that cannot start for lack of disk does not hold up the fix. Refused up
 * front when the StorageClass cannot expand.
 */
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { parseQuantity } from "../builders/quantity.js";
import { isApiError } from "../kube/api-error.js";
import { mergePatch } from "../kube/client.js";
import type { DatabaseContext } from "./database-deps.js";
import type { Blocker } from "./kdb-database-status.js";
import { BlockerReason, DatabaseEvent } from "./reasons.js";

export type VolumesResult = { claims: V1PersistentVolumeClaim[] } | { blocker: Blocker };

export async function growVolumes(
  ctx: DatabaseContext,
  db: KdbDatabase,
  log: Logger,
): Promise<VolumesResult> {
  const { size } = db.spec.storage;
  const claims = ctx.caches.claims(db.metadata.namespace!, db.metadata.name);
  const wanted = parseQuantity(size);
  const small = claims.filter((c) => {
    const requested = c.spec?.resources?.requests?.storage;
    return requested !== undefined && parseQuantity(String(requested)) < wanted;
  });
  if (small.length === 0) return { claims };
  const blocker = await expansionBlocker(ctx, db);
  if (blocker) return { blocker };
  for (const claim of small) await growClaim(ctx, db.metadata.namespace!, claim, size);
  const from = [...new Set(small.map((c) => String(c.spec?.resources?.requests?.storage)))].join(", ");
  log.info({ claims: small.length, from, to: size }, "Growing the stripe volumes.");
  await ctx.events.normal(
    db,
    DatabaseEvent.ExpandingVolumes,
    "GrowVolumes",
    `Growing ${small.length} volume(s) from ${from} to ${size}.`,
  );
  return { claims };
}

/** Why the StorageClass cannot grow the volumes, if it cannot. */
async function expansionBlocker(ctx: DatabaseContext, db: KdbDatabase): Promise<Blocker | undefined> {
  const { size, storageClassName } = db.spec.storage;
  const storageClass = await ctx.kube.storage.readStorageClass({ name: storageClassName }).catch((err) => {
    if (isApiError(err, 404)) return undefined;
    throw new Error(`while reading StorageClass ${storageClassName}`, { cause: err });
  });
  if (!storageClass)
    return {
      reason: BlockerReason.StorageClassMissing,
      message: `StorageClass ${storageClassName} does not exist: the volumes cannot grow to ${size}.`,
    };
  if (!storageClass.allowVolumeExpansion)
    return {
      reason: BlockerReason.StorageClassNotExpandable,
      message: `StorageClass ${storageClassName} does not allow volume expansion: the volumes cannot grow to ${size}.`,
    };
  return undefined;
}

async function growClaim(
  ctx: DatabaseContext,
  namespace: string,
  claim: V1PersistentVolumeClaim,
  size: string,
): Promise<void> {
  await ctx.kube.core
    .patchNamespacedPersistentVolumeClaim(
      {
        name: claim.metadata!.name!,
        namespace,
        body: { spec: { resources: { requests: { storage: size } } } },
      },
      mergePatch,
    )
    .catch((err: unknown) => {
      throw new Error(`while growing claim ${claim.metadata?.name} to ${size}`, { cause: err });
    });
}
