/**
 * The KdbDatabase reconciler. `reconcile` is the recipe, one named step per line, each step in
 * the module of its aspect (database-*.ts); each is idempotent and works from the current state,
 * so a crash at any point is repaired by the next run. Waiting (a volume resizing, a StatefulSet
 * being replaced, a missing licence) is a requeue with a condition that says what is missing, not
 * an error; a write that met a newer version of the database is a quiet requeue; anything
 * unexpected throws, and the work queue retries it with backoff.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { templateInputsHash } from "../builders/stateful-set.js";
import { describeError, isApiError } from "../kube/api-error.js";
import { ChildApplier } from "./child-applier.js";
import { applyConfig } from "./database-config.js";
import type { ControllerDeps, DatabaseContext } from "./database-deps.js";
import { finalize, syncFinalizer } from "./database-finalizer.js";
import { applyNetworking } from "./database-networking.js";
import { resolveRestore } from "./database-restore.js";
import { resolveSecrets } from "./database-secrets.js";
import { applyStatefulSet, observePod } from "./database-statefulset.js";
import { reportBlocked, reportInvalidSpec, reportPaused, reportStatus } from "./database-status-writer.js";
import { growVolumes } from "./database-volumes.js";
import { InvalidSpecError } from "./invalid-spec.js";
import { failedStatus } from "./kdb-database-status.js";
import { DatabaseEvent } from "./reasons.js";
import { done, parseKey, type Result, requeueOnConflict } from "./reconciler.js";

export class KdbDatabaseController {
  readonly #ctx: DatabaseContext;

  constructor(deps: ControllerDeps) {
    const children = new ChildApplier(deps.kube, deps.metrics, deps.config.resyncSeconds);
    this.#ctx = { ...deps, children };
  }

  reconcile(key: string): Promise<Result> {
    return requeueOnConflict(async () => {
      const { namespace, name } = parseKey(key);
      const fetched = await this.fetch(namespace, name);
      if (!fetched) return done; // deleted: the garbage collector removes the children
      const log = this.#ctx.log.child({ namespace, name });
      log.debug({ generation: fetched.metadata.generation }, "Reconciling.");
      if (fetched.metadata.deletionTimestamp) return finalize(this.#ctx, fetched, log);
      const db = await syncFinalizer(this.#ctx, fetched);
      if (!db) return done;
      if (db.spec.paused) return reportPaused(this.#ctx, db, log);
      return this.reconcileChildren(db, this.image(db), log);
    });
  }

  /** Secrets, ConfigMap, Services and policies, volumes, the backup to start from, StatefulSet, then the status they give. */
  async reconcileChildren(db: KdbDatabase, image: string, log: Logger): Promise<Result> {
    const ctx = this.#ctx;
    try {
      const secrets = await resolveSecrets(ctx, db, log);
      if ("blocker" in secrets) return reportBlocked(ctx, db, image, secrets.blocker, log);
      const configHash = await applyConfig(ctx.children, db);
      await applyNetworking(ctx.children, db);
      const volumes = await growVolumes(ctx, db, log);
      if ("blocker" in volumes) return reportBlocked(ctx, db, image, volumes.blocker, log);
      const restore = await resolveRestore(ctx, db);
      if (restore && "blocker" in restore) return reportBlocked(ctx, db, image, restore.blocker, log);
      const inputs = { image, configHash, ...secrets.inputs };
      const sts = await applyStatefulSet(ctx, db, inputs, volumes.claims, log, restore);
      const pod = await observePod(ctx, db, sts);
      const templateInputs = templateInputsHash(db, inputs);
      return await reportStatus(ctx, db, { image, claims: volumes.claims, pod, templateInputs, ...sts }, log);
    } catch (err) {
      if (!(err instanceof InvalidSpecError)) throw err;
      return reportInvalidSpec(ctx, db, image, err, log);
    }
  }

  /** The KdbDatabase, read fresh (the cache may lag behind our own writes); undefined when gone. */
  async fetch(namespace: string, name: string): Promise<KdbDatabase | undefined> {
    try {
      return await this.#ctx.kube.getDatabase(namespace, name);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading KdbDatabase ${namespace}/${name}`, { cause: err });
    }
  }

  /** The image in use: spec.image, else the one pinned in status, else the operator's default. */
  image(db: KdbDatabase): string {
    const { kdbImage, guruEngineImage } = this.#ctx.config;
    return db.spec.image ?? db.status?.image ?? (db.spec.engine === "kdb" ? kdbImage : guruEngineImage);
  }

  /** After a failed reconcile: a Warning event and Degraded=True (ReconcileError), best effort. */
  async recordFailure(key: string, err: unknown): Promise<void> {
    const { namespace, name } = parseKey(key);
    const message = describeError(err);
    try {
      const db = await this.fetch(namespace, name);
      if (!db || db.metadata.deletionTimestamp) return;
      await this.#ctx.events.warning(db, DatabaseEvent.ReconcileError, "Reconcile", message);
      await this.#ctx.kube.patchDatabaseStatus(db, failedStatus(db, message, new Date()));
    } catch (reportErr) {
      this.#ctx.log.debug({ namespace, name, err: describeError(reportErr) }, "Could not report a failure.");
    }
  }

  /** An owned child was updated or deleted (see ChildApplier.childChanged). */
  childChanged(kind: string, child: KubernetesObject, event: "update" | "delete"): void {
    this.#ctx.children.childChanged(kind, child, event);
  }

  /** Drops what is remembered about a deleted database's children. */
  forgetDatabase(namespace: string, name: string): void {
    this.#ctx.children.forgetDatabase(namespace, name);
  }
}
