/**
 * Cloud-mode backups as CloudNativePG's: each backup of a database is a `KdbBackup` (crds/),
 * `<accountId>-<backupId>`, in the database's namespace, written with server-side apply (field
 * manager guru-api) and run by guru-operator as a Job that writes the snapshot to S3 under
 * `<bucket prefix><namespace>/<KdbDatabase>/<KdbBackup>/` (the API's own backup bucket and prefix,
 * so the API reads the manifest back with its backup storage). Its status is read back as the
 * backup job's state; deleting it stops a running Job.
 */
import { ApiException, type CustomObjectsApi } from "@kubernetes/client-node";
import {
  BACKUP_KIND,
  BACKUP_PLURAL,
  backupObjectsPrefix,
  KDB_GROUP,
  KDB_VERSION,
  type KdbBackup,
  kdbBackupManifest,
} from "../../../crds/src/index.js";
import type {
  OperatorBackupRef,
  OperatorBackupState,
  OperatorBackups,
  ProvisionTarget,
} from "./provisioner.js";
import { serverSideApply } from "./server-side-apply.js";

/** The bucket the KdbBackups write: the API's backup storage. */
export interface KdbBackupDestination {
  bucket: string;
  prefix: string;
  region: string;
  /** the backup Jobs' service account; unset: the CRD's default (guru-backup) */
  serviceAccountName?: string;
}

export interface KubernetesBackupsOptions {
  namespace: string;
  destination: KdbBackupDestination;
  fieldManager: string;
  labels: (db: ProvisionTarget) => Record<string, string>;
  /** the KdbDatabase's name */
  resourceName: (db: ProvisionTarget) => string;
  custom: (region: string) => CustomObjectsApi;
}

/** The KdbBackup of a REST backup (at most 10 + 1 + 16 characters of the CRD's 52). */
export const kdbBackupName = (accountId: string, backupId: string) => `${accountId}-${backupId}`;

export class KubernetesBackups implements OperatorBackups {
  readonly #o: KubernetesBackupsOptions;

  constructor(options: KubernetesBackupsOptions) {
    this.#o = options;
  }

  #ref(name: string) {
    return {
      group: KDB_GROUP,
      version: KDB_VERSION,
      namespace: this.#o.namespace,
      plural: BACKUP_PLURAL,
      name,
    };
  }

  where(db: ProvisionTarget, backupId: string): OperatorBackupRef {
    const resource = kdbBackupName(db.accountId, backupId);
    return {
      region: db.region,
      resource,
      prefix: backupObjectsPrefix(this.#o.namespace, this.#o.resourceName(db), resource),
    };
  }

  manifest(db: ProvisionTarget, backupId: string) {
    const { bucket, prefix, region, serviceAccountName } = this.#o.destination;
    return kdbBackupManifest(
      kdbBackupName(db.accountId, backupId),
      this.#o.namespace,
      {
        database: this.#o.resourceName(db),
        s3: { bucket, prefix, region },
        ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
      },
      this.#o.labels(db),
    );
  }

  async start(db: ProvisionTarget, backupId: string): Promise<void> {
    const body = this.manifest(db, backupId);
    await this.#o
      .custom(db.region)
      .patchNamespacedCustomObject(
        { ...this.#ref(body.metadata.name), body, fieldManager: this.#o.fieldManager, force: true },
        serverSideApply,
      );
  }

  async state(ref: OperatorBackupRef): Promise<OperatorBackupState> {
    let backup: KdbBackup;
    try {
      backup = (await this.#o
        .custom(ref.region)
        .getNamespacedCustomObject(this.#ref(ref.resource))) as KdbBackup;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404)
        return { phase: "failed", reason: `its ${BACKUP_KIND} ${ref.resource} was deleted` };
      throw err;
    }
    const status = backup.status;
    const condition = (type: string) => status?.conditions?.find((c) => c.type === type);
    switch (status?.phase) {
      case "Completed":
        return { phase: "completed" };
      case "Failed": {
        const failed = condition("Failed");
        return {
          phase: "failed",
          reason: `${failed?.reason ?? "Failed"}: ${failed?.message ?? "the Job failed"}`,
        };
      }
      case "Running":
        return { phase: "running" };
      default:
        return { phase: "pending", detail: condition("Completed")?.message ?? "waiting for guru-operator" };
    }
  }

  async remove(ref: OperatorBackupRef): Promise<void> {
    try {
      await this.#o.custom(ref.region).deleteNamespacedCustomObject({
        ...this.#ref(ref.resource),
        propagationPolicy: "Background",
      });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }
}
