/**
 * Where databases run. The reconciler drives a provisioner level-triggered: `apply` the desired
 * database (create or change; idempotent), read `status` back until ready or failed, `remove` it
 * (idempotent) until its status is absent. Adapters: local (guru-engine processes under ./data)
 * and Kubernetes (KdbDatabase resources reconciled by guru-operator).
 */
import type { Engine } from "../../../crds/src/index.js";
import type { SizeName } from "../databases/sizes.js";

/** What a provisioner needs to know about a database. */
export interface ProvisionTarget {
  accountId: string;
  name: string;
  /** the database incarnation */
  uid: string;
  region: string;
  engine: Engine;
  size: SizeName;
  storage: { stripes: number; stripeSizeGiB: number };
  /** days of data the database keeps (null or absent: all) */
  retentionDays?: number | null;
  /** the backup it starts from, filled in before its engine first starts */
  restore?: { database: string; backup: string; jobId: string } | null;
  /** bumped by every change of the above */
  generation: number;
}

export type ProvisionState =
  | { state: "absent" }
  | { state: "progressing"; detail?: string }
  | { state: "ready" }
  | { state: "failed"; reason: string };

/** How the API reaches a database over q IPC. */
export interface QEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A provisioner's refusal that retrying cannot fix: the database goes to status failed. */
export class ProvisionFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProvisionFailure";
  }
}

/** A backup run beside the databases (Kubernetes: a KdbBackup), as the API's backup job follows it. */
export type OperatorBackupState =
  | { phase: "pending" | "running"; detail?: string }
  | { phase: "completed" }
  | { phase: "failed"; reason: string };

/** Where an operator's backup is: its resource, and its files' key prefix in the backup storage. */
export interface OperatorBackupRef {
  region: string;
  resource: string;
  prefix: string;
}

/**
 * Backups taken by whoever runs the databases (Kubernetes: guru-operator runs each KdbBackup as a
 * Job), where the API would otherwise copy the snapshot itself; a restore then starts a database
 * from one (`restore` on the target) instead of filling its stripes.
 */
export interface OperatorBackups {
  /** Where backup `backupId` of `db` goes (no call). */
  where(db: ProvisionTarget, backupId: string): OperatorBackupRef;
  /** Starts it (idempotent). */
  start(db: ProvisionTarget, backupId: string): Promise<void>;
  state(ref: OperatorBackupRef): Promise<OperatorBackupState>;
  /** Deletes it (idempotent): a running one stops. Its files are the caller's to delete. */
  remove(ref: OperatorBackupRef): Promise<void>;
}

export interface Provisioner {
  readonly kind: "local" | "kubernetes" | string;
  /** whether its databases must be applied again after an API restart (local processes) */
  readonly restoresOnStart: boolean;
  supportsEngine(engine: Engine): boolean;
  /** whether it can create a database from a backup (`restore`) */
  readonly restores?: boolean;
  /** set when backups are taken by the platform, not copied by the API (Kubernetes) */
  readonly backups?: OperatorBackups;
  apply(db: ProvisionTarget): Promise<void>;
  status(db: ProvisionTarget): Promise<ProvisionState>;
  remove(db: ProvisionTarget): Promise<void>;
  /** The q endpoint of a ready database (throws DATABASE_UNAVAILABLE when it has none). */
  endpoint(db: ProvisionTarget): Promise<QEndpoint>;
  /**
   * What it sees of a database right now, without asking anyone (local: its engine's state); left
   * out where that would cost a call (Kubernetes: the operator reports through `status`).
   */
  serving?(db: ProvisionTarget): ProvisionState;
  /**
   * Calls `listener` whenever a database's engine starts serving (again), so that callers stop
   * treating it as down at once instead of after their own back-off (local: an engine restarted).
   */
  onServing?(listener: (uid: string) => void): void;
  health(): { status: "ok" | "degraded"; detail?: string };
  close(): Promise<void>;
}
