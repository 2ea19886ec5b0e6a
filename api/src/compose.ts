/**
 * Wires stores and services from the adapters (catalog table, cache, change feed, provisioner,
 * connections). The one place that knows every feature, like Unleash's createServices.
 */
import type { Logger } from "pino";
import { AccountsService } from "./accounts/accounts-service.js";
import { AccountsStore } from "./accounts/accounts-store.js";
import { QuotaLedger } from "./accounts/quota-ledger.js";
import { BackupScheduler } from "./backups/backup-scheduler.js";
import { BackupSchedulesStore } from "./backups/backup-schedules-store.js";
import type { BackupStorage } from "./backups/backup-storage.js";
import { BackupsService } from "./backups/backups-service.js";
import { BackupsStore } from "./backups/backups-store.js";
import { RestoreService } from "./backups/restore-service.js";
import type { Cache } from "./cache/cache.js";
import type { CatalogTable } from "./catalog/table.js";
import type { ApiConfig } from "./config.js";
import type { DatabaseConnections } from "./data/connections.js";
import { DatabasesReconciler } from "./databases/databases-reconciler.js";
import { DatabasesService } from "./databases/databases-service.js";
import { DatabasesStore, totalGiB } from "./databases/databases-store.js";
import type { ChangeFeed } from "./events/change-feed.js";
import { Idempotency } from "./idempotency/idempotency.js";
import { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { ImportsService } from "./imports/imports-service.js";
import { JobsStore } from "./jobs/jobs-store.js";
import { JobsSweeper } from "./jobs/jobs-sweeper.js";
import type { JobLeaseOptions } from "./jobs/leased-job.js";
import type { ApiMetrics } from "./metrics.js";
import type { ParsePool } from "./points/parse-pool.js";
import { PointsService } from "./points/points-service.js";
import type { Provisioner } from "./provisioning/provisioner.js";
import { QueriesService } from "./queries/queries-service.js";
import { RetentionService } from "./retention/retention-service.js";
import { SeriesService } from "./series/series-service.js";
import { SeriesStore } from "./series/series-store.js";
import { TokensService } from "./tokens/tokens-service.js";
import { TokensStore } from "./tokens/tokens-store.js";

export interface Adapters {
  config: ApiConfig;
  logger: Logger;
  metrics: ApiMetrics;
  table: CatalogTable;
  cache: Cache;
  changes: ChangeFeed;
  provisioner: Provisioner;
  connections: DatabaseConnections;
  parser: ParsePool;
  /** where backups go; undefined: none configured */
  backupStorage?: BackupStorage;
  /** ms since 1970, for job leases and token expiry (tests inject one) */
  clock?: () => number;
}

export interface Services {
  accounts: AccountsService;
  tokens: TokensService;
  databases: DatabasesService;
  series: SeriesService;
  idempotency: Idempotency;
  ledger: QuotaLedger;
  reconciler: DatabasesReconciler;
  points: PointsService;
  queries: QueriesService;
  imports: ImportsService;
  jobs: JobsStore;
  sweeper: JobsSweeper;
  backups: BackupsService;
  scheduler: BackupScheduler;
  restores: RestoreService;
  retention: RetentionService;
  stores: { accounts: AccountsStore; tokens: TokensStore; databases: DatabasesStore; series: SeriesStore };
}

export function composeServices(a: Adapters): Services {
  const { config, cache, changes, metrics } = a;
  const stores = {
    accounts: new AccountsStore(a.table),
    tokens: new TokensStore(a.table),
    databases: new DatabasesStore(a.table),
    series: new SeriesStore(a.table),
  };
  const ledger = new QuotaLedger(stores.accounts, async (accountId) =>
    Object.fromEntries((await stores.databases.listAll(accountId)).map((db) => [db.name, totalGiB(db)])),
  );
  const negative = config.cache.negativeTtlMs;
  let tokens: TokensService | undefined;
  const backupsStore = new BackupsStore(a.table);
  const accounts = new AccountsService({
    store: stores.accounts,
    changes,
    defaultQuotas: config.quotas,
    backupBytes: (accountId) => backupsStore.bytes(accountId),
    hasDatabases: async (accountId) =>
      (await stores.databases.list(accountId, 1, undefined)).items.length > 0,
    deleteTokens: async (accountId) => tokens?.deleteAll(accountId),
  });
  tokens = new TokensService({
    store: stores.tokens,
    accounts,
    changes,
    cache,
    ttl: { hitMs: config.cache.tokenTtlMs, missMs: negative },
    metrics,
    clock: a.clock,
  });
  let reconciler: DatabasesReconciler | undefined;
  let scheduler: BackupScheduler | undefined;
  const clock = a.clock ?? Date.now;
  const jobs = new JobsStore(a.table);
  const leases: JobLeaseOptions = {
    store: jobs,
    owner: config.instanceId,
    leaseMs: config.jobLeaseMs,
    clock,
    logger: a.logger.child({ component: "jobs" }),
  };
  const restores = new RestoreService({
    store: backupsStore,
    storage: a.backupStorage,
    provisionerRestores: a.provisioner.restores === true,
    ...(a.provisioner.backups === undefined ? {} : { kdbBackupsOf: config.region }),
    leases,
    series: stores.series,
  });
  const databases = new DatabasesService({
    store: stores.databases,
    ledger,
    changes,
    cache,
    ttl: { hitMs: config.cache.databaseTtlMs, missMs: negative },
    metrics,
    provisioner: a.provisioner,
    region: config.region,
    regions: config.regions,
    kdbAvailable: config.provisioner.kdbLicenseSecret !== undefined,
    kick: () => reconciler?.kick(),
    planRestore: (principal, from) => restores.plan(principal, from),
    scheduleBackups:
      a.backupStorage === undefined
        ? undefined
        : (accountId, name, schedule) => (scheduler as BackupScheduler).schedule(accountId, name, schedule),
  });
  const series = new SeriesService({
    store: stores.series,
    databases,
    connections: a.connections,
    changes,
    cache,
    ttl: { hitMs: config.cache.seriesTtlMs, missMs: negative },
    metrics,
  });
  reconciler = new DatabasesReconciler({
    store: stores.databases,
    provisioner: a.provisioner,
    ledger,
    changes,
    region: config.region,
    intervalMs: config.provisioner.reconcileIntervalMs,
    provisionTimeoutMs: config.provisioner.provisionTimeoutMs,
    onDeleted: async (db) => {
      await stores.series.deleteAll(db.accountId, db.name);
      await a.connections.evict(db.uid);
    },
    logger: a.logger.child({ component: "reconciler" }),
    metrics,
  });
  const points = new PointsService({
    databases,
    series,
    connections: a.connections,
    parser: a.parser,
    autoCreateSeries: config.data.autoCreateSeries,
    bodyLimit: config.data.writeBodyLimit,
  });
  const backups = new BackupsService({
    store: backupsStore,
    databases,
    connections: a.connections,
    storage: a.backupStorage,
    leases,
    logger: a.logger.child({ component: "backups" }),
    series: stores.series,
    maxBackupGiB: (accountId) => accounts.maxBackupGiB(accountId),
    ...(a.provisioner.backups === undefined
      ? {}
      : {
          operator: {
            backups: a.provisioner.backups,
            pollMs: config.provisioner.reconcileIntervalMs,
            pendingTimeoutMs: config.provisioner.provisionTimeoutMs,
          },
        }),
  });
  scheduler = new BackupScheduler({
    schedules: new BackupSchedulesStore(a.table),
    databases: stores.databases,
    backups,
    clock,
    intervalMs: config.backups.scheduleIntervalMs,
    logger: a.logger.child({ component: "backup-scheduler" }),
  });
  const sweeper = new JobsSweeper({ store: jobs, leaseMs: config.jobLeaseMs, clock, logger: leases.logger });
  sweeper.onExpired((stored) => backups.resume(stored));
  sweeper.onAbandoned((stored) => backups.abandoned(stored));
  return {
    accounts,
    tokens,
    databases,
    series,
    points,
    queries: new QueriesService({
      series,
      connections: a.connections,
      maxRows: config.data.queryMaxRows,
      pageRows: config.data.queryPageRows,
    }),
    imports: new ImportsService({ points, series, leases }),
    jobs,
    sweeper,
    backups,
    scheduler,
    restores,
    retention: new RetentionService(databases, a.connections),
    idempotency: new Idempotency(new IdempotencyStore(a.table)),
    ledger,
    reconciler,
    stores,
  };
}
