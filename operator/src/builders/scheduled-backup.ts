/**
 * The KdbBackup a KdbScheduledBackup creates for one slot (due time): named after the slot, so a
 * slot has one name whoever creates it and however often (a restarted operator's create of a slot
 * already taken is a conflict, not a second backup), owned by the schedule (deleted with it).
 */
import {
  KDB_API_VERSION,
  type KdbBackup,
  type KdbScheduledBackup,
  kdbBackupManifest,
  SCHEDULED_BACKUP_KIND,
} from "../../../crds/src/index.js";
import { FIELD_MANAGER, LABELS } from "./names.js";

const MINUTE_MS = 60_000;

/** `<schedule>-<unix minutes of the slot>` (crds: MAX_SCHEDULED_BACKUP_NAME_LENGTH leaves it room). */
export const slotBackupName = (schedule: string, slotMs: number) =>
  `${schedule}-${Math.floor(slotMs / MINUTE_MS)}`;

/** The slot (ms since 1970) a KdbBackup named by slotBackupName was created for. */
export const slotOf = (backup: KdbBackup) => {
  const { name } = backup.metadata;
  return Number(name.slice(name.lastIndexOf("-") + 1)) * MINUTE_MS;
};

export function buildSlotBackup(schedule: KdbScheduledBackup, slotMs: number) {
  const { name, namespace, uid } = schedule.metadata;
  if (!uid) throw new Error(`KdbScheduledBackup ${name} has no uid`);
  const manifest = kdbBackupManifest(slotBackupName(name, slotMs), namespace!, schedule.spec.backup, {
    [LABELS.managedBy]: FIELD_MANAGER,
    [LABELS.schedule]: name,
  });
  const ownerReferences = [
    {
      apiVersion: KDB_API_VERSION,
      kind: SCHEDULED_BACKUP_KIND,
      name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences } };
}
