/**
 * Writes a database's status (only when it changed, through the status subresource) from what a
 * reconcile saw, announces its transitions, and says when to look again: volumes and the
 * StatefulSet replacement are polled; a pod starting or rolling is followed through StatefulSet
 * events, with a slower look as a safety net (pod conditions are not watched).
 */
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbDatabase, KdbDatabaseStatus } from "../../../crds/src/index.js";
import { names } from "../builders/names.js";
import { statusWritten } from "../kube/api-error.js";
import { announceTransitions } from "./database-announcements.js";
import type { DatabaseContext } from "./database-deps.js";
import { observePod } from "./database-statefulset.js";
import type { InvalidSpecError } from "./invalid-spec.js";
import { type Blocker, computeStatus, condition, pausedStatus } from "./kdb-database-status.js";
import { BlockerReason } from "./reasons.js";
import { done, type Result } from "./reconciler.js";

/** What a reconcile that got as far as the StatefulSet saw. */
export interface Seen {
  image: string;
  claims: V1PersistentVolumeClaim[];
  pod?: V1Pod;
  templateInputs: string;
  statefulSet?: V1StatefulSet;
  replacing: boolean;
}

const pollMs = (ctx: DatabaseContext) => ctx.config.pollSeconds * 1000;

export async function reportStatus(
  ctx: DatabaseContext,
  db: KdbDatabase,
  seen: Seen,
  log: Logger,
): Promise<Result> {
  const status = computeStatus(db, {
    now: new Date(),
    image: seen.image,
    statefulSet: seen.statefulSet,
    replacingStatefulSet: seen.replacing,
    pod: seen.pod,
    templateInputs: seen.templateInputs,
    claims: seen.claims,
  });
  await writeStatus(ctx, db, status, log);
  if (condition(status, "StorageResizing")?.status === "True") return { requeueAfterMs: pollMs(ctx) };
  if (condition(status, "Progressing")?.status === "True") return { requeueAfterMs: pollMs(ctx) * 6 };
  return done;
}

/** Something is missing: reported, and looked at again every 6 poll periods. */
export async function reportBlocked(
  ctx: DatabaseContext,
  db: KdbDatabase,
  image: string,
  blocker: Blocker,
  log: Logger,
): Promise<Result> {
  const namespace = db.metadata.namespace!;
  const statefulSet = ctx.caches.statefulSet(namespace, names.statefulSet(db.metadata.name));
  const status = computeStatus(db, {
    now: new Date(),
    image,
    blocker,
    statefulSet,
    pod: await observePod(ctx, db, { statefulSet, replacing: false }),
    replacingStatefulSet: false,
    claims: ctx.caches.claims(namespace, db.metadata.name),
  });
  await writeStatus(ctx, db, status, log);
  log.info({ reason: blocker.reason }, blocker.message);
  return { requeueAfterMs: pollMs(ctx) * 6 };
}

/**
 * A child refused as invalid: reported as a blocker (phase Degraded, Degraded=True InvalidSpec)
 * and looked at again only after the longest retry delay or on the next spec change (a new
 * generation queues the database): the same spec would be refused again.
 */
export async function reportInvalidSpec(
  ctx: DatabaseContext,
  db: KdbDatabase,
  image: string,
  err: InvalidSpecError,
  log: Logger,
): Promise<Result> {
  await reportBlocked(ctx, db, image, { reason: BlockerReason.InvalidSpec, message: err.message }, log);
  return { requeueAfterMs: ctx.config.retryMaxSeconds * 1000 };
}

export async function reportPaused(ctx: DatabaseContext, db: KdbDatabase, log: Logger): Promise<Result> {
  await writeStatus(ctx, db, pausedStatus(db, new Date()), log);
  return done;
}

async function writeStatus(
  ctx: DatabaseContext,
  db: KdbDatabase,
  status: KdbDatabaseStatus,
  log: Logger,
): Promise<void> {
  const previous = db.status;
  if (JSON.stringify(previous) === JSON.stringify(status)) return;
  if (!(await statusWritten(() => ctx.kube.patchDatabaseStatus(db, status)))) return;
  await announceTransitions(ctx.events, { db, previous, next: status }, log);
}
