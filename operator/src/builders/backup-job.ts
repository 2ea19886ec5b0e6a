/**
 * The Job that runs a KdbBackup (as CloudNativePG runs a Backup): one pod, never retried (a
 * failed backup is a Failed KdbBackup, and a new backup is a new KdbBackup, so no half upload is
 * ever mistaken for a whole one), owned by the KdbBackup. It runs the guru-api image's backup
 * program (`backupImage`), which takes a snapshot over q IPC (docs/q-api.md, .guru.snapshot) and
 * uploads it to S3 with the credentials of the pod's service account: on EKS the IAM role of its
 * eks.amazonaws.com/role-arn annotation. What the program reads is the environment below.
 */
import type { V1Job } from "@kubernetes/client-node";
import {
  ACCOUNT_LABEL,
  BACKUP_COMMAND,
  BACKUP_ENV,
  BACKUP_KIND,
  backupObjectsPrefix,
  KDB_API_VERSION,
  type KdbBackup,
  type KdbDatabase,
} from "../../../crds/src/index.js";
import { credentialsSecretName, endpoint, FIELD_MANAGER, LABELS, RUN_AS_USER } from "./names.js";

export const backupJobName = (backup: string) => `${backup}-backup`;

/** The S3 key prefix of a backup: <prefix><namespace>/<database>/<backup>/. */
export function backupPrefix(backup: KdbBackup): string {
  const { s3, database } = backup.spec;
  return s3.prefix + backupObjectsPrefix(backup.metadata.namespace!, database, backup.metadata.name);
}

export const backupLocation = (backup: KdbBackup) => `s3://${backup.spec.s3.bucket}/${backupPrefix(backup)}`;

function labels(backup: KdbBackup): Record<string, string> {
  return {
    [LABELS.name]: "kdb-backup",
    [LABELS.instance]: backup.metadata.name,
    [LABELS.component]: "backup",
    [LABELS.managedBy]: FIELD_MANAGER,
    [LABELS.partOf]: "time-series-guru",
    [LABELS.backup]: backup.metadata.name,
  };
}

export function buildBackupJob(backup: KdbBackup, db: KdbDatabase, image: string): V1Job {
  const { spec } = backup;
  if (!backup.metadata.uid) throw new Error(`KdbBackup ${backup.metadata.name} has no uid`);
  const secret = credentialsSecretName(db);
  const value = (name: string, v: string) => ({ name, value: v });
  const accountId = db.metadata.labels?.[ACCOUNT_LABEL];
  const fromSecret = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: backupJobName(backup.metadata.name),
      namespace: backup.metadata.namespace!,
      labels: labels(backup),
      ownerReferences: [
        {
          apiVersion: KDB_API_VERSION,
          kind: BACKUP_KIND,
          name: backup.metadata.name,
          uid: backup.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      template: {
        metadata: { labels: { ...labels(backup), [LABELS.backupOf]: db.metadata.name } },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: spec.serviceAccountName,
          // the program needs no Kubernetes API; IRSA and Pod Identity project their own token
          automountServiceAccountToken: false,
          securityContext: {
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "backup",
              image,
              command: BACKUP_COMMAND,
              env: [
                value(BACKUP_ENV.name, backup.metadata.name),
                value(BACKUP_ENV.database, db.metadata.name),
                value(BACKUP_ENV.engine, db.spec.engine),
                value(BACKUP_ENV.stripes, String(db.spec.storage.stripes)),
                ...(accountId === undefined ? [] : [value(BACKUP_ENV.accountId, accountId)]),
                value(BACKUP_ENV.endpoint, endpoint(db)),
                fromSecret(BACKUP_ENV.user, "username"),
                fromSecret(BACKUP_ENV.password, "password"),
                value(BACKUP_ENV.bucket, spec.s3.bucket),
                value(BACKUP_ENV.prefix, backupPrefix(backup)),
                ...(spec.s3.region === undefined ? [] : [value(BACKUP_ENV.region, spec.s3.region)]),
              ],
              // streamed multipart uploads: constant memory, whatever the database's size
              resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
