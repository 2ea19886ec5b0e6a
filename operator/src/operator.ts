/**
 * guru-operator assembled: informers on KdbDatabases and on the StatefulSets and claims it made,
 * a rate-limited work queue feeding the reconciler, leader election, and the health and metrics
 * server. The watch graph is here, in one place:
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
import type { Server } from "node:http";
import type {
  KubeConfig,
  KubernetesObject,
  V1Job,
  V1PersistentVolumeClaim,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
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
import type { OperatorConfig } from "./config.js";
import { KdbBackupController } from "./controller/kdb-backup-controller.js";
import { KdbDatabaseController } from "./controller/kdb-database-controller.js";
import { KdbScheduledBackupController } from "./controller/kdb-scheduled-backup-controller.js";
import { startHealthServer } from "./health-server.js";
import { describeError } from "./kube/api-error.js";
import { Kube } from "./kube/client.js";
import { type Clock, realClock } from "./kube/clock.js";
import { EventRecorder } from "./kube/event-recorder.js";
import { ResourceInformer } from "./kube/informer.js";
import { withKeepAlive } from "./kube/keep-alive.js";
import { LeaderElector } from "./kube/leader-election.js";
import { WorkQueue } from "./kube/work-queue.js";
import { createMetrics, type OperatorMetrics } from "./metrics.js";

export interface OperatorOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  log: Logger;
  metrics?: OperatorMetrics;
  /** serve /healthz, /readyz and /metrics (default true) */
  httpServer?: boolean;
  /** when scheduled backups are due, and their queue's timers (default the real clock; tests move one) */
  clock?: Clock;
  /** called when leadership is lost after it was held (main exits the process) */
  onLostLeadership?(): void;
}

export interface Operator {
  readonly queue: WorkQueue;
  readonly backupQueue: WorkQueue;
  readonly scheduleQueue: WorkQueue;
  readonly metrics: OperatorMetrics;
  readonly controller: KdbDatabaseController;
  readonly backupController: KdbBackupController;
  /** the health server's port, when it runs */
  readonly httpPort: number | undefined;
  isLeader(): boolean;
  isReady(): boolean;
  /** graceful: stop campaigning and taking work, finish reconciles in flight, stop watches */
  stop(): Promise<void>;
}

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ""}/${name ?? ""}`;

export async function startOperator(options: OperatorOptions): Promise<Operator> {
  const { config, kubeConfig, log } = options;
  const metrics = options.metrics ?? createMetrics();
  const clock = options.clock ?? realClock;
  const kube = new Kube(withKeepAlive(kubeConfig));
  const events = new EventRecorder(kube.events, { instance: config.identity, dedupeMs: 300_000, log });
  const managedSelector = `${LABELS.managedBy}=${FIELD_MANAGER}`;
  const ns = config.watchNamespace;
  const common = {
    kubeConfig,
    resyncMs: config.resyncSeconds * 1000,
    staleMs: config.watchStaleSeconds * 1000,
    log,
    onRestart: (resource: string) => metrics.informerRestarts.inc({ resource }),
  };

  let queue: WorkQueue | undefined;
  const enqueue = (key: string) => queue?.add(key);
  const enqueueOwner = (object: KubernetesObject) => {
    const database = object.metadata?.labels?.[LABELS.database];
    if (database) enqueue(keyOf(object.metadata?.namespace, database));
  };

  const databases = new ResourceInformer<KdbDatabase & KubernetesObject>({
    ...common,
    resource: "kdbdatabases",
    path: ns
      ? `/apis/${KDB_GROUP}/${KDB_VERSION}/namespaces/${ns}/${KDB_PLURAL}`
      : `/apis/${KDB_GROUP}/${KDB_VERSION}/${KDB_PLURAL}`,
    list: () => kube.listDatabases(ns) as never,
    onEvent(event, db, old) {
      const key = keyOf(db.metadata.namespace, db.metadata.name);
      if (event === "delete") {
        controller.forgetDatabase(db.metadata.namespace ?? "", db.metadata.name);
        queue?.forget(key);
        return;
      }
      if (event === "update" && old && !specOrLifecycleChanged(old, db)) return;
      enqueue(key);
    },
    onResync(all) {
      for (const db of all) enqueue(keyOf(db.metadata.namespace, db.metadata.name));
    },
  });
  const statefulSets = new ResourceInformer<V1StatefulSet>({
    ...common,
    resource: "statefulsets",
    path: ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : "/apis/apps/v1/statefulsets",
    labelSelector: managedSelector,
    list: () =>
      ns
        ? kube.apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: managedSelector })
        : kube.apps.listStatefulSetForAllNamespaces({ labelSelector: managedSelector }),
    onEvent: (_event, sts) => enqueueOwner(sts),
  });
  const ownedChild = (kind: string, resource: string, apiPath: string, list: OwnedList) =>
    new ResourceInformer<KubernetesObject>({
      ...common,
      resource,
      path: ns ? `${apiPath}/namespaces/${ns}/${resource}` : `${apiPath}/${resource}`,
      labelSelector: managedSelector,
      list: () => list({ namespace: ns, labelSelector: managedSelector }) as never,
      onEvent(event, child) {
        const owner = databaseOwner(child);
        if (!owner || event === "add") return; // an add is our own create, or the first list
        controller.childChanged(kind, child, event);
        enqueue(keyOf(child.metadata?.namespace, owner));
      },
    });
  const children = [
    ownedChild("Service", "services", "/api/v1", ({ namespace, labelSelector }) =>
      namespace
        ? kube.core.listNamespacedService({ namespace, labelSelector })
        : kube.core.listServiceForAllNamespaces({ labelSelector }),
    ),
    ownedChild("ConfigMap", "configmaps", "/api/v1", ({ namespace, labelSelector }) =>
      namespace
        ? kube.core.listNamespacedConfigMap({ namespace, labelSelector })
        : kube.core.listConfigMapForAllNamespaces({ labelSelector }),
    ),
    ownedChild(
      "PodDisruptionBudget",
      "poddisruptionbudgets",
      "/apis/policy/v1",
      ({ namespace, labelSelector }) =>
        namespace
          ? kube.policy.listNamespacedPodDisruptionBudget({ namespace, labelSelector })
          : kube.policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector }),
    ),
    ownedChild(
      "NetworkPolicy",
      "networkpolicies",
      "/apis/networking.k8s.io/v1",
      ({ namespace, labelSelector }) =>
        namespace
          ? kube.networking.listNamespacedNetworkPolicy({ namespace, labelSelector })
          : kube.networking.listNetworkPolicyForAllNamespaces({ labelSelector }),
    ),
  ];
  let backupQueue: WorkQueue | undefined;
  const enqueueBackup = (namespace: string | undefined, name: string | undefined) =>
    backupQueue?.add(keyOf(namespace, name));
  let scheduleQueue: WorkQueue | undefined;
  const enqueueSchedule = (namespace: string | undefined, name: string | undefined) =>
    scheduleQueue?.add(keyOf(namespace, name));
  const backups = new ResourceInformer<KdbBackup & KubernetesObject>({
    ...common,
    resource: "kdbbackups",
    path: ns
      ? `/apis/${KDB_GROUP}/${KDB_VERSION}/namespaces/${ns}/${BACKUP_PLURAL}`
      : `/apis/${KDB_GROUP}/${KDB_VERSION}/${BACKUP_PLURAL}`,
    list: () => kube.listBackups(ns) as never,
    onEvent(event, backup, old) {
      const schedule = backup.metadata.labels?.[LABELS.schedule];
      if (schedule) enqueueSchedule(backup.metadata.namespace, schedule);
      if (event === "delete")
        return backupQueue?.forget(keyOf(backup.metadata.namespace, backup.metadata.name));
      // status-only updates are our own writes
      if (event === "update" && old?.metadata.generation === backup.metadata.generation) return;
      enqueueBackup(backup.metadata.namespace, backup.metadata.name);
    },
    onResync(all) {
      for (const b of all) enqueueBackup(b.metadata.namespace, b.metadata.name);
    },
  });
  const schedules = new ResourceInformer<KdbScheduledBackup & KubernetesObject>({
    ...common,
    resource: "kdbscheduledbackups",
    path: ns
      ? `/apis/${KDB_GROUP}/${KDB_VERSION}/namespaces/${ns}/${SCHEDULED_BACKUP_PLURAL}`
      : `/apis/${KDB_GROUP}/${KDB_VERSION}/${SCHEDULED_BACKUP_PLURAL}`,
    list: () => kube.listScheduledBackups(ns) as never,
    onEvent(event, schedule, old) {
      const key = keyOf(schedule.metadata.namespace, schedule.metadata.name);
      if (event === "delete") return scheduleQueue?.forget(key);
      if (event === "update" && old?.metadata.generation === schedule.metadata.generation) return;
      scheduleQueue?.add(key);
    },
    onResync(all) {
      for (const s of all) enqueueSchedule(s.metadata.namespace, s.metadata.name);
    },
  });
  const backupSelector = `${managedSelector},${LABELS.backup}`;
  const jobs = new ResourceInformer<V1Job>({
    ...common,
    resource: "jobs",
    path: ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : "/apis/batch/v1/jobs",
    labelSelector: backupSelector,
    list: () =>
      ns
        ? kube.batch.listNamespacedJob({ namespace: ns, labelSelector: backupSelector })
        : kube.batch.listJobForAllNamespaces({ labelSelector: backupSelector }),
    onEvent: (_event, job) => enqueueBackup(job.metadata?.namespace, job.metadata?.labels?.[LABELS.backup]),
  });
  const claims = new ResourceInformer<V1PersistentVolumeClaim>({
    ...common,
    resource: "persistentvolumeclaims",
    path: ns ? `/api/v1/namespaces/${ns}/persistentvolumeclaims` : "/api/v1/persistentvolumeclaims",
    labelSelector: managedSelector,
    list: () =>
      ns
        ? kube.core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: managedSelector })
        : kube.core.listPersistentVolumeClaimForAllNamespaces({ labelSelector: managedSelector }),
    onEvent: (_event, claim) => enqueueOwner(claim),
  });

  const controller = new KdbDatabaseController({
    kube,
    events,
    config,
    log,
    metrics,
    caches: {
      statefulSet: (namespace, name) => statefulSets.get(name, namespace),
      claims: (namespace, database) =>
        claims.list(namespace).filter((c) => c.metadata?.labels?.[LABELS.database] === database),
    },
  });

  const backupController = new KdbBackupController({
    kube,
    job: (namespace, name) => jobs.get(name, namespace),
    events,
    config,
    log,
    metrics,
  });

  const scheduleController = new KdbScheduledBackupController({
    kube,
    backups: (namespace, schedule) =>
      backups.list(namespace).filter((b) => b.metadata.labels?.[LABELS.schedule] === schedule),
    events,
    log,
    clock,
  });

  // the depth gauge is the KdbDatabase queue's
  const newQueue = (
    handler: (key: string) => Promise<{ requeueAfterMs?: number }>,
    { depth = false, queueClock = realClock } = {},
  ) =>
    new WorkQueue(
      handler,
      {
        workers: config.workers,
        baseDelayMs: config.retryBaseSeconds * 1000,
        maxDelayMs: config.retryMaxSeconds * 1000,
        qps: config.retryQps,
        burst: config.retryBurst,
        clock: queueClock,
      },
      {
        onDepth: depth ? (n) => metrics.queueDepth.set(n) : undefined,
        onDone(key, outcome, seconds, err) {
          metrics.reconciles.inc({ outcome });
          metrics.duration.observe({ outcome }, seconds);
          if (outcome === "error") {
            metrics.errors.inc();
            const { namespace, name } = { namespace: key.split("/")[0], name: key.split("/")[1] };
            log.error(
              { namespace, name, err: describeError(err) },
              "Reconcile failed; retrying with backoff.",
            );
          }
        },
      },
    );

  const reconcileDatabase = async (key: string) => {
    try {
      return await controller.reconcile(key);
    } catch (err) {
      await controller.recordFailure(key, err);
      throw err;
    }
  };

  const informers = [databases, statefulSets, claims, ...children, backups, schedules, jobs];
  try {
    // children first: the first reconciles find their StatefulSets, claims and Jobs in the cache
    await Promise.all([statefulSets, claims, ...children, jobs].map((i) => i.start()));
    await Promise.all([databases.start(), backups.start(), schedules.start()]);
  } catch (err) {
    await Promise.all(informers.map((i) => i.stop()));
    throw err;
  }
  log.info({ watchNamespace: ns ?? "(all)", identity: config.identity }, "Informers synced.");

  let leading = false;
  const startLeading = () => {
    leading = true;
    metrics.leader.set(1);
    queue = newQueue(reconcileDatabase, { depth: true });
    queue.start();
    backupQueue = newQueue((key) => backupController.reconcile(key));
    backupQueue.start();
    scheduleQueue = newQueue((key) => scheduleController.reconcile(key), { queueClock: clock });
    scheduleQueue.start();
    for (const db of databases.list()) enqueue(keyOf(db.metadata.namespace, db.metadata.name));
    for (const b of backups.list()) enqueueBackup(b.metadata.namespace, b.metadata.name);
    for (const s of schedules.list()) enqueueSchedule(s.metadata.namespace, s.metadata.name);
  };
  const stopLeading = async () => {
    leading = false;
    metrics.leader.set(0);
    const current = [queue, backupQueue, scheduleQueue];
    queue = undefined;
    backupQueue = undefined;
    scheduleQueue = undefined;
    await Promise.all(current.map((q) => q?.shutdown()));
  };

  let elector: LeaderElector | undefined;
  if (config.leaderElection) {
    elector = new LeaderElector(kube.coordination, {
      namespace: config.namespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
      log,
      onStartedLeading: startLeading,
      onStoppedLeading: () => {
        // no waiting for reconciles in flight: one may hang on an API server that does not
        // answer, and another replica may lead already (main exits, which ends them)
        void stopLeading();
        options.onLostLeadership?.();
      },
    });
    elector.start();
  } else {
    startLeading();
  }

  const ready = () => informers.every((i) => i.synced);
  let server: Server | undefined;
  if (options.httpServer !== false) {
    server = await startHealthServer({
      host: config.httpHost,
      port: config.httpPort,
      registry: metrics.registry,
      ready,
    });
  }
  const address = server?.address();
  let stopped: Promise<void> | undefined;
  return {
    get queue() {
      if (!queue) throw new Error("this replica is not the leader: it has no work queue");
      return queue;
    },
    get backupQueue() {
      if (!backupQueue) throw new Error("this replica is not the leader: it has no work queue");
      return backupQueue;
    },
    get scheduleQueue() {
      if (!scheduleQueue) throw new Error("this replica is not the leader: it has no work queue");
      return scheduleQueue;
    },
    metrics,
    controller,
    backupController,
    httpPort: address && typeof address === "object" ? address.port : undefined,
    isLeader: () => leading,
    isReady: ready,
    stop() {
      stopped ??= (async () => {
        log.info("Stopping: finishing reconciles in flight.");
        await elector?.stop();
        await stopLeading();
        await Promise.all(informers.map((i) => i.stop()));
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        log.info("Stopped.");
      })();
      return stopped;
    },
  };
}

type OwnedList = (query: {
  namespace: string | undefined;
  labelSelector: string;
}) => Promise<{ items: KubernetesObject[] }>;

/** The KdbDatabase controlling a child (its controller owner reference), if any. */
function databaseOwner(child: KubernetesObject): string | undefined {
  return child.metadata?.ownerReferences?.find((o) => o.controller && o.kind === KDB_KIND)?.name;
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
