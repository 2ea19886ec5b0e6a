/**
 * The StatefulSet of a database: one pod (none when hibernating) with one volumeClaimTemplate per
 * stripe (`stripe-0` ... `stripe-<N-1>`, mounted at /data/stripe-<i>), the data plane container,
 * its probes, and the placement rules:
 * - node group and instance types (nodeSelector, required node affinity), optional zones;
 * - one database pod per node, across namespaces (required pod anti-affinity on the hostname):
 *   N stripes are N EBS attachments, and a node's attachment slots are few and shared with ENIs;
 * - databases spread over zones (a preference: the volumes pin each pod to its first zone).
 *
 * Probes. A kubelet probe cannot run our TypeScript q client, so:
 * - guru-engine: readiness is an HTTP GET of /readyz on the side port (200 once the store is open
 *   and the q listener accepts logins);
 * - kdb: readiness runs the image's `guru-kdb health`, an authenticated GET of q's own HTTP
 *   handler (.z.ph /healthz) on the q port, which only a q process serving requests answers;
 * - both: liveness is a TCP connect to the q port, with a startup probe that allows ten minutes
 *   for log replay before liveness counts.
 */
import type {
  V1Container,
  V1NodeSelectorRequirement,
  V1PersistentVolumeClaim,
  V1PodSpec,
  V1Probe,
  V1ResourceRequirements,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { contentHash } from "./config-map.js";
import { defaultResources } from "./default-resources.js";
import {
  ANNOTATIONS,
  CONFIG_MOUNT,
  CREDENTIALS_KEY,
  childMetadata,
  commonLabels,
  credentialsSecretName,
  ENGINE_HTTP_PORT,
  FIELD_MANAGER,
  LABELS,
  LICENSE_MOUNT,
  NODE_LABELS,
  names,
  Q_PORT,
  RUN_AS_USER,
  SECRET_MOUNT,
  selectorLabels,
  stripeMount,
} from "./names.js";
import { buildRestoreContainer, type RestoreSource } from "./restore-container.js";

export const CONTAINER_NAME = "database";

/** What the pod template is built from besides the spec: the image in use and content hashes. */
export interface PodInputs {
  image: string;
  /** hash of the ConfigMap's data */
  configHash: string;
  /** hash of the credentials file */
  credentialsHash: string;
  /** hash of the licence file (kdb) */
  licenseHash?: string;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function replicas(db: KdbDatabase): number {
  return db.spec.hibernate ? 0 : 1;
}

/** Labels of the stripe claims: fixed at creation (claim templates cannot change). */
export function claimLabels(db: KdbDatabase, stripe: number): Record<string, string> {
  return {
    [LABELS.database]: db.metadata.name,
    [LABELS.stripe]: String(stripe),
    [LABELS.managedBy]: FIELD_MANAGER,
    [LABELS.partOf]: "time-series-guru",
  };
}

/** The claim templates; `size` is spec.storage.size unless a resize is still under way. */
export function claimTemplates(db: KdbDatabase, size = db.spec.storage.size): V1PersistentVolumeClaim[] {
  const { stripes, storageClassName } = db.spec.storage;
  return range(stripes).map((i) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: names.stripe(i), labels: claimLabels(db, i) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      volumeMode: "Filesystem",
      resources: { requests: { storage: size } },
    },
  }));
}

/** spec.compute.resources as the container's, or the defaults when it sets neither list. */
function resources(db: KdbDatabase): V1ResourceRequirements {
  const spec = db.spec.compute.resources;
  if (!spec) return defaultResources(db.spec.storage.stripes);
  const list = (r: { cpu?: string | number; memory?: string | number } | undefined) => {
    if (!r) return undefined;
    const out: Record<string, string> = {};
    if (r.cpu !== undefined) out.cpu = String(r.cpu);
    if (r.memory !== undefined) out.memory = String(r.memory);
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const requests = list(spec.requests);
  const limits = list(spec.limits);
  if (!requests && !limits) return defaultResources(db.spec.storage.stripes);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

function probes(db: KdbDatabase): Pick<V1Container, "readinessProbe" | "livenessProbe" | "startupProbe"> {
  const readinessProbe: V1Probe =
    db.spec.engine === "kdb"
      ? { exec: { command: ["/usr/local/bin/guru-kdb", "health"] }, periodSeconds: 10, timeoutSeconds: 5 }
      : { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2 };
  return {
    readinessProbe: { ...readinessProbe, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port: "q" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    startupProbe: { tcpSocket: { port: "q" }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 120 },
  };
}

function volumesAndMounts(db: KdbDatabase): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const name = db.metadata.name;
  const volumes: V1Volume[] = [
    {
      name: "credentials",
      secret: {
        secretName: credentialsSecretName(db),
        items: [{ key: CREDENTIALS_KEY, path: CREDENTIALS_KEY }],
        defaultMode: 0o440,
      },
    },
    { name: "config", configMap: { name: names.configMap(name) } },
  ];
  const mounts: V1VolumeMount[] = [
    ...range(db.spec.storage.stripes).map((i) => ({ name: names.stripe(i), mountPath: stripeMount(i) })),
    { name: "credentials", mountPath: SECRET_MOUNT, readOnly: true },
    { name: "config", mountPath: CONFIG_MOUNT, readOnly: true },
  ];
  const license = db.spec.licenseSecret;
  if (db.spec.engine === "kdb" && license) {
    volumes.push({
      name: "license",
      secret: {
        secretName: license.name,
        items: [{ key: license.key, path: license.key }],
        defaultMode: 0o440,
      },
    });
    // kdb+ maps large vectors through /dev/shm; a container's default is 64 MB
    volumes.push({ name: "shm", emptyDir: { medium: "Memory" } });
    mounts.push({ name: "license", mountPath: LICENSE_MOUNT, readOnly: true });
    mounts.push({ name: "shm", mountPath: "/dev/shm" });
  }
  return { volumes, mounts };
}

function placement(
  db: KdbDatabase,
): Pick<V1PodSpec, "nodeSelector" | "affinity" | "tolerations" | "topologySpreadConstraints"> {
  const { nodeGroup, instanceTypes, zones, nodeSelector, tolerations } = db.spec.compute;
  const selector: Record<string, string> = {
    ...(nodeGroup ? { [NODE_LABELS.nodeGroup]: nodeGroup } : {}),
    ...nodeSelector,
  };
  const requirements: V1NodeSelectorRequirement[] = [];
  if (instanceTypes?.length)
    requirements.push({ key: NODE_LABELS.instanceType, operator: "In", values: [...instanceTypes] });
  if (zones?.length) requirements.push({ key: NODE_LABELS.zone, operator: "In", values: [...zones] });
  const databasePods = {
    matchLabels: { [LABELS.component]: "database", [LABELS.managedBy]: FIELD_MANAGER },
  };
  return {
    ...(Object.keys(selector).length > 0 ? { nodeSelector: selector } : {}),
    affinity: {
      ...(requirements.length > 0
        ? {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: requirements }],
              },
            },
          }
        : {}),
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: databasePods, namespaceSelector: {}, topologyKey: NODE_LABELS.hostname },
        ],
      },
    },
    ...(tolerations?.length ? { tolerations: tolerations.map((t) => ({ ...t })) } : {}),
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: NODE_LABELS.zone,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: databasePods,
      },
    ],
  };
}

export function buildContainer(db: KdbDatabase, inputs: PodInputs, mounts: V1VolumeMount[]): V1Container {
  return {
    name: CONTAINER_NAME,
    image: inputs.image,
    imagePullPolicy: "IfNotPresent",
    ports: [
      { name: "q", containerPort: Q_PORT, protocol: "TCP" },
      ...(db.spec.engine === "guru-engine"
        ? [{ name: "http", containerPort: ENGINE_HTTP_PORT, protocol: "TCP" }]
        : []),
    ],
    envFrom: [{ configMapRef: { name: names.configMap(db.metadata.name) } }],
    resources: resources(db),
    volumeMounts: mounts,
    ...probes(db),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/** Everything the pod template depends on, hashed: equal inputs give an equal template. */
export function templateInputsHash(db: KdbDatabase, inputs: PodInputs): string {
  const { compute, storage, engine, licenseSecret, credentialsSecret } = db.spec;
  return contentHash({
    engine,
    compute,
    stripes: storage.stripes,
    licenseSecret,
    credentialsSecret,
    inputs,
  });
}

export interface StatefulSetOptions {
  /** size of the claim templates: the live one while the volumes grow (templates are immutable) */
  claimSize?: string;
  /**
   * spec.bootstrap's backup, while the StatefulSet is first made: its init container. Not part of
   * the template inputs (spec.bootstrap is), so a pod built without it later (the backup gone, the
   * stripes long filled) is only rebuilt at a spec change.
   */
  restore?: RestoreSource;
}

export function buildStatefulSet(
  db: KdbDatabase,
  inputs: PodInputs,
  { claimSize = db.spec.storage.size, restore }: StatefulSetOptions = {},
): V1StatefulSet {
  const name = db.metadata.name;
  const { volumes, mounts } = volumesAndMounts(db);
  const metadata = childMetadata(db, names.statefulSet(name));
  const templateInputs = templateInputsHash(db, inputs);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { ...metadata, annotations: { [ANNOTATIONS.templateInputs]: templateInputs } },
    spec: {
      replicas: replicas(db),
      serviceName: names.headlessService(name),
      selector: { matchLabels: selectorLabels(db) },
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      revisionHistoryLimit: 5,
      // the operator decides what happens to volumes (spec.storage.reclaimPolicy), not the controller
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: {
          labels: commonLabels(db),
          annotations: {
            // on the pod too: while the StatefulSet is replaced, it says what the pod was built from
            [ANNOTATIONS.templateInputs]: templateInputs,
            [ANNOTATIONS.configHash]: inputs.configHash,
            [ANNOTATIONS.credentialsHash]: inputs.credentialsHash,
            ...(inputs.licenseHash ? { [ANNOTATIONS.licenseHash]: inputs.licenseHash } : {}),
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          securityContext: {
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            runAsNonRoot: true,
            fsGroup: RUN_AS_USER,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...placement(db),
          ...(restore
            ? {
                // the backup's service account: its IAM role reads the bucket
                serviceAccountName: restore.backup.spec.serviceAccountName,
                initContainers: [buildRestoreContainer(restore, db)],
              }
            : {}),
          containers: [buildContainer(db, inputs, mounts)],
          volumes,
        },
      },
      volumeClaimTemplates: claimTemplates(db, claimSize),
    },
  };
}
