/**
 * spec.bootstrap.fromBackup: until the StatefulSet exists, the KdbBackup to start from, once it
 * is Completed (a wait before, as for a missing licence). Afterwards nothing: the stripes were
 * filled at first start.
 */
import type { KdbBackup, KdbDatabase } from "../../../crds/src/index.js";
import { names } from "../builders/names.js";
import type { RestoreSource } from "../builders/restore-container.js";
import { isApiError } from "../kube/api-error.js";
import type { DatabaseContext } from "./database-deps.js";
import type { Blocker } from "./kdb-database-status.js";
import { BlockerReason } from "./reasons.js";

export async function resolveRestore(
  ctx: DatabaseContext,
  db: KdbDatabase,
): Promise<RestoreSource | { blocker: Blocker } | undefined> {
  const from = db.spec.bootstrap?.fromBackup;
  const namespace = db.metadata.namespace!;
  if (!from || ctx.caches.statefulSet(namespace, names.statefulSet(db.metadata.name))) return undefined;
  let backup: KdbBackup;
  try {
    backup = await ctx.kube.getBackup(namespace, from.name);
  } catch (err) {
    if (!isApiError(err, 404)) throw new Error(`while reading KdbBackup ${from.name}`, { cause: err });
    return {
      blocker: {
        reason: BlockerReason.BackupNotFound,
        message: `No KdbBackup ${from.name} in ${namespace} to start from.`,
      },
    };
  }
  if (backup.status?.phase !== "Completed")
    return {
      blocker: {
        reason: BlockerReason.BackupNotCompleted,
        message: `KdbBackup ${from.name} is ${backup.status?.phase ?? "Pending"}: the database starts from it once it is Completed.`,
      },
    };
  return { backup, image: ctx.config.backupImage };
}
