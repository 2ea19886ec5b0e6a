/**
 * A thin adapter over @kubernetes/client-node: the typed APIs the operator uses, server-side
 * apply of child objects under one field manager (force: the operator owns what it sets), merge
 * patches, and the KdbDatabase custom resource calls. Patch bodies are sent as given (client-node
 * serializes them untyped), so nothing is renamed or dropped on the way.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  StorageV1Api,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  BACKUP_PLURAL,
  KDB_GROUP,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbBackup,
  type KdbDatabase,
  type KdbScheduledBackup,
  SCHEDULED_BACKUP_PLURAL,
} from "../../../crds/src/index.js";
import { FIELD_MANAGER } from "../builders/names.js";

export const serverSideApply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
export const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A namespaced object as the builders produce it. */
export interface Applicable {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly policy: PolicyV1Api;
  readonly networking: NetworkingV1Api;
  readonly storage: StorageV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.policy = kubeConfig.makeApiClient(PolicyV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.storage = kubeConfig.makeApiClient(StorageV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.events = kubeConfig.makeApiClient(EventsV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Server-side apply of a namespaced child (created when absent), as guru-operator, forced. */
  async apply(object: Applicable): Promise<unknown> {
    const name = object.metadata?.name;
    const namespace = object.metadata?.namespace;
    if (!name || !namespace) throw new Error(`cannot apply a ${object.kind} without name and namespace`);
    const params = { name, namespace, body: object, fieldManager: FIELD_MANAGER, force: true };
    switch (object.kind) {
      case "ConfigMap":
        return this.core.patchNamespacedConfigMap(params, serverSideApply);
      case "Service":
        return this.core.patchNamespacedService(params, serverSideApply);
      case "StatefulSet":
        return this.apps.patchNamespacedStatefulSet(params, serverSideApply);
      case "PodDisruptionBudget":
        return this.policy.patchNamespacedPodDisruptionBudget(params, serverSideApply);
      case "NetworkPolicy":
        return this.networking.patchNamespacedNetworkPolicy(params, serverSideApply);
      case "Job":
        return this.batch.patchNamespacedJob(params, serverSideApply);
      default:
        throw new Error(`the operator does not apply ${object.kind}`);
    }
  }

  #ref(namespace: string, name: string, plural = KDB_PLURAL) {
    return { group: KDB_GROUP, version: KDB_VERSION, plural, namespace, name };
  }

  async getDatabase(namespace: string, name: string): Promise<KdbDatabase> {
    return (await this.custom.getNamespacedCustomObject(this.#ref(namespace, name))) as KdbDatabase;
  }

  /** Merge patch of a KdbDatabase's metadata (finalizers); `resourceVersion` makes it conditional. */
  async patchDatabaseMetadata(
    db: KdbDatabase,
    metadata: { finalizers?: string[] | null; resourceVersion?: string },
  ): Promise<KdbDatabase> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.#ref(db.metadata.namespace!, db.metadata.name), body: { metadata } },
      mergePatch,
    )) as KdbDatabase;
  }

  /** Writes status through the status subresource (merge patch; lists are replaced whole). */
  async patchDatabaseStatus(db: KdbDatabase, status: unknown): Promise<KdbDatabase> {
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { ...this.#ref(db.metadata.namespace!, db.metadata.name), body: { status } },
      mergePatch,
    )) as KdbDatabase;
  }

  async listDatabases(
    namespace?: string,
  ): Promise<{ items: KdbDatabase[]; metadata?: { resourceVersion?: string } }> {
    const base = { group: KDB_GROUP, version: KDB_VERSION, plural: KDB_PLURAL };
    return (await (namespace
      ? this.custom.listNamespacedCustomObject({ ...base, namespace })
      : this.custom.listClusterCustomObject(base))) as { items: KdbDatabase[] };
  }

  async getBackup(namespace: string, name: string): Promise<KdbBackup> {
    return (await this.custom.getNamespacedCustomObject(
      this.#ref(namespace, name, BACKUP_PLURAL),
    )) as KdbBackup;
  }

  /** Writes a KdbBackup's status through the status subresource (merge patch). */
  async patchBackupStatus(backup: KdbBackup, status: unknown): Promise<KdbBackup> {
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { ...this.#ref(backup.metadata.namespace!, backup.metadata.name, BACKUP_PLURAL), body: { status } },
      mergePatch,
    )) as KdbBackup;
  }

  async listBackups(namespace?: string): Promise<{ items: KdbBackup[] }> {
    const base = { group: KDB_GROUP, version: KDB_VERSION, plural: BACKUP_PLURAL };
    return (await (namespace
      ? this.custom.listNamespacedCustomObject({ ...base, namespace })
      : this.custom.listClusterCustomObject(base))) as { items: KdbBackup[] };
  }

  /** Creates a KdbBackup; an existing one of the name is a 409. */
  async createBackup(backup: { metadata: { namespace: string } }): Promise<KdbBackup> {
    return (await this.custom.createNamespacedCustomObject({
      group: KDB_GROUP,
      version: KDB_VERSION,
      plural: BACKUP_PLURAL,
      namespace: backup.metadata.namespace,
      body: backup,
    })) as KdbBackup;
  }

  async deleteBackup(namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject(this.#ref(namespace, name, BACKUP_PLURAL));
  }

  async getScheduledBackup(namespace: string, name: string): Promise<KdbScheduledBackup> {
    return (await this.custom.getNamespacedCustomObject(
      this.#ref(namespace, name, SCHEDULED_BACKUP_PLURAL),
    )) as KdbScheduledBackup;
  }

  /** Writes a KdbScheduledBackup's status (merge patch: a null field is removed). */
  async patchScheduledBackupStatus(schedule: KdbScheduledBackup, status: unknown): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        ...this.#ref(schedule.metadata.namespace!, schedule.metadata.name, SCHEDULED_BACKUP_PLURAL),
        body: { status },
      },
      mergePatch,
    );
  }

  async listScheduledBackups(namespace?: string): Promise<{ items: KdbScheduledBackup[] }> {
    const base = { group: KDB_GROUP, version: KDB_VERSION, plural: SCHEDULED_BACKUP_PLURAL };
    return (await (namespace
      ? this.custom.listNamespacedCustomObject({ ...base, namespace })
      : this.custom.listClusterCustomObject(base))) as { items: KdbScheduledBackup[] };
  }
}
