/**
 * KdbScheduledBackup on the real local control plane, with the operator in process on a token
 * bound only by operator/rbac.yaml and on a manual clock: moving the clock to a slot fires the
 * requeue the reconcile left for it (nothing polls), which creates that slot's KdbBackup, owned
 * by the schedule; each runs as a Job that kwok completes (as in operator-backup.test.ts), and
 * once a third has completed the oldest is pruned (keep 2). Suspending creates nothing.
 */
import { strict as assert } from "node:assert";
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { pino } from "pino";
import {
  BACKUP_PLURAL,
  KDB_API_VERSION,
  KDB_GROUP,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbBackup,
  type KdbDatabase,
  type KdbScheduledBackup,
  kdbDatabaseManifest,
  SCHEDULED_BACKUP_KIND,
  SCHEDULED_BACKUP_PLURAL,
} from "../../crds/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { ManualClock } from "../unit/operator/manual-clock.js";
import { kdbRef, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

describe("e2e: guru-operator creates KdbBackups on a KdbScheduledBackup's slots", function () {
  this.timeout(180_000);
  const ns = useTestNamespace("operator-schedule");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  const clock = new ManualClock(Date.now());
  const suite = useOperator(ns, {
    log,
    config: { identity: "e2e-schedule", backupImage: "ghcr.io/time-series-guru/guru-api:e2e" },
    clock,
  });
  let custom: CustomObjectsApi;

  before(async function () {
    this.timeout(120_000);
    const { kubeConfig } = ns.cluster;
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    await kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "guru-backup" } } });
    await custom.createNamespacedCustomObject({
      group: KDB_GROUP,
      version: KDB_VERSION,
      plural: KDB_PLURAL,
      namespace: ns.name,
      body: kdbDatabaseManifest("ledger", ns.name, { storage: { stripes: 1, size: "10Gi" } }),
    });
    await eventually("ledger Ready", 90_000, async () => {
      const db = (await custom.getNamespacedCustomObject(ref(KDB_PLURAL, "ledger"))) as KdbDatabase;
      return db.status?.phase === "Ready" || undefined;
    });
  });

  const ref = (plural: string, name: string) => kdbRef(ns.name, name, plural);
  const readSchedule = async () =>
    (await custom.getNamespacedCustomObject(ref(SCHEDULED_BACKUP_PLURAL, "hourly"))) as KdbScheduledBackup;
  const scheduleWhere = (what: string, ok: (s: KdbScheduledBackup) => boolean) =>
    eventually(`hourly: ${what}`, 60_000, async () => {
      const s = await readSchedule();
      return s.status?.observedGeneration === s.metadata.generation && ok(s) ? s : undefined;
    });
  const ownBackups = async () => {
    const list = (await custom.listNamespacedCustomObject({
      ...ref(BACKUP_PLURAL, ""),
      labelSelector: "timeseries.guru/scheduled-backup=hourly",
    })) as { items: KdbBackup[] };
    return list.items.map((b) => b.metadata.name).sort();
  };
  const slotName = (slotMs: number) => `hourly-${slotMs / 60_000}`;
  const completed = (name: string) =>
    eventually(`${name} Completed`, 90_000, async () => {
      const b = (await custom.getNamespacedCustomObject(ref(BACKUP_PLURAL, name))) as KdbBackup;
      return b.status?.phase === "Completed" ? b : undefined;
    });
  /** moves the clock to the slot, then waits for the schedule to have taken it */
  const takeSlot = async (slotMs: number) => {
    await clock.advance(slotMs - clock.now());
    return scheduleWhere(`took ${iso(slotMs)}`, (s) => s.status?.lastScheduleTime === iso(slotMs));
  };

  it("waits for its first slot, then creates one owned KdbBackup per slot and prunes beyond keep", async () => {
    await custom.createNamespacedCustomObject({
      ...ref(SCHEDULED_BACKUP_PLURAL, ""),
      body: {
        apiVersion: KDB_API_VERSION,
        kind: SCHEDULED_BACKUP_KIND,
        metadata: { name: "hourly", namespace: ns.name },
        spec: {
          schedule: "0 * * * *",
          keep: 2,
          backup: { database: "ledger", s3: { bucket: "guru-backups" } },
        },
      },
    });
    const waiting = await scheduleWhere("scheduled", (s) => s.status?.nextScheduleTime !== undefined);
    const created = Date.parse(String(waiting.metadata.creationTimestamp));
    const first = (Math.floor(created / HOUR) + 1) * HOUR;
    assert.equal(waiting.status?.nextScheduleTime, iso(first));
    const ready = waiting.status?.conditions?.find((c) => c.type === "Ready");
    assert.deepEqual([ready?.status, ready?.reason], ["True", "Scheduled"]);
    assert.deepEqual(await ownBackups(), [], "nothing before the first slot");

    await clock.advance(first - 1000 - clock.now());
    assert.deepEqual(await ownBackups(), [], "nothing a second before the slot");

    const slots = [first, first + HOUR, first + 2 * HOUR];
    for (const slot of slots) {
      const s = await takeSlot(slot);
      assert.equal(s.status?.lastBackup, slotName(slot));
      assert.equal(s.status?.nextScheduleTime, iso(slot + HOUR));
      const backup = await completed(slotName(slot));
      const owner = backup.metadata.ownerReferences?.[0] as {
        kind: string;
        uid: string;
        controller?: boolean;
      };
      assert.deepEqual(
        [owner.kind, owner.uid, owner.controller],
        [SCHEDULED_BACKUP_KIND, s.metadata.uid, true],
      );
      assert.equal(backup.spec.database, "ledger");
    }
    await eventually("the oldest pruned", 60_000, async () => {
      const names = await ownBackups();
      return names.length === 2 ? names : undefined;
    });
    assert.deepEqual(await ownBackups(), slots.slice(1).map(slotName).sort());

    const events = await ns.cluster.kubeConfig
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: ns.name, fieldSelector: "regarding.name=hourly" });
    const reasons = events.items.map((e) => e.reason);
    assert.equal(reasons.filter((r) => r === "Created").length, 3, reasons.join(" "));
    assert.ok(reasons.includes("Pruned"), reasons.join(" "));
  });

  it("takes a slot whose status write was lost once, creates nothing while suspended, and resumes from now", async () => {
    const before = await ownBackups();
    const last = Date.parse(String((await readSchedule()).status?.lastScheduleTime));
    // as after a crash between the create and the status write: the slot is pending again
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...ref(SCHEDULED_BACKUP_PLURAL, "hourly"),
        body: { status: { nextScheduleTime: iso(last), lastScheduleTime: iso(last - HOUR) } },
      },
      mergePatch,
    );
    suite.operator?.scheduleQueue.add(`${ns.name}/hourly`);
    await scheduleWhere("took the slot again", (s) => s.status?.lastScheduleTime === iso(last));
    assert.deepEqual(await ownBackups(), before, "no second KdbBackup for the slot");

    await custom.patchNamespacedCustomObject(
      { ...ref(SCHEDULED_BACKUP_PLURAL, "hourly"), body: { spec: { suspend: true } } },
      mergePatch,
    );
    const suspended = await scheduleWhere(
      "suspended",
      (s) => s.status?.conditions?.find((c) => c.type === "Ready")?.reason === "Suspended",
    );
    assert.equal(suspended.status?.nextScheduleTime, undefined);
    await clock.advance(3 * HOUR);
    suite.operator?.scheduleQueue.add(`${ns.name}/hourly`); // as a resync would
    await scheduleWhere("still suspended", (s) => s.status?.nextScheduleTime === undefined);
    assert.deepEqual(await ownBackups(), before, "nothing while suspended");

    await custom.patchNamespacedCustomObject(
      { ...ref(SCHEDULED_BACKUP_PLURAL, "hourly"), body: { spec: { suspend: false } } },
      mergePatch,
    );
    const resumed = await scheduleWhere("resumed", (s) => s.status?.nextScheduleTime !== undefined);
    assert.equal(resumed.status?.nextScheduleTime, iso((Math.floor(clock.now() / HOUR) + 1) * HOUR));
    assert.deepEqual(await ownBackups(), before, "the slots passed while suspended are not caught up");
  });
});
