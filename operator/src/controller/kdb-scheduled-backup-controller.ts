/**
 * The KdbScheduledBackup reconciler, as CloudNativePG's ScheduledBackup controller: one named step
 * per line. When a slot is due it creates that slot's KdbBackup (create-if-absent: the name is the
 * slot's), prunes its finished KdbBackups beyond `keep`, writes status, and requeues for the next
 * slot: nothing polls. Time is the injected clock's, so tests move it instead of waiting.
 */
import type { Logger } from "pino";
import type { KdbBackup, KdbScheduledBackup, KdbScheduledBackupStatus } from "../../../crds/src/index.js";
import { buildSlotBackup } from "../builders/scheduled-backup.js";
import { isApiError, statusWritten } from "../kube/api-error.js";
import type { Kube } from "../kube/client.js";
import type { Clock } from "../kube/clock.js";
import type { EventRecorder } from "../kube/event-recorder.js";
import { backupsToPrune, planSchedule, type SchedulePlan } from "./kdb-scheduled-backup-schedule.js";
import { computeScheduleStatus } from "./kdb-scheduled-backup-status.js";
import { ScheduleEvent, ScheduleReason } from "./reasons.js";
import { done, parseKey, type Result, requeueOnConflict } from "./reconciler.js";

export interface ScheduledBackupControllerDeps {
  kube: Kube;
  /** the KdbBackups a schedule created, from the informer's cache */
  backups(namespace: string, schedule: string): KdbBackup[];
  events: EventRecorder;
  log: Logger;
  clock: Clock;
}

/** a requeue is at most a day away: Node's timers cannot wait 25 days, and a yearly slot is fine */
const MAX_REQUEUE_MS = 86_400_000;

export class KdbScheduledBackupController {
  readonly #deps: ScheduledBackupControllerDeps;

  constructor(deps: ScheduledBackupControllerDeps) {
    this.#deps = deps;
  }

  reconcile(key: string): Promise<Result> {
    return requeueOnConflict(async () => {
      const { namespace, name } = parseKey(key);
      const schedule = await this.fetch(namespace, name);
      if (!schedule || schedule.metadata.deletionTimestamp) return done;
      const now = this.#deps.clock.now();
      const plan = planSchedule(schedule, now);
      if (plan.kind === "create") await this.createBackup(schedule, plan.slotMs);
      await this.prune(schedule);
      await this.writeStatus(schedule, computeScheduleStatus(schedule, plan, new Date(now)));
      return this.untilNext(plan, now);
    });
  }

  // --- steps ---------------------------------------------------------------------------------

  async fetch(namespace: string, name: string): Promise<KdbScheduledBackup | undefined> {
    try {
      return await this.#deps.kube.getScheduledBackup(namespace, name);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw new Error(`while reading KdbScheduledBackup ${namespace}/${name}`, { cause: err });
    }
  }

  /** The slot's KdbBackup, unless it exists already (a restart, or a status write that was lost). */
  async createBackup(schedule: KdbScheduledBackup, slotMs: number): Promise<void> {
    const backup = buildSlotBackup(schedule, slotMs);
    try {
      await this.#deps.kube.createBackup(backup);
    } catch (err) {
      if (isApiError(err, 409)) return;
      throw new Error(`while creating KdbBackup ${backup.metadata.name}`, { cause: err });
    }
    const slot = new Date(slotMs).toISOString();
    this.#log(schedule).info({ backup: backup.metadata.name, slot }, "Scheduled backup created.");
    await this.#deps.events.normal(
      schedule,
      ScheduleEvent.Created,
      "Schedule",
      `KdbBackup ${backup.metadata.name} created for ${slot}.`,
    );
  }

  /** Deletes the finished backups beyond keep; running ones are left for a later look. */
  async prune(schedule: KdbScheduledBackup): Promise<void> {
    const { namespace, name, uid } = schedule.metadata;
    const own = this.#deps
      .backups(namespace!, name)
      .filter((b) => b.metadata.ownerReferences?.some((o) => o.uid === uid));
    for (const backup of backupsToPrune(own, schedule.spec.keep)) {
      try {
        await this.#deps.kube.deleteBackup(namespace!, backup.metadata.name);
      } catch (err) {
        if (isApiError(err, 404)) continue; // the cache lags a delete of ours
        throw new Error(`while deleting KdbBackup ${backup.metadata.name}`, { cause: err });
      }
      this.#log(schedule).info({ backup: backup.metadata.name }, "Scheduled backup pruned.");
      await this.#deps.events.normal(
        schedule,
        ScheduleEvent.Pruned,
        "Prune",
        `KdbBackup ${backup.metadata.name} (${backup.status?.phase}) deleted: beyond keep ${schedule.spec.keep}.`,
      );
    }
  }

  /** Status as computed; a field no longer set is removed (null in the merge patch). */
  async writeStatus(schedule: KdbScheduledBackup, status: KdbScheduledBackupStatus): Promise<void> {
    if (JSON.stringify(schedule.status) === JSON.stringify(status)) return;
    const removed = Object.keys(schedule.status ?? {}).filter((k) => !(k in status));
    const body = { ...status, ...Object.fromEntries(removed.map((k) => [k, null])) };
    if (!(await statusWritten(() => this.#deps.kube.patchScheduledBackupStatus(schedule, body)))) return;
    if (status.conditions?.[0]?.reason === ScheduleReason.InvalidSchedule)
      await this.#deps.events.warning(
        schedule,
        ScheduleEvent.InvalidSchedule,
        "Schedule",
        status.conditions[0].message ?? "",
      );
  }

  /** Another look when the next slot is due; none while suspended or invalid (a spec change queues one). */
  untilNext(plan: SchedulePlan, now: number): Result {
    if (!("nextMs" in plan)) return done;
    return { requeueAfterMs: Math.min(Math.max(0, plan.nextMs - now), MAX_REQUEUE_MS) };
  }

  #log(schedule: KdbScheduledBackup): Logger {
    return this.#deps.log.child({
      namespace: schedule.metadata.namespace,
      scheduledBackup: schedule.metadata.name,
    });
  }
}
