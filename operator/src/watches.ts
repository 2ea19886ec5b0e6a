/**
 * The operator's watch graph, in one place:
 * - KdbDatabase added, spec changed (generation), being deleted, finalizers changed → its key;
 *   status-only updates (our own writes) are ignored;
 * - StatefulSet or claim labelled app.kubernetes.io/managed-by=guru-operator changed → the key of
 *   the database named by its timeseries.guru/database label;
 * - an owned Service, ConfigMap, PodDisruptionBudget or NetworkPolicy changed by someone else or
 *   deleted → its database's key, with the child's apply no longer skipped: drift is repaired on
 *   the event, not at the next resync;
 * - every resync period → every KdbDatabase.
 * KdbBackups have their own queue: a KdbBackup added or its spec changed, or its Job (labelled
 * timeseries.guru/backup) changed → its key; every resync period → every KdbBackup.
 * KdbScheduledBackups have theirs, on the operator's clock (its requeues wait for the next slot):
 * one added or its spec changed, or any change to a KdbBackup it created (labelled
 * timeseries.guru/scheduled-backup: a finished one may be pruned) → its key; every resync period
 * → every KdbScheduledBackup.
 * Informers run on every replica (warm caches); only the leader reconciles.
 */
import type {
  KubernetesObject,
  V1Job,
  V1PersistentVolumeClaim,
  V1StatefulSet,
} from "@kubernetes/client-node";
import {
  BACKUP_PLURAL,
  KDB_GROUP,
  KDB_KIND,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbBackup,
  type KdbDatabase,
  type KdbScheduledBackup,
  SCHEDULED_BACKUP_PLURAL,
} from "../../crds/src/index.js";
import { FIELD_MANAGER, LABELS } from "./builders/names.js";
import type { KdbDatabaseController } from "./controller/kdb-database-controller.js";
import { type InformerEvent, ResourceInformer } from "./kube/informer.js";
import type { LeaderQueues, QueueKind } from "./leader-queues.js";
import type { OperatorContext } from "./operator-context.js";

const MANAGED = `${LABELS.managedBy}=${FIELD_MANAGER}`;
const BACKUP_JOBS = `${MANAGED},${LABELS.backup}`;
const KDB_API = `/apis/${KDB_GROUP}/${KDB_VERSION}`;

type Named = KubernetesObject & { metadata: { name: string; namespace?: string; generation?: number } };
type Lister<T> = (query: { namespace?: string; labelSelector?: string }) => Promise<{ items: T[] }>;

/** The informers whose caches the controllers read. */
export interface CachedWatches {
  statefulSets: ResourceInformer<V1StatefulSet>;
  claims: ResourceInformer<V1PersistentVolumeClaim>;
  jobs: ResourceInformer<V1Job>;
  backups: ResourceInformer<KdbBackup & KubernetesObject>;
}

/** The informers that only queue work. */
export interface TriggerWatches {
  databases: ResourceInformer<KdbDatabase & KubernetesObject>;
  schedules: ResourceInformer<KdbScheduledBackup & KubernetesObject>;
  children: ResourceInformer<KubernetesObject>[];
}

export type Watches = CachedWatches & TriggerWatches;

/** What the KdbDatabase controller is told of its children and of a deleted database. */
type ChildTracker = Pick<KdbDatabaseController, "childChanged" | "forgetDatabase">;

export function watchCached(ctx: OperatorContext, queues: LeaderQueues): CachedWatches {
  const { kube } = ctx;
  const enqueueOwner = (_event: InformerEvent, object: KubernetesObject) => {
    const database = object.metadata?.labels?.[LABELS.database];
    if (database) queues.add("database", object.metadata?.namespace, database);
  };
  const backupChanged = onSpecChange(queues, "backup");
  return {
    statefulSets: watch<V1StatefulSet>(ctx, {
      resource: "statefulsets",
      api: "/apis/apps/v1",
      labelSelector: MANAGED,
      list: either(
        (q) => kube.apps.listNamespacedStatefulSet(q),
        (q) => kube.apps.listStatefulSetForAllNamespaces(q),
      ),
      onEvent: enqueueOwner,
    }),
    claims: watch<V1PersistentVolumeClaim>(ctx, {
      resource: "persistentvolumeclaims",
      api: "/api/v1",
      labelSelector: MANAGED,
      list: either(
        (q) => kube.core.listNamespacedPersistentVolumeClaim(q),
        (q) => kube.core.listPersistentVolumeClaimForAllNamespaces(q),
      ),
      onEvent: enqueueOwner,
    }),
    jobs: watch<V1Job>(ctx, {
      resource: "jobs",
      api: "/apis/batch/v1",
      labelSelector: BACKUP_JOBS,
      list: either(
        (q) => kube.batch.listNamespacedJob(q),
        (q) => kube.batch.listJobForAllNamespaces(q),
      ),
      onEvent: (_event, job) =>
        queues.add("backup", job.metadata?.namespace, job.metadata?.labels?.[LABELS.backup]),
    }),
    backups: watch<KdbBackup & Named>(ctx, {
      resource: BACKUP_PLURAL,
      api: KDB_API,
      list: ({ namespace }) => kube.listBackups(namespace),
      onEvent(event, backup, old) {
        // a finished backup may be pruned by the schedule that created it
        const schedule = backup.metadata.labels?.[LABELS.schedule];
        if (schedule) queues.add("schedule", backup.metadata.namespace, schedule);
        backupChanged(event, backup, old);
      },
      onResync: resyncAll(queues, "backup"),
    }),
  };
}

export function watchTriggers(
  ctx: OperatorContext,
  queues: LeaderQueues,
  tracker: ChildTracker,
): TriggerWatches {
  return {
    databases: watch<KdbDatabase & Named>(ctx, {
      resource: KDB_PLURAL,
      api: KDB_API,
      list: ({ namespace }) => ctx.kube.listDatabases(namespace),
      onEvent(event, db, old) {
        const { namespace, name } = db.metadata;
        if (event === "delete") {
          tracker.forgetDatabase(namespace ?? "", name);
          queues.forget("database", namespace, name);
          return;
        }
        if (event === "update" && old && !specOrLifecycleChanged(old, db)) return;
        queues.add("database", namespace, name);
      },
      onResync: resyncAll(queues, "database"),
    }),
    schedules: watch<KdbScheduledBackup & Named>(ctx, {
      resource: SCHEDULED_BACKUP_PLURAL,
      api: KDB_API,
      list: ({ namespace }) => ctx.kube.listScheduledBackups(namespace),
      onEvent: onSpecChange(queues, "schedule"),
      onResync: resyncAll(queues, "schedule"),
    }),
    children: watchChildren(ctx, queues, tracker),
  };
}

/** Services, ConfigMaps, PodDisruptionBudgets and NetworkPolicies a KdbDatabase owns. */
function watchChildren(
  ctx: OperatorContext,
  queues: LeaderQueues,
  tracker: ChildTracker,
): ResourceInformer<KubernetesObject>[] {
  const { core, policy, networking } = ctx.kube;
  const child = (kind: string, resource: string, api: string, list: Lister<KubernetesObject>) =>
    watch<KubernetesObject>(ctx, {
      resource,
      api,
      labelSelector: MANAGED,
      list,
      onEvent(event, object) {
        const owner = databaseOwner(object);
        if (!owner || event === "add") return; // an add is our own create, or the first list
        tracker.childChanged(kind, object, event);
        queues.add("database", object.metadata?.namespace, owner);
      },
    });
  return [
    child(
      "Service",
      "services",
      "/api/v1",
      either(
        (q) => core.listNamespacedService(q),
        (q) => core.listServiceForAllNamespaces(q),
      ),
    ),
    child(
      "ConfigMap",
      "configmaps",
      "/api/v1",
      either(
        (q) => core.listNamespacedConfigMap(q),
        (q) => core.listConfigMapForAllNamespaces(q),
      ),
    ),
    child(
      "PodDisruptionBudget",
      "poddisruptionbudgets",
      "/apis/policy/v1",
      either(
        (q) => policy.listNamespacedPodDisruptionBudget(q),
        (q) => policy.listPodDisruptionBudgetForAllNamespaces(q),
      ),
    ),
    child(
      "NetworkPolicy",
      "networkpolicies",
      "/apis/networking.k8s.io/v1",
      either(
        (q) => networking.listNamespacedNetworkPolicy(q),
        (q) => networking.listNetworkPolicyForAllNamespaces(q),
      ),
    ),
  ];
}

/** Every informer, children first: the first reconciles find their StatefulSets, claims and Jobs cached. */
export async function startWatches(ctx: OperatorContext, w: Watches): Promise<void> {
  try {
    await Promise.all([w.statefulSets, w.claims, ...w.children, w.jobs].map((i) => i.start()));
    await Promise.all([w.databases.start(), w.backups.start(), w.schedules.start()]);
  } catch (err) {
    await Promise.all(allInformers(w).map((i) => i.stop()));
    throw err;
  }
  const { watchNamespace, identity } = ctx.config;
  ctx.log.info({ watchNamespace: watchNamespace ?? "(all)", identity }, "Informers synced.");
}

export function allInformers(w: Watches): ResourceInformer<KubernetesObject>[] {
  return [w.databases, w.statefulSets, w.claims, ...w.children, w.backups, w.schedules, w.jobs];
}

/** Whether an update is one the reconciler must see: spec (generation), deletion, finalizers, labels. */
export function specOrLifecycleChanged(old: KdbDatabase, next: KdbDatabase): boolean {
  return (
    old.metadata.generation !== next.metadata.generation ||
    Boolean(old.metadata.deletionTimestamp) !== Boolean(next.metadata.deletionTimestamp) ||
    JSON.stringify(old.metadata.finalizers ?? []) !== JSON.stringify(next.metadata.finalizers ?? []) ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(next.metadata.labels ?? {}) ||
    JSON.stringify(old.metadata.annotations ?? {}) !== JSON.stringify(next.metadata.annotations ?? {})
  );
}

interface WatchSpec<T extends KubernetesObject> {
  /** the plural, for logs and metrics too */
  resource: string;
  /** the API group's path, e.g. /apis/apps/v1 */
  api: string;
  labelSelector?: string;
  /** of T, but the CRDs' zod types are not client-node's KubernetesObject */
  list: Lister<object>;
  onEvent(event: InformerEvent, object: T, old?: T): void;
  onResync?(objects: readonly T[]): void;
}

/** An informer on the watched namespace (or all), with the config's resync and staleness. */
function watch<T extends KubernetesObject>(ctx: OperatorContext, spec: WatchSpec<T>): ResourceInformer<T> {
  const { config, log, metrics, kube } = ctx;
  const ns = config.watchNamespace;
  const { resource, api, labelSelector, list, ...handlers } = spec;
  return new ResourceInformer<T>({
    kubeConfig: kube.kubeConfig,
    resyncMs: config.resyncSeconds * 1000,
    staleMs: config.watchStaleSeconds * 1000,
    log,
    onRestart: (r) => metrics.informerRestarts.inc({ resource: r }),
    resource,
    path: ns ? `${api}/namespaces/${ns}/${resource}` : `${api}/${resource}`,
    labelSelector,
    list: () => list({ namespace: ns, labelSelector }) as never,
    ...handlers,
  });
}

/** A list of the namespace when one is watched, else of all namespaces. */
function either<T>(
  namespaced: (query: { namespace: string; labelSelector?: string }) => Promise<{ items: T[] }>,
  all: (query: { labelSelector?: string }) => Promise<{ items: T[] }>,
): Lister<T> {
  return ({ namespace, labelSelector }) =>
    namespace ? namespaced({ namespace, labelSelector }) : all({ labelSelector });
}

/** Queues a custom resource when added or its spec changed; status-only updates are our own writes. */
function onSpecChange(queues: LeaderQueues, kind: QueueKind) {
  return (event: InformerEvent, object: Named, old?: Named) => {
    const { namespace, name, generation } = object.metadata;
    if (event === "delete") return queues.forget(kind, namespace, name);
    if (event === "update" && old?.metadata.generation === generation) return;
    queues.add(kind, namespace, name);
  };
}

function resyncAll(queues: LeaderQueues, kind: QueueKind) {
  return (all: readonly Named[]) => {
    for (const o of all) queues.add(kind, o.metadata.namespace, o.metadata.name);
  };
}

/** The KdbDatabase controlling a child (its controller owner reference), if any. */
function databaseOwner(child: KubernetesObject): string | undefined {
  return child.metadata?.ownerReferences?.find((o) => o.controller && o.kind === KDB_KIND)?.name;
}

/** Queues every cached KdbDatabase, KdbBackup and KdbScheduledBackup (a new leader's first look). */
export function queueAll(w: Watches, queues: LeaderQueues): void {
  resyncAll(queues, "database")(w.databases.list());
  resyncAll(queues, "backup")(w.backups.list());
  resyncAll(queues, "schedule")(w.schedules.list());
}
