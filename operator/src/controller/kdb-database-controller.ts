/**
 * The KdbDatabase reconciler. `reconcile` is the recipe, one named step per line; each step is
 * idempotent and works from the current state, so a crash at any point is repaired by the next
 * run. Waiting (a volume resizing, a StatefulSet being replaced, a missing licence) is a requeue
 * with a condition that says what is missing, not an error; anything unexpected throws, and the
 * work queue retries it with backoff.
 */
import type {
  KubernetesObject,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KdbBackup, KdbDatabase, KdbDatabaseStatus } from "../../../crds/src/index.js";
import { buildConfigMap, contentHash } from "../builders/config-map.js";
import { buildCredentialsSecret } from "../builders/credentials-secret.js";
import {
  ANNOTATIONS,
  CREDENTIALS_KEY,
  credentialsSecretName,
  DELETE_VOLUMES_FINALIZER,
  LABELS,
  names,
} from "../builders/names.js";
import { buildNetworkPolicy, buildPodDisruptionBudget } from "../builders/policies.js";
import { parseQuantity } from "../builders/quantity.js";
import type { RestoreSource } from "../builders/restore-container.js";
import { buildClientService, buildHeadlessService } from "../builders/services.js";
import { buildStatefulSet, type PodInputs, replicas, templateInputsHash } from "../builders/stateful-set.js";
import type { OperatorConfig } from "../config.js";
import { describeError, isApiError, statusWritten } from "../kube/api-error.js";
import { type Applicable, type Kube, mergePatch } from "../kube/client.js";
import type { EventRecorder } from "../kube/event-recorder.js";
import type { OperatorMetrics } from "../metrics.js";
import { InvalidSpecError, isInvalid } from "./invalid-spec.js";
import {
  type Blocker,
  claimsBelow,
  computeStatus,
  condition,
  failedStatus,
  pausedStatus,
} from "./kdb-database-status.js";

/** What a reconcile asks for next: nothing, or another look after a delay. */
export interface Result {
  requeueAfterMs?: number;
}
const done: Result = {};

/** Reads served from the informers' caches. */
export interface Caches {
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined;
  claims(namespace: string, database: string): V1PersistentVolumeClaim[];
}

export interface ControllerDeps {
  kube: Kube;
  caches: Caches;
  events: EventRecorder;
  config: OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
}

/** What the pod needs from Secrets: content hashes, or what is wrong. */
type SecretsResult = { inputs: Omit<PodInputs, "image" | "configHash"> } | { blocker: Blocker };

interface StatefulSetResult {
  statefulSet?: V1StatefulSet;
  replacing: boolean;
}

/** Ready=False reasons the user asked for (a spec change, hibernation): no Warning. */
const EXPECTED_NOT_READY = new Set(["Hibernated", "RollingOut"]);

export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class KdbDatabaseController {
  readonly #deps: ControllerDeps;
  /**
   * children applied recently, by kind/namespace/name: hash of what was sent, when, and the
   * resourceVersion it produced (a later one means someone else changed the child)
   */
  readonly #applied = new Map<string, { hash: string; at: number; resourceVersion?: string }>();

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
  }

  get #pollMs(): number {
    return this.#deps.config.pollSeconds * 1000;
  }

  async reconcile(key: string): Promise<Result> {
    const { namespace, name } = parseKey(key);
    const fetched = await this.fetch(namespace, name);
    if (!fetched) return done; // deleted: the garbage collector removes the children
    const log = this.#deps.log.child({ namespace, name });
    log.debug({ generation: fetched.metadata.generation }, "Reconciling.");
    if (fetched.metadata.deletionTimestamp) return this.finalize(fetched, log);
    const db = await this.syncFinalizer(fetched);
    if (db.spec.paused) return this.reportPaused(db, log);

    const image = this.image(db);
    try {
      return await this.reconcileChildren(db, image, log);
    } catch (err) {
      if (!(err instanceof InvalidSpecError)) throw err;
      return this.reportInvalidSpec(db, image, err, log);
    }
  }

  /** Secrets, ConfigMap, Services and policies, volumes, the backup to start from, StatefulSet, then the status they give. */
  async reconcileChildren(db: KdbDatabase, image: string, log: Logger): Promise<Result> {
    const secrets = await this.resolveSecrets(db, log);
    if ("blocker" in secrets) return this.reportBlocked(db, image, secrets.blocker, log);
    const configHash = await this.applyConfig(db);
    await this.applyNetworking(db);
    const volumes = await this.growVolumes(db, log);
    if ("blocker" in volumes) return this.reportBlocked(db, image, volumes.blocker, log);
    const restore = await this.resolveRestore(db);
    if (restore && "blocker" in restore) return this.reportBlocked(db, image, restore.blocker, log);
    const sts = await this.applyStatefulSet(
      db,
      { image, configHash, ...secrets.inputs },
      volumes.claims,
      log,
      restore,
    );
    const pod = await this.observePod(db, sts);
    const templateInputs = templateInputsHash(db, { image, configHash, ...secrets.inputs });
    return this.reportStatus(db, { image, claims: volumes.claims, pod, templateInputs, ...sts }, log);
  }

  // --- steps ---------------------------------------------------------------------------------

  /** The KdbDatabase, read fresh (the cache may lag behind our own writes); undefined when gone. */
  async fetch(namespace: string, name: string): Promise<KdbDatabase | undefined> {
    try {
      return await this.#deps.kube.getDatabase(namespace, name);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading KdbDatabase ${namespace}/${name}`, { cause: err });
    }
  }

  /** The finalizer is there exactly while reclaimPolicy is Delete (there is cleanup to do). */
  async syncFinalizer(db: KdbDatabase): Promise<KdbDatabase> {
    const finalizers = db.metadata.finalizers ?? [];
    const wanted = db.spec.storage.reclaimPolicy === "Delete";
    if (wanted === finalizers.includes(DELETE_VOLUMES_FINALIZER)) return db;
    const next = wanted
      ? [...finalizers, DELETE_VOLUMES_FINALIZER]
      : finalizers.filter((f) => f !== DELETE_VOLUMES_FINALIZER);
    return this.#deps.kube.patchDatabaseMetadata(db, {
      finalizers: next,
      resourceVersion: db.metadata.resourceVersion,
    });
  }

  /** The image in use: spec.image, else the one pinned in status, else the operator's default. */
  image(db: KdbDatabase): string {
    const fallback =
      db.spec.engine === "kdb" ? this.#deps.config.kdbImage : this.#deps.config.guruEngineImage;
    return db.spec.image ?? db.status?.image ?? fallback;
  }

  /** The credentials Secret (generated when absent) and, for kdb, the licence Secret. */
  async resolveSecrets(db: KdbDatabase, log: Logger): Promise<SecretsResult> {
    const namespace = db.metadata.namespace!;
    const credentialsName = credentialsSecretName(db);
    let credentials = await this.readSecret(namespace, credentialsName);
    if (!credentials) {
      credentials = await this.generateCredentials(db, log);
    }
    const file = secretValue(credentials, CREDENTIALS_KEY);
    if (!file || !/^[^:\s]+:.+/m.test(file)) {
      return {
        blocker: {
          reason: "CredentialsInvalid",
          message: `Secret ${credentialsName} has no key ${CREDENTIALS_KEY} holding user:password lines.`,
        },
      };
    }
    const inputs: Omit<PodInputs, "image" | "configHash"> = { credentialsHash: contentHash(file) };
    const license = db.spec.licenseSecret;
    if (db.spec.engine === "kdb" && license) {
      const secret = await this.readSecret(namespace, license.name);
      const content = secret && secretValue(secret, license.key);
      if (!content) {
        return {
          blocker: {
            reason: "LicenseMissing",
            message: secret
              ? `Secret ${license.name} has no key ${license.key}: kdb+ cannot start without its licence.`
              : `Secret ${license.name} (the kdb+ licence, key ${license.key}) does not exist in ${namespace}.`,
          },
        };
      }
      inputs.licenseHash = contentHash(content);
    }
    return { inputs };
  }

  async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.#deps.kube.core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading Secret ${name}`, { cause: err });
    }
  }

  async generateCredentials(db: KdbDatabase, log: Logger): Promise<V1Secret> {
    const secret = buildCredentialsSecret(db);
    const namespace = db.metadata.namespace!;
    try {
      const created = await this.#deps.kube.core.createNamespacedSecret({ namespace, body: secret });
      log.info({ secret: secret.metadata?.name }, "Generated the credentials Secret.");
      await this.#deps.events.normal(
        db,
        "CredentialsGenerated",
        "GenerateCredentials",
        `Generated Secret ${secret.metadata?.name} with a random password for user guru.`,
      );
      // the API server answers with data (base64), not stringData
      return created.data ? created : secret;
    } catch (err) {
      if (!isApiError(err, 409)) throw new Error("while creating the credentials Secret", { cause: err });
      const existing = await this.readSecret(namespace, secret.metadata!.name!);
      if (!existing) throw new Error("the credentials Secret vanished after a conflict", { cause: err });
      return existing;
    }
  }

  /** The ConfigMap (par.txt and the data plane's settings); returns the hash of its data. */
  async applyConfig(db: KdbDatabase): Promise<string> {
    const configMap = buildConfigMap(db);
    await this.apply(configMap);
    return contentHash(configMap.data);
  }

  async applyNetworking(db: KdbDatabase): Promise<void> {
    await Promise.all([
      this.apply(buildHeadlessService(db)),
      this.apply(buildClientService(db)),
      this.apply(buildPodDisruptionBudget(db)),
      this.apply(buildNetworkPolicy(db)),
    ]);
  }

  /**
   * Grows every stripe claim smaller than spec.storage.size (before the StatefulSet, so a pod that
   * cannot start for lack of disk does not hold up the fix). Refused up front when the
   * StorageClass cannot expand.
   */
  async growVolumes(
    db: KdbDatabase,
    log: Logger,
  ): Promise<{ claims: V1PersistentVolumeClaim[] } | { blocker: Blocker }> {
    const namespace = db.metadata.namespace!;
    const { size, storageClassName } = db.spec.storage;
    const claims = this.#deps.caches.claims(namespace, db.metadata.name);
    const wanted = parseQuantity(size);
    const small = claims.filter((c) => {
      const requested = c.spec?.resources?.requests?.storage;
      return requested !== undefined && parseQuantity(String(requested)) < wanted;
    });
    if (small.length === 0) return { claims };
    const storageClass = await this.#deps.kube.storage
      .readStorageClass({ name: storageClassName })
      .catch((err) => {
        if (isApiError(err, 404)) return undefined;
        throw new Error(`while reading StorageClass ${storageClassName}`, { cause: err });
      });
    if (!storageClass) {
      return {
        blocker: {
          reason: "StorageClassMissing",
          message: `StorageClass ${storageClassName} does not exist: the volumes cannot grow to ${size}.`,
        },
      };
    }
    if (!storageClass.allowVolumeExpansion) {
      return {
        blocker: {
          reason: "StorageClassNotExpandable",
          message: `StorageClass ${storageClassName} does not allow volume expansion: the volumes cannot grow to ${size}.`,
        },
      };
    }
    for (const claim of small) {
      await this.#deps.kube.core
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
    const from = [...new Set(small.map((c) => String(c.spec?.resources?.requests?.storage)))].join(", ");
    log.info({ claims: small.length, from, to: size }, "Growing the stripe volumes.");
    await this.#deps.events.normal(
      db,
      "ExpandingVolumes",
      "GrowVolumes",
      `Growing ${small.length} volume(s) from ${from} to ${size}.`,
    );
    return { claims };
  }

  /**
   * The StatefulSet. Its claim templates cannot change in place, so when spec.storage.size grew:
   * while volumes still resize, it is applied with the old claim size; once every volume provides
   * the new size it is deleted with orphan propagation (the pod keeps running) and created anew,
   * and the new one adopts the pod without restarting it.
   *
   * When nothing the pod template is built from changed (same inputs hash), the live template is
   * re-applied as it is: an operator upgrade never restarts a database by itself.
   */
  /**
   * spec.bootstrap.fromBackup, until the StatefulSet exists: the KdbBackup, once Completed (a wait
   * before, as for a missing licence). Afterwards nothing: the stripes were filled at first start.
   */
  async resolveRestore(db: KdbDatabase): Promise<RestoreSource | { blocker: Blocker } | undefined> {
    const from = db.spec.bootstrap?.fromBackup;
    const namespace = db.metadata.namespace!;
    if (!from || this.#deps.caches.statefulSet(namespace, names.statefulSet(db.metadata.name)))
      return undefined;
    let backup: KdbBackup;
    try {
      backup = await this.#deps.kube.getBackup(namespace, from.name);
    } catch (err) {
      if (!isApiError(err, 404)) throw new Error(`while reading KdbBackup ${from.name}`, { cause: err });
      return {
        blocker: {
          reason: "BackupNotFound",
          message: `No KdbBackup ${from.name} in ${namespace} to start from.`,
        },
      };
    }
    if (backup.status?.phase !== "Completed")
      return {
        blocker: {
          reason: "BackupNotCompleted",
          message: `KdbBackup ${from.name} is ${backup.status?.phase ?? "Pending"}: the database starts from it once it is Completed.`,
        },
      };
    return { backup, image: this.#deps.config.backupImage };
  }

  async applyStatefulSet(
    db: KdbDatabase,
    inputs: PodInputs,
    claims: V1PersistentVolumeClaim[],
    log: Logger,
    restore?: RestoreSource,
  ): Promise<StatefulSetResult> {
    const namespace = db.metadata.namespace!;
    const name = names.statefulSet(db.metadata.name);
    const live = this.#deps.caches.statefulSet(namespace, name);
    if (live?.metadata?.deletionTimestamp) return { replacing: true };
    const size = db.spec.storage.size;
    const liveSize = live?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
    let claimSize = size;
    if (live && liveSize !== undefined && String(liveSize) !== size) {
      if (claimsBelow(claims, size).length > 0) {
        claimSize = String(liveSize); // keep the templates until every volume has grown
      } else {
        await this.replaceStatefulSet(db, live, log);
        return { replacing: true };
      }
    }
    const desired = buildStatefulSet(db, inputs, { claimSize, restore });
    const liveInputs = live?.metadata?.annotations?.[ANNOTATIONS.templateInputs];
    if (live?.spec?.template && liveInputs === desired.metadata?.annotations?.[ANNOTATIONS.templateInputs]) {
      desired.spec!.template = JSON.parse(JSON.stringify(live.spec.template));
    }
    const previousReplicas = live?.spec?.replicas;
    const applied = (await this.apply(desired, { mustExist: live !== undefined })) as
      | V1StatefulSet
      | undefined;
    if (!live) {
      log.info({ statefulSet: name }, "Created the StatefulSet.");
      await this.#deps.events.normal(
        db,
        "Created",
        "CreateStatefulSet",
        `Created StatefulSet ${name} with ${db.spec.storage.stripes} stripe volume(s) of ${size}.`,
      );
    } else if (previousReplicas !== undefined && previousReplicas !== replicas(db)) {
      const hibernating = replicas(db) === 0;
      log.info({ replicas: replicas(db) }, hibernating ? "Hibernating." : "Waking up.");
      await this.#deps.events.normal(
        db,
        hibernating ? "Hibernating" : "Waking",
        hibernating ? "Hibernate" : "Wake",
        hibernating
          ? "Scaling to zero; the volumes are kept."
          : "Scaling back to one pod on the same volumes.",
      );
    }
    return { statefulSet: await this.readStatefulSet(namespace, name, applied ?? live), replacing: false };
  }

  /**
   * The StatefulSet at least as new as `known` (what was applied, or the cache's copy): the
   * cache's when it holds that generation, else a GET. The apply's response is not used for its
   * status, which predates the StatefulSet controller seeing the change.
   */
  async readStatefulSet(
    namespace: string,
    name: string,
    known: V1StatefulSet | undefined,
  ): Promise<V1StatefulSet | undefined> {
    const cached = this.#deps.caches.statefulSet(namespace, name);
    const generation = known?.metadata?.generation ?? 0;
    if (
      cached &&
      cached.metadata?.uid === known?.metadata?.uid &&
      (cached.metadata?.generation ?? 0) >= generation
    )
      return cached;
    try {
      return await this.#deps.kube.apps.readNamespacedStatefulSet({ name, namespace });
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading StatefulSet ${name}`, { cause: err });
    }
  }

  async replaceStatefulSet(db: KdbDatabase, live: V1StatefulSet, log: Logger): Promise<void> {
    const name = live.metadata!.name!;
    try {
      await this.#deps.kube.apps.deleteNamespacedStatefulSet({
        name,
        namespace: db.metadata.namespace!,
        // in the body too: the API server reads DeleteOptions from the body when there is one
        propagationPolicy: "Orphan",
        body: { propagationPolicy: "Orphan", preconditions: { uid: live.metadata?.uid } },
      });
    } catch (err) {
      if (!isApiError(err, 404, 409)) throw new Error(`while deleting StatefulSet ${name}`, { cause: err });
    }
    this.#forget("StatefulSet", db.metadata.namespace!, name);
    log.info(
      { statefulSet: name, size: db.spec.storage.size },
      "Replacing the StatefulSet to record the new volume size.",
    );
    await this.#deps.events.normal(
      db,
      "ReplacingStatefulSet",
      "ReplaceStatefulSet",
      `All volumes provide ${db.spec.storage.size}; replacing StatefulSet ${name} with orphan propagation (the pod keeps running).`,
    );
  }

  /**
   * The database pod, read fresh: Ready is judged on it (ready, of the revision rolled out), and
   * its conditions say why it is not. Not read before there is a StatefulSet (there is no pod).
   */
  async observePod(db: KdbDatabase, sts: StatefulSetResult): Promise<V1Pod | undefined> {
    if (!sts.statefulSet && !sts.replacing) return undefined;
    try {
      return await this.#deps.kube.core.readNamespacedPod({
        name: names.pod(db.metadata.name),
        namespace: db.metadata.namespace!,
      });
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error("while reading the database pod", { cause: err });
    }
  }

  async reportStatus(
    db: KdbDatabase,
    seen: {
      image: string;
      claims: V1PersistentVolumeClaim[];
      pod?: V1Pod;
      templateInputs: string;
      statefulSet?: V1StatefulSet;
      replacing: boolean;
    },
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
    await this.writeStatus(db, status, log);
    // Volumes and the StatefulSet replacement are polled; a pod starting or rolling is followed
    // through StatefulSet events, with a slower look as a safety net (pod conditions are not watched).
    if (condition(status, "StorageResizing")?.status === "True") return { requeueAfterMs: this.#pollMs };
    if (condition(status, "Progressing")?.status === "True") return { requeueAfterMs: this.#pollMs * 6 };
    return done;
  }

  async reportBlocked(db: KdbDatabase, image: string, blocker: Blocker, log: Logger): Promise<Result> {
    const statefulSet = this.#deps.caches.statefulSet(
      db.metadata.namespace!,
      names.statefulSet(db.metadata.name),
    );
    const status = computeStatus(db, {
      now: new Date(),
      image,
      blocker,
      statefulSet,
      pod: await this.observePod(db, { statefulSet, replacing: false }),
      replacingStatefulSet: false,
      claims: this.#deps.caches.claims(db.metadata.namespace!, db.metadata.name),
    });
    await this.writeStatus(db, status, log);
    log.info({ reason: blocker.reason }, blocker.message);
    return { requeueAfterMs: this.#pollMs * 6 };
  }

  /**
   * A child refused as invalid: reported as a blocker (phase Degraded, Degraded=True InvalidSpec)
   * and looked at again only after the longest retry delay or on the next spec change (a new
   * generation queues the database): the same spec would be refused again.
   */
  async reportInvalidSpec(
    db: KdbDatabase,
    image: string,
    err: InvalidSpecError,
    log: Logger,
  ): Promise<Result> {
    await this.reportBlocked(db, image, { reason: "InvalidSpec", message: err.message }, log);
    return { requeueAfterMs: this.#deps.config.retryMaxSeconds * 1000 };
  }

  async reportPaused(db: KdbDatabase, log: Logger): Promise<Result> {
    await this.writeStatus(db, pausedStatus(db, new Date()), log);
    return done;
  }

  /** Deletion: with reclaimPolicy Delete, the StatefulSet and every stripe claim go, then the finalizer. */
  async finalize(db: KdbDatabase, log: Logger): Promise<Result> {
    if (!(db.metadata.finalizers ?? []).includes(DELETE_VOLUMES_FINALIZER)) return done;
    const namespace = db.metadata.namespace!;
    const name = names.statefulSet(db.metadata.name);
    if (db.status?.phase !== "Deleting") {
      await this.#deps.kube.patchDatabaseStatus(db, { phase: "Deleting" }).catch((err: unknown) => {
        log.debug({ err: describeError(err) }, "Could not write phase Deleting.");
      });
    }
    await this.#deps.kube.apps
      .deleteNamespacedStatefulSet({ name, namespace, propagationPolicy: "Background" })
      .catch((err: unknown) => {
        if (!isApiError(err, 404)) throw new Error(`while deleting StatefulSet ${name}`, { cause: err });
      });
    const claims = await this.#deps.kube.core.listNamespacedPersistentVolumeClaim({
      namespace,
      labelSelector: `${LABELS.database}=${db.metadata.name}`,
    });
    for (const claim of claims.items) {
      await this.#deps.kube.core
        .deleteNamespacedPersistentVolumeClaim({ name: claim.metadata!.name!, namespace })
        .catch((err: unknown) => {
          if (!isApiError(err, 404))
            throw new Error(`while deleting claim ${claim.metadata?.name}`, { cause: err });
        });
    }
    log.info({ claims: claims.items.length }, "Deleted the stripe volumes (reclaimPolicy Delete).");
    await this.#deps.events.normal(
      db,
      "VolumesDeleted",
      "DeleteVolumes",
      `Deleted ${claims.items.length} stripe volume claim(s): reclaimPolicy is Delete.`,
    );
    const finalizers = (db.metadata.finalizers ?? []).filter((f) => f !== DELETE_VOLUMES_FINALIZER);
    try {
      await this.#deps.kube.patchDatabaseMetadata(db, {
        finalizers,
        resourceVersion: db.metadata.resourceVersion,
      });
    } catch (err) {
      if (isApiError(err, 404)) return done;
      if (isApiError(err, 409)) return { requeueAfterMs: 0 };
      throw new Error("while removing the finalizer", { cause: err });
    }
    return done;
  }

  /** After a failed reconcile: a Warning event and Degraded=True (ReconcileError), best effort. */
  async recordFailure(key: string, err: unknown): Promise<void> {
    const { namespace, name } = parseKey(key);
    const message = describeError(err);
    try {
      const db = await this.fetch(namespace, name);
      if (!db || db.metadata.deletionTimestamp) return;
      await this.#deps.events.warning(db, "ReconcileError", "Reconcile", message);
      await this.#deps.kube.patchDatabaseStatus(db, failedStatus(db, message, new Date()));
    } catch (reportErr) {
      this.#deps.log.debug({ namespace, name, err: describeError(reportErr) }, "Could not report a failure.");
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  async writeStatus(db: KdbDatabase, status: KdbDatabaseStatus, log: Logger): Promise<void> {
    const previous = db.status;
    if (JSON.stringify(previous) === JSON.stringify(status)) return;
    if (!(await statusWritten(() => this.#deps.kube.patchDatabaseStatus(db, status)))) return;
    await this.#announceTransitions(db, previous, status, log);
  }

  async #announceTransitions(
    db: KdbDatabase,
    previous: KdbDatabaseStatus | undefined,
    next: KdbDatabaseStatus,
    log: Logger,
  ): Promise<void> {
    const was = (type: "Ready" | "StorageResizing" | "Paused") => condition(previous, type)?.status;
    const now = (type: "Ready" | "StorageResizing" | "Paused") => condition(next, type);
    const ready = now("Ready");
    if (ready && ready.status !== was("Ready")) {
      if (ready.status === "True") {
        log.info({ endpoint: next.endpoint }, "Database is ready.");
        await this.#deps.events.normal(db, "Ready", "Reconcile", ready.message);
      } else if (was("Ready") === "True" && !EXPECTED_NOT_READY.has(ready.reason)) {
        await this.#deps.events.warning(db, "NotReady", "Reconcile", ready.message);
      } else if (ready.reason === "Hibernated" && next.phase === "Hibernated") {
        await this.#deps.events.normal(db, "Hibernated", "Hibernate", ready.message);
      }
    }
    const resizing = now("StorageResizing");
    if (resizing?.status === "False" && was("StorageResizing") === "True") {
      await this.#deps.events.normal(db, "VolumesResized", "GrowVolumes", resizing.message);
    }
    const paused = now("Paused");
    if (paused && paused.status !== (was("Paused") ?? "False")) {
      await this.#deps.events.normal(
        db,
        paused.status === "True" ? "Paused" : "Resumed",
        "Reconcile",
        paused.message,
      );
    }
    const degraded = condition(next, "Degraded");
    if (degraded?.status === "True" && degraded.reason !== condition(previous, "Degraded")?.reason) {
      await this.#deps.events.warning(db, degraded.reason, "Reconcile", degraded.message);
    }
  }

  /**
   * Server-side apply of a child, skipped when the same object was applied within the resync
   * period (and, for the StatefulSet, still exists): re-applying an unchanged object costs the
   * API server work for nothing. A child changed by someone else or deleted is forgotten on its
   * informer's event (childChanged), so the next reconcile repairs it at once.
   */
  async apply(object: Applicable, { mustExist = true }: { mustExist?: boolean } = {}): Promise<unknown> {
    const kind = object.kind ?? "";
    const cacheKey = `${kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
    const hash = contentHash(object);
    const previous = this.#applied.get(cacheKey);
    const fresh = previous && Date.now() - previous.at < this.#deps.config.resyncSeconds * 1000;
    if (fresh && previous.hash === hash && mustExist) return undefined;
    try {
      const result = (await this.#deps.kube.apply(object)) as { metadata?: { resourceVersion?: string } };
      this.#applied.set(cacheKey, {
        hash,
        at: Date.now(),
        resourceVersion: result?.metadata?.resourceVersion,
      });
      this.#deps.metrics.applies.inc({ kind });
      return result;
    } catch (err) {
      this.#applied.delete(cacheKey);
      if (isInvalid(err)) throw new InvalidSpecError(kind, object.metadata?.name, err);
      throw new Error(`while applying ${kind} ${object.metadata?.name}`, { cause: err });
    }
  }

  /**
   * An owned child was updated or deleted: unless it is the version our last apply produced, its
   * apply is no longer skipped, so the reconcile this event queues restores it.
   */
  childChanged(kind: string, child: KubernetesObject, event: "update" | "delete"): void {
    const { namespace = "", name = "", resourceVersion } = child.metadata ?? {};
    const applied = this.#applied.get(`${kind}/${namespace}/${name}`);
    if (event === "delete" || applied?.resourceVersion !== resourceVersion)
      this.#forget(kind, namespace, name);
  }

  #forget(kind: string, namespace: string, name: string): void {
    this.#applied.delete(`${kind}/${namespace}/${name}`);
  }

  /** Drops what is remembered about a deleted database's children. */
  forgetDatabase(namespace: string, name: string): void {
    for (const key of this.#applied.keys()) {
      const [, ns, child] = key.split("/");
      if (ns === namespace && (child === name || child?.startsWith(`${name}-`))) this.#applied.delete(key);
    }
  }
}

/** A Secret's value under `key`, from data (base64) or stringData. */
function secretValue(secret: V1Secret, key: string): string | undefined {
  const data = secret.data?.[key];
  if (data !== undefined) return Buffer.from(data, "base64").toString("utf8");
  return secret.stringData?.[key];
}
