import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1StorageClass,
} from "@kubernetes/client-node";
import { NODE_LABELS } from "./nodes.js";

/** The EBS CSI driver's name: PVs of the test StorageClass are "provisioned" by the harness under it. */
export const EBS_CSI_DRIVER = "ebs.csi.aws.com";
export const STORAGE_CLASS = "gp3";
const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const SELECTED_NODE = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
const PROVISIONER_FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer";

/** gp3 as EKS platform teams define it: EBS CSI, bound on first consumer (the pod's zone), expandable. */
export function gp3StorageClass(): V1StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: STORAGE_CLASS,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: EBS_CSI_DRIVER,
    parameters: { type: "gp3", "csi.storage.k8s.io/fstype": "ext4" },
    volumeBindingMode: "WaitForFirstConsumer",
    reclaimPolicy: "Delete",
    allowVolumeExpansion: true,
  };
}

const SUFFIXES: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes quantity ("10Gi", "500M", "1e9") in base units. */
export function parseQuantity(quantity: string): number {
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  const factor = match ? SUFFIXES[match[2] ?? ""] : undefined;
  if (!match || factor === undefined) throw new Error(`not a quantity: ${quantity}`);
  return Number(match[1]) * factor;
}

/**
 * Plays the EBS CSI driver's controller side (external-provisioner and external-resizer) for the
 * gp3 class, the way they act on EKS:
 * - a claim that the scheduler placed (`volume.kubernetes.io/selected-node`) and that the PV
 *   controller handed to the driver gets a PersistentVolume `pvc-<uid>` pre-bound to it, with
 *   node affinity to the selected node's zone (an EBS volume lives in one zone); the PV
 *   controller in kube-controller-manager then binds them and the scheduler binds the pod;
 * - a Released volume with reclaim policy Delete is deleted (the claim was deleted);
 * - a bound claim whose request grew gets its volume and `status.capacity` grown (online
 *   expansion, as gp3 does).
 * Polling every 200 ms keeps it simple and reliable; errors go to the harness log.
 */
export class FakeEbsProvisioner {
  readonly #core: CoreV1Api;
  readonly #storage: StorageV1Api;
  readonly #log: string;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(kubeConfig: KubeConfig, logFile: string) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#storage = kubeConfig.makeApiClient(StorageV1Api);
    this.#log = logFile;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.sync();
        } catch (err) {
          await this.log(`sync failed: ${describe(err)}`);
        }
        await sleep(200);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async log(line: string): Promise<void> {
    await appendFile(this.#log, `${new Date().toISOString()} ${line}\n`).catch(() => undefined);
  }

  /** One pass over claims and volumes. */
  async sync(): Promise<void> {
    const [classes, claims, volumes] = await Promise.all([
      this.#storage.listStorageClass(),
      this.#core.listPersistentVolumeClaimForAllNamespaces(),
      this.#core.listPersistentVolume(),
    ]);
    const ours = new Map(
      classes.items.filter((c) => c.provisioner === EBS_CSI_DRIVER).map((c) => [c.metadata!.name!, c]),
    );
    const volumeNames = new Set(volumes.items.map((v) => v.metadata!.name!));
    for (const claim of claims.items) {
      const storageClass = ours.get(claim.spec?.storageClassName ?? "");
      if (!storageClass || claim.metadata?.deletionTimestamp) continue;
      if (claim.status?.phase === "Pending" && !claim.spec?.volumeName) {
        if (!volumeNames.has(`pvc-${claim.metadata!.uid}`)) await this.provision(claim, storageClass);
      } else if (claim.status?.phase === "Bound" && storageClass.allowVolumeExpansion) {
        await this.expand(claim, volumes.items);
      }
    }
    for (const volume of volumes.items) {
      if (volume.metadata?.annotations?.[PROVISIONED_BY] !== EBS_CSI_DRIVER) continue;
      const released = volume.status?.phase === "Released" || volume.status?.phase === "Failed";
      if (released && volume.spec?.persistentVolumeReclaimPolicy === "Delete") await this.remove(volume);
      else if (volume.metadata.deletionTimestamp && volume.status?.phase !== "Bound")
        await this.remove(volume);
    }
  }

  async provision(claim: V1PersistentVolumeClaim, storageClass: V1StorageClass): Promise<void> {
    const annotations = claim.metadata?.annotations ?? {};
    // Like the external-provisioner: act once the PV controller has handed the claim to the driver
    // and, for WaitForFirstConsumer, once the scheduler picked the node.
    if (annotations[STORAGE_PROVISIONER] !== EBS_CSI_DRIVER) return;
    const nodeName = annotations[SELECTED_NODE];
    if (storageClass.volumeBindingMode === "WaitForFirstConsumer" && !nodeName) return;
    let zone: string | undefined;
    if (nodeName) {
      const node = await this.#core.readNode({ name: nodeName });
      zone = node.metadata?.labels?.[NODE_LABELS.zone];
    }
    const size = claim.spec?.resources?.requests?.storage;
    if (!size) return;
    const name = `pvc-${claim.metadata!.uid}`;
    const volume: V1PersistentVolume = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name,
        annotations: {
          [PROVISIONED_BY]: EBS_CSI_DRIVER,
          "volume.kubernetes.io/provisioner-deletion-secret-name": "",
        },
        finalizers: [PROVISIONER_FINALIZER],
      },
      spec: {
        capacity: { storage: size },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
        storageClassName: storageClass.metadata!.name!,
        mountOptions: storageClass.mountOptions,
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: claim.metadata!.namespace!,
          name: claim.metadata!.name!,
          uid: claim.metadata!.uid!,
        },
        csi: {
          driver: EBS_CSI_DRIVER,
          volumeHandle: `vol-${randomBytes(9).toString("hex").slice(0, 17)}`,
          fsType: storageClass.parameters?.["csi.storage.k8s.io/fstype"] ?? "ext4",
          volumeAttributes: { "storage.kubernetes.io/csiProvisionerIdentity": "time-series-guru-test" },
        },
        nodeAffinity: zone
          ? {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: NODE_LABELS.zone, operator: "In", values: [zone] }] },
                ],
              },
            }
          : undefined,
      },
    };
    try {
      await this.#core.createPersistentVolume({ body: volume });
      await this.log(
        `provisioned ${name} (${size}, ${zone ?? "any zone"}) for ${claim.metadata!.namespace}/${claim.metadata!.name}`,
      );
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw err;
    }
  }

  async expand(claim: V1PersistentVolumeClaim, volumes: V1PersistentVolume[]): Promise<void> {
    const requested = claim.spec?.resources?.requests?.storage;
    const current = claim.status?.capacity?.storage;
    if (!requested || !current || parseQuantity(requested) <= parseQuantity(current)) return;
    const volume = volumes.find((v) => v.metadata?.name === claim.spec?.volumeName);
    if (!volume || volume.metadata?.annotations?.[PROVISIONED_BY] !== EBS_CSI_DRIVER) return;
    const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    await this.#core.patchPersistentVolume(
      { name: volume.metadata.name!, body: { spec: { capacity: { storage: requested } } } },
      mergePatch,
    );
    await this.#core.patchNamespacedPersistentVolumeClaimStatus(
      {
        name: claim.metadata!.name!,
        namespace: claim.metadata!.namespace!,
        body: {
          status: {
            capacity: { storage: requested },
            allocatedResources: { storage: requested },
            allocatedResourceStatuses: null,
            conditions: null,
          },
        },
      },
      mergePatch,
    );
    await this.log(`expanded ${volume.metadata.name} ${current} → ${requested}`);
  }

  async remove(volume: V1PersistentVolume): Promise<void> {
    const name = volume.metadata!.name!;
    const finalizers = volume.metadata?.finalizers ?? [];
    try {
      if (finalizers.includes(PROVISIONER_FINALIZER)) {
        await this.#core.patchPersistentVolume(
          { name, body: { metadata: { finalizers: finalizers.filter((f) => f !== PROVISIONER_FINALIZER) } } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
      }
      if (!volume.metadata?.deletionTimestamp) await this.#core.deletePersistentVolume({ name });
      await this.log(`deleted ${name}`);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof ApiException)
    return `HTTP ${err.code}: ${typeof err.body === "string" ? err.body : JSON.stringify(err.body)}`;
  return err instanceof Error ? err.message : String(err);
}
