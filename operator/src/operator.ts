/**
 * guru-operator assembled, CloudNativePG style: `startOperator` is the list of steps, each a
 * function below or a module of its aspect: the informers (watches.ts, which holds the watch
 * graph), the work queues that exist only while leading (leader-queues.ts), the three
 * controllers, leader election, and the health and metrics server.
 */
import type { Server } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { LABELS } from "./builders/names.js";
import type { OperatorConfig } from "./config.js";
import { KdbBackupController } from "./controller/kdb-backup-controller.js";
import { KdbDatabaseController } from "./controller/kdb-database-controller.js";
import { KdbScheduledBackupController } from "./controller/kdb-scheduled-backup-controller.js";
import { startHealthServer } from "./health-server.js";
import { Kube } from "./kube/client.js";
import { type Clock, realClock } from "./kube/clock.js";
import { EventRecorder } from "./kube/event-recorder.js";
import { withKeepAlive } from "./kube/keep-alive.js";
import { LeaderElector } from "./kube/leader-election.js";
import type { WorkQueue } from "./kube/work-queue.js";
import { LeaderQueues } from "./leader-queues.js";
import { createMetrics, type OperatorMetrics } from "./metrics.js";
import type { OperatorContext } from "./operator-context.js";
import {
  allInformers,
  type CachedWatches,
  queueAll,
  startWatches,
  type Watches,
  watchCached,
  watchTriggers,
} from "./watches.js";

export interface OperatorOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  log: Logger;
  metrics?: OperatorMetrics;
  /** serve /healthz, /readyz and /metrics (default true) */
  httpServer?: boolean;
  /**
   * when scheduled backups are due, their queue's timers, and leader election's tries and Lease
   * expiry (default the real clock; tests move one)
   */
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

interface Controllers {
  database: KdbDatabaseController;
  backup: KdbBackupController;
  schedule: KdbScheduledBackupController;
}

interface Leadership {
  leading(): boolean;
  /** stops campaigning, then reconciling */
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<Operator> {
  const ctx = operatorContext(options);
  const queues = new LeaderQueues(ctx);
  const cached = watchCached(ctx, queues);
  const controllers = createControllers(ctx, cached);
  const watches: Watches = { ...cached, ...watchTriggers(ctx, queues, controllers.database) };
  await startWatches(ctx, watches);
  const leadership = campaign(
    ctx,
    queues,
    () => startWork(queues, controllers, watches),
    options.onLostLeadership,
  );
  const ready = () => allInformers(watches).every((i) => i.synced);
  const server = options.httpServer === false ? undefined : await serveHealth(ctx, ready);
  return operatorHandle({ ctx, queues, controllers, watches, leadership, server, ready });
}

function operatorContext(options: OperatorOptions): OperatorContext {
  const { config, log } = options;
  const kube = new Kube(withKeepAlive(options.kubeConfig));
  return {
    config,
    log,
    metrics: options.metrics ?? createMetrics(),
    clock: options.clock ?? realClock,
    kube,
    events: new EventRecorder(kube.events, { instance: config.identity, dedupeMs: 300_000, log }),
  };
}

function createControllers(ctx: OperatorContext, cached: CachedWatches): Controllers {
  const { kube, events, config, log, metrics, clock } = ctx;
  return {
    database: new KdbDatabaseController({
      kube,
      events,
      config,
      log,
      metrics,
      caches: {
        statefulSet: (namespace, name) => cached.statefulSets.get(name, namespace),
        claims: (namespace, database) =>
          cached.claims.list(namespace).filter((c) => c.metadata?.labels?.[LABELS.database] === database),
      },
    }),
    backup: new KdbBackupController({
      kube,
      job: (namespace, name) => cached.jobs.get(name, namespace),
      events,
      config,
      log,
      metrics,
    }),
    schedule: new KdbScheduledBackupController({
      kube,
      backups: (namespace, schedule) =>
        cached.backups.list(namespace).filter((b) => b.metadata.labels?.[LABELS.schedule] === schedule),
      events,
      log,
      clock,
    }),
  };
}

/** The leader's work: a queue per kind, and a first look at everything cached. */
function startWork(queues: LeaderQueues, controllers: Controllers, watches: Watches): void {
  queues.start({
    database: async (key) => {
      try {
        return await controllers.database.reconcile(key);
      } catch (err) {
        await controllers.database.recordFailure(key, err);
        throw err;
      }
    },
    backup: (key) => controllers.backup.reconcile(key),
    schedule: (key) => controllers.schedule.reconcile(key),
  });
  queueAll(watches, queues);
}

/** Works while holding the Lease, or at once without leader election. */
function campaign(
  ctx: OperatorContext,
  queues: LeaderQueues,
  startWorking: () => void,
  onLostLeadership: (() => void) | undefined,
): Leadership {
  let leading = false;
  const startLeading = () => {
    leading = true;
    ctx.metrics.leader.set(1);
    startWorking();
  };
  const stopLeading = async () => {
    leading = false;
    ctx.metrics.leader.set(0);
    await queues.stop();
  };
  if (!ctx.config.leaderElection) {
    startLeading();
    return { leading: () => leading, stop: stopLeading };
  }
  const elector = leaseElector(ctx, startLeading, () => {
    // no waiting for reconciles in flight: one may hang on an API server that does not
    // answer, and another replica may lead already (main exits, which ends them)
    void stopLeading();
    onLostLeadership?.();
  });
  elector.start();
  const stop = async () => {
    await elector.stop();
    await stopLeading();
  };
  return { leading: () => leading, stop };
}

function leaseElector(ctx: OperatorContext, onStartedLeading: () => void, onStoppedLeading: () => void) {
  const { config, log, clock } = ctx;
  return new LeaderElector(ctx.kube.coordination, {
    namespace: config.namespace,
    name: config.leaseName,
    identity: config.identity,
    leaseDurationSeconds: config.leaseDurationSeconds,
    renewDeadlineMs: config.renewDeadlineSeconds * 1000,
    retryPeriodMs: config.retryPeriodSeconds * 1000,
    log,
    clock,
    onStartedLeading,
    onStoppedLeading,
  });
}

function serveHealth(ctx: OperatorContext, ready: () => boolean): Promise<Server> {
  const { config, metrics } = ctx;
  return startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry: metrics.registry,
    ready,
  });
}

interface Parts {
  ctx: OperatorContext;
  queues: LeaderQueues;
  controllers: Controllers;
  watches: Watches;
  leadership: Leadership;
  server: Server | undefined;
  ready(): boolean;
}

function operatorHandle(parts: Parts): Operator {
  const { ctx, queues, controllers, server } = parts;
  const address = server?.address();
  let stopped: Promise<void> | undefined;
  return {
    get queue() {
      return queues.get("database");
    },
    get backupQueue() {
      return queues.get("backup");
    },
    get scheduleQueue() {
      return queues.get("schedule");
    },
    metrics: ctx.metrics,
    controller: controllers.database,
    backupController: controllers.backup,
    httpPort: address && typeof address === "object" ? address.port : undefined,
    isLeader: parts.leadership.leading,
    isReady: parts.ready,
    stop() {
      stopped ??= stopOperator(parts);
      return stopped;
    },
  };
}

async function stopOperator({ ctx, leadership, watches, server }: Parts): Promise<void> {
  ctx.log.info("Stopping: finishing reconciles in flight.");
  await leadership.stop();
  await Promise.all(allInformers(watches).map((i) => i.stop()));
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  ctx.log.info("Stopped.");
}
