/**
 * The cloud provisioner: each database is a `KdbDatabase` resource (crds/) named
 * `<accountId>-<database>` in one namespace of its region's cluster, written with server-side
 * apply (field manager guru-api) and reconciled by guru-operator, whose status is read back:
 * Ready=True at the current generation with nothing in progress is ready; a Blocked reconcile
 * (no licence, bad credentials, storage class problems) is failed; anything else is progressing.
 * Clusters come from a kubeconfig file per region, or the in-cluster service account.
 * With a backup bucket, backups are KdbBackup resources too (kubernetes-backups.ts), and a
 * database restored from one is a KdbDatabase with spec.bootstrap.fromBackup.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  ACCOUNT_LABEL,
  type Condition,
  type Engine,
  KDB_API_VERSION,
  KDB_GROUP,
  KDB_KIND,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbDatabase,
  type KdbDatabaseManifest,
  kdbDatabaseSpecSchema,
} from "../../../crds/src/index.js";
import type { ApiConfig } from "../config.js";
import { SIZES } from "../databases/sizes.js";
import { DependencyError } from "../errors/errors.js";
import { type KdbBackupDestination, KubernetesBackups, kdbBackupName } from "./kubernetes-backups.js";
import type { Provisioner, ProvisionState, ProvisionTarget, QEndpoint } from "./provisioner.js";
import { serverSideApply } from "./server-side-apply.js";

export const FIELD_MANAGER = "guru-api";
export const LABELS = {
  account: ACCOUNT_LABEL,
  database: "timeseries.guru/database",
  managedBy: "app.kubernetes.io/managed-by",
} as const;
export const ANNOTATIONS = {
  uid: "timeseries.guru/uid",
  generation: "timeseries.guru/api-generation",
} as const;

export interface KubernetesProvisionerOptions {
  /** a KubeConfig per region */
  clusters: Record<string, KubeConfig>;
  namespace: string;
  storageClass: string;
  kdbLicenseSecret: string | undefined;
  logger: Logger;
  /** where KdbBackups write (the API's backup bucket); unset: the API takes no backups here */
  backups?: KdbBackupDestination;
  /**
   * Once a database restored from a backup is ready (its KdbDatabase's bootstrap.fromBackup ran):
   * records what the restore gave it (backups/restore-service.ts); ready is reported only after.
   */
  restored?: (db: ProvisionTarget) => Promise<void>;
}

interface Clients {
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

export function resourceName(db: Pick<ProvisionTarget, "accountId" | "name">): string {
  return `${db.accountId}-${db.name}`;
}

function labelsOf(db: ProvisionTarget): Record<string, string> {
  return { [LABELS.account]: db.accountId, [LABELS.database]: db.name, [LABELS.managedBy]: FIELD_MANAGER };
}

function condition(resource: KdbDatabase, type: string): Condition | undefined {
  return resource.status?.conditions?.find((c) => c.type === type);
}

/** Reads a KdbDatabase's status as a provisioning state. */
export function stateOf(resource: KdbDatabase): ProvisionState {
  if (resource.metadata.deletionTimestamp !== undefined)
    return { state: "progressing", detail: "being deleted" };
  const ready = condition(resource, "Ready");
  const progressing = condition(resource, "Progressing");
  const current = (resource.status?.observedGeneration ?? -1) >= (resource.metadata.generation ?? 0);
  if (current && progressing?.reason === "Blocked")
    return { state: "failed", reason: progressing.message || "the operator cannot reconcile it" };
  if (current && ready?.status === "True" && progressing?.status !== "True") return { state: "ready" };
  return {
    state: "progressing",
    detail: current
      ? progressing?.status === "True"
        ? progressing.message
        : ready?.message
      : "waiting for guru-operator",
  };
}

export class KubernetesProvisioner implements Provisioner {
  readonly kind = "kubernetes";
  readonly restoresOnStart = false;
  readonly #o: KubernetesProvisionerOptions;
  readonly #clients = new Map<string, Clients>();
  readonly backups: KubernetesBackups | undefined;
  #lastError: string | undefined;

  constructor(options: KubernetesProvisionerOptions) {
    this.#o = options;
    for (const [region, kubeConfig] of Object.entries(options.clusters))
      this.#clients.set(region, {
        custom: kubeConfig.makeApiClient(CustomObjectsApi),
        core: kubeConfig.makeApiClient(CoreV1Api),
      });
    this.backups =
      options.backups === undefined
        ? undefined
        : new KubernetesBackups({
            namespace: options.namespace,
            destination: options.backups,
            fieldManager: FIELD_MANAGER,
            labels: labelsOf,
            resourceName,
            custom: (region) => this.#for(region).custom,
          });
  }

  /** A database starts from a backup only when its backups are KdbBackups (bootstrap.fromBackup). */
  get restores(): boolean {
    return this.backups !== undefined;
  }

  static fromConfig(
    config: ApiConfig,
    logger: Logger,
    restored?: KubernetesProvisionerOptions["restored"],
  ): KubernetesProvisioner {
    const clusters: Record<string, KubeConfig> = {};
    for (const [region, source] of Object.entries(config.provisioner.kubeconfigs)) {
      const kubeConfig = new KubeConfig();
      if (source === "in-cluster") kubeConfig.loadFromCluster();
      else kubeConfig.loadFromFile(source);
      clusters[region] = kubeConfig;
    }
    return new KubernetesProvisioner({
      clusters,
      namespace: config.provisioner.namespace,
      storageClass: config.provisioner.storageClass,
      kdbLicenseSecret: config.provisioner.kdbLicenseSecret,
      logger,
      ...(config.backups.storage === "s3" && config.backups.bucket !== undefined
        ? {
            backups: {
              bucket: config.backups.bucket,
              prefix: config.backups.prefix,
              region: config.aws.region,
            },
          }
        : {}),
      restored,
    });
  }

  supportsEngine(engine: Engine): boolean {
    return engine === "guru-engine" || this.#o.kdbLicenseSecret !== undefined;
  }

  #for(region: string): Clients {
    const clients = this.#clients.get(region);
    if (clients === undefined) throw new Error(`no Kubernetes cluster configured for region ${region}`);
    return clients;
  }

  #ref(db: ProvisionTarget) {
    return {
      group: KDB_GROUP,
      version: KDB_VERSION,
      namespace: this.#o.namespace,
      plural: KDB_PLURAL,
      name: resourceName(db),
    };
  }

  /** The KdbDatabase the API wants for `db`. */
  manifest(db: ProvisionTarget): KdbDatabaseManifest {
    const size = SIZES[db.size];
    const spec = kdbDatabaseSpecSchema.parse({
      engine: db.engine,
      compute: {
        resources: { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memory } },
        threads: size.threads,
      },
      storage: {
        stripes: db.storage.stripes,
        size: `${db.storage.stripeSizeGiB}Gi`,
        storageClassName: this.#o.storageClass,
        // deleting a database through the API deletes its data
        reclaimPolicy: "Delete",
      },
      ...(db.retentionDays == null ? {} : { retention: { days: db.retentionDays } }),
      ...(db.engine === "kdb" && this.#o.kdbLicenseSecret !== undefined
        ? { licenseSecret: { name: this.#o.kdbLicenseSecret } }
        : {}),
      ...(db.restore == null
        ? {}
        : { bootstrap: { fromBackup: { name: kdbBackupName(db.accountId, db.restore.backup) } } }),
    });
    return {
      apiVersion: KDB_API_VERSION,
      kind: KDB_KIND,
      metadata: {
        name: resourceName(db),
        namespace: this.#o.namespace,
        labels: labelsOf(db),
        annotations: { [ANNOTATIONS.uid]: db.uid, [ANNOTATIONS.generation]: String(db.generation) },
      },
      spec,
    };
  }

  async #track<T>(call: () => Promise<T>): Promise<T> {
    try {
      const out = await call();
      this.#lastError = undefined;
      return out;
    } catch (err) {
      if (!(err instanceof ApiException && (err.code === 404 || err.code === 409)))
        this.#lastError = (err as Error).message.split("\n")[0];
      throw err;
    }
  }

  async apply(db: ProvisionTarget): Promise<void> {
    await this.#track(() =>
      this.#for(db.region).custom.patchNamespacedCustomObject(
        { ...this.#ref(db), body: this.manifest(db), fieldManager: FIELD_MANAGER, force: true },
        serverSideApply,
      ),
    );
  }

  async #read(db: ProvisionTarget): Promise<KdbDatabase | undefined> {
    try {
      return (await this.#track(() =>
        this.#for(db.region).custom.getNamespacedCustomObject(this.#ref(db)),
      )) as KdbDatabase;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  async status(db: ProvisionTarget): Promise<ProvisionState> {
    const resource = await this.#read(db);
    if (resource === undefined) return { state: "absent" };
    const uid = resource.metadata.annotations?.[ANNOTATIONS.uid];
    if (uid !== undefined && uid !== db.uid)
      return { state: "progressing", detail: "an earlier database of this name is still there" };
    const state = stateOf(resource);
    if (state.state === "ready" && db.restore != null) await this.#o.restored?.(db);
    return state;
  }

  async remove(db: ProvisionTarget): Promise<void> {
    try {
      await this.#track(() =>
        this.#for(db.region).custom.deleteNamespacedCustomObject({
          ...this.#ref(db),
          propagationPolicy: "Background",
        }),
      );
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }

  async endpoint(db: ProvisionTarget): Promise<QEndpoint> {
    const resource = await this.#read(db);
    const address = resource?.status?.endpoint;
    const secretName = resource?.status?.credentialsSecret;
    if (address === undefined || secretName === undefined)
      throw new DependencyError("DATABASE_UNAVAILABLE", `database ${db.name} has no endpoint yet`, {
        retryAfterSeconds: 5,
      });
    const secret = await this.#for(db.region).core.readNamespacedSecret({
      name: secretName,
      namespace: this.#o.namespace,
    });
    const decode = (key: string) => Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");
    const colon = address.lastIndexOf(":");
    return {
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
      user: decode("username"),
      password: decode("password"),
    };
  }

  health() {
    return this.#lastError === undefined
      ? { status: "ok" as const }
      : { status: "degraded" as const, detail: `kubernetes: ${this.#lastError}` };
  }

  async close(): Promise<void> {}
}
