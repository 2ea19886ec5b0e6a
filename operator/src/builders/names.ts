/**
 * Names, labels and well-known constants of the objects the operator makes for a KdbDatabase.
 * A database `trades` gets: StatefulSet `trades` (pod `trades-0`), Services `trades` (clients)
 * and `trades-hl` (headless), ConfigMap `trades-config`, Secret `trades-credentials` (unless
 * spec.credentialsSecret names another), PodDisruptionBudget and NetworkPolicy `trades`, and
 * claims `stripe-<i>-trades-0`.
 */
import { KDB_API_VERSION, KDB_KIND, type KdbDatabase } from "../../../crds/src/index.js";

/** The one field manager of every server-side apply, and the finalizer prefix. */
export const FIELD_MANAGER = "guru-operator";

/** The finalizer present while reclaimPolicy is Delete: it deletes the stripe claims first. */
export const DELETE_VOLUMES_FINALIZER = "timeseries.guru/delete-volumes";

export const LABELS = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
  /** the database a child belongs to: the selector of its pod and the owner lookup of the operator */
  database: "timeseries.guru/database",
  engine: "timeseries.guru/engine",
  /** on claims: the stripe index */
  stripe: "timeseries.guru/stripe",
  /** on a backup Job and its pod: the KdbBackup (the operator's lookup of the Job's owner) */
  backup: "timeseries.guru/backup",
  /**
   * on a backup pod: the database it reads, which its NetworkPolicy admits. Not the database
   * label: that one selects the database's own pod (Services, PDB, StatefulSet).
   */
  backupOf: "timeseries.guru/backup-of",
  /** on a KdbBackup a KdbScheduledBackup created: that schedule */
  schedule: "timeseries.guru/scheduled-backup",
} as const;

/**
 * The label of guru-api pods: the NetworkPolicy admits only pods carrying it (from any namespace)
 * to the q port. The Helm chart puts it on the API's pods.
 */
export const API_CLIENT_LABEL = { [LABELS.name]: "guru-api" } as const;

export const ANNOTATIONS = {
  /** hash of the ConfigMap's data: a settings change rolls the pod */
  configHash: "timeseries.guru/config-hash",
  /** hash of the credentials file: a new password rolls the pod */
  credentialsHash: "timeseries.guru/credentials-hash",
  /** hash of the licence file (kdb) */
  licenseHash: "timeseries.guru/license-hash",
  /** on the StatefulSet and its pod template: hash of everything the pod template is built from */
  templateInputs: "timeseries.guru/template-inputs",
} as const;

/** Node labels EKS sets, which the pod selects on. */
export const NODE_LABELS = {
  nodeGroup: "eks.amazonaws.com/nodegroup",
  instanceType: "node.kubernetes.io/instance-type",
  zone: "topology.kubernetes.io/zone",
  hostname: "kubernetes.io/hostname",
} as const;

export const Q_PORT = 5000;
/** guru-engine's HTTP side port: /healthz, /readyz, /metrics (kdb serves HTTP on the q port). */
export const ENGINE_HTTP_PORT = 8081;
export const STRIPE_MOUNT_ROOT = "/data";
export const SECRET_MOUNT = "/etc/guru/secret";
export const CONFIG_MOUNT = "/etc/guru/config";
export const LICENSE_MOUNT = "/opt/kx/lic";
/** The key of the credentials Secret the data plane reads: `user:password` lines. */
export const CREDENTIALS_KEY = "credentials";
/** The uid the images run as (images/kdb/Dockerfile). */
export const RUN_AS_USER = 10001;

export const names = {
  statefulSet: (db: string) => db,
  pod: (db: string) => `${db}-0`,
  clientService: (db: string) => db,
  headlessService: (db: string) => `${db}-hl`,
  configMap: (db: string) => `${db}-config`,
  podDisruptionBudget: (db: string) => db,
  networkPolicy: (db: string) => db,
  stripe: (index: number) => `stripe-${index}`,
  /** The claim the StatefulSet controller makes from template `stripe-<i>` for pod `<db>-0`. */
  claim: (db: string, index: number) => `stripe-${index}-${db}-0`,
  defaultCredentialsSecret: (db: string) => `${db}-credentials`,
};

/** The mount of stripe i and the segment directory in it (a subdirectory: ext4 puts lost+found at the root). */
export const stripeMount = (index: number) => `${STRIPE_MOUNT_ROOT}/stripe-${index}`;
export const segmentDir = (index: number) => `${stripeMount(index)}/db`;

export function credentialsSecretName(db: KdbDatabase): string {
  return db.spec.credentialsSecret?.name ?? names.defaultCredentialsSecret(db.metadata.name);
}

/** The pod's selector: stable for the life of the database (a StatefulSet's selector is immutable). */
export function selectorLabels(db: KdbDatabase): Record<string, string> {
  return { [LABELS.database]: db.metadata.name };
}

/** Labels of every child. */
export function commonLabels(db: KdbDatabase): Record<string, string> {
  return {
    [LABELS.name]: "kdb-database",
    [LABELS.instance]: db.metadata.name,
    [LABELS.component]: "database",
    [LABELS.managedBy]: FIELD_MANAGER,
    [LABELS.partOf]: "time-series-guru",
    [LABELS.database]: db.metadata.name,
    [LABELS.engine]: db.spec.engine,
  };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** The controller reference every child carries (claims excepted: their lifetime is reclaimPolicy's). */
export function ownerReference(db: KdbDatabase): OwnerReference {
  if (!db.metadata.uid) throw new Error(`KdbDatabase ${db.metadata.name} has no uid`);
  return {
    apiVersion: KDB_API_VERSION,
    kind: KDB_KIND,
    name: db.metadata.name,
    uid: db.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** metadata of a child: name, namespace, labels, owner. */
export function childMetadata(db: KdbDatabase, name: string) {
  return {
    name,
    namespace: db.metadata.namespace!,
    labels: commonLabels(db),
    ownerReferences: [ownerReference(db)],
  };
}

/** The q IPC endpoint clients use: the client Service's DNS name and the q port. */
export function endpoint(db: KdbDatabase): string {
  return `${names.clientService(db.metadata.name)}.${db.metadata.namespace}.svc:${Q_PORT}`;
}
