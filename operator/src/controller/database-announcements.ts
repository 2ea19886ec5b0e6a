/**
 * The Events a status change announces: Ready (or a NotReady warning, unless the user asked
 * for it), Hibernated, VolumesResized, Paused and Resumed, and each Degraded reason as it appears.
 */
import type { Logger } from "pino";
import type { ConditionType, KdbDatabase, KdbDatabaseStatus } from "../../../crds/src/index.js";
import type { EventRecorder } from "../kube/event-recorder.js";
import { condition } from "./kdb-database-status.js";
import { DatabaseEvent, DatabaseReason } from "./reasons.js";

/** Ready=False reasons the user asked for (a spec change, hibernation): no Warning. */
const EXPECTED_NOT_READY = new Set<string>([DatabaseReason.Hibernated, DatabaseReason.RollingOut]);

interface Transition {
  db: KdbDatabase;
  previous: KdbDatabaseStatus | undefined;
  next: KdbDatabaseStatus;
}

const was = (t: Transition, type: ConditionType) => condition(t.previous, type)?.status;

export async function announceTransitions(
  events: EventRecorder,
  transition: Transition,
  log: Logger,
): Promise<void> {
  await announceReady(events, transition, log);
  await announceResized(events, transition);
  await announcePaused(events, transition);
  await announceDegraded(events, transition);
}

async function announceReady(events: EventRecorder, t: Transition, log: Logger): Promise<void> {
  const ready = condition(t.next, "Ready");
  if (!ready || ready.status === was(t, "Ready")) return;
  if (ready.status === "True") {
    log.info({ endpoint: t.next.endpoint }, "Database is ready.");
    await events.normal(t.db, DatabaseEvent.Ready, "Reconcile", ready.message);
  } else if (was(t, "Ready") === "True" && !EXPECTED_NOT_READY.has(ready.reason)) {
    await events.warning(t.db, DatabaseEvent.NotReady, "Reconcile", ready.message);
  } else if (ready.reason === DatabaseReason.Hibernated && t.next.phase === "Hibernated") {
    await events.normal(t.db, DatabaseEvent.Hibernated, "Hibernate", ready.message);
  }
}

async function announceResized(events: EventRecorder, t: Transition): Promise<void> {
  const resizing = condition(t.next, "StorageResizing");
  if (resizing?.status === "False" && was(t, "StorageResizing") === "True")
    await events.normal(t.db, DatabaseEvent.VolumesResized, "GrowVolumes", resizing.message);
}

async function announcePaused(events: EventRecorder, t: Transition): Promise<void> {
  const paused = condition(t.next, "Paused");
  if (!paused || paused.status === (was(t, "Paused") ?? "False")) return;
  const reason = paused.status === "True" ? DatabaseEvent.Paused : DatabaseEvent.Resumed;
  await events.normal(t.db, reason, "Reconcile", paused.message);
}

async function announceDegraded(events: EventRecorder, t: Transition): Promise<void> {
  const degraded = condition(t.next, "Degraded");
  if (degraded?.status === "True" && degraded.reason !== condition(t.previous, "Degraded")?.reason)
    await events.warning(t.db, degraded.reason, "Reconcile", degraded.message);
}
