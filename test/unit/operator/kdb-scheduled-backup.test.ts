/**
 * A KdbScheduledBackup's plan, status and pruning, on a manual clock: when a slot is due, which
 * slot a late look takes, how a spec change and suspend move the pending slot, and which backups
 * go beyond keep. The e2e suite runs the same on the real API server.
 */
import { strict as assert } from "node:assert";
import type { BackupPhase, KdbBackup, KdbScheduledBackup } from "../../../crds/src/index.js";
import { buildSlotBackup, slotBackupName } from "../../../operator/src/builders/scheduled-backup.js";
import {
  backupsToPrune,
  planSchedule,
  type SchedulePlan,
} from "../../../operator/src/controller/kdb-scheduled-backup-schedule.js";
import { computeScheduleStatus } from "../../../operator/src/controller/kdb-scheduled-backup-status.js";
import { ManualClock } from "./manual-clock.js";

const HOUR = 3_600_000;
const created = Date.parse("2026-12-07T09:10:00Z");
const schedule = (spec: Partial<KdbScheduledBackup["spec"]> = {}, generation = 1): KdbScheduledBackup => ({
  apiVersion: "timeseries.guru/v1alpha1",
  kind: "KdbScheduledBackup",
  metadata: {
    name: "nightly",
    namespace: "markets",
    uid: "s-uid",
    generation,
    creationTimestamp: new Date(created).toISOString(),
  },
  spec: {
    schedule: "0 */6 * * *",
    keep: 2,
    suspend: false,
    backup: {
      database: "trades",
      s3: { bucket: "b", prefix: "" },
      serviceAccountName: "guru-backup",
      activeDeadlineSeconds: 600,
    },
    ...spec,
  },
});
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** One reconcile as the controller runs it: plan at the clock's time, status written back. */
function look(s: KdbScheduledBackup, clock: ManualClock): SchedulePlan {
  const plan = planSchedule(s, clock.now());
  s.status = computeScheduleStatus(s, plan, new Date(clock.now()));
  return plan;
}

describe("operator: KdbScheduledBackup schedule", () => {
  it("waits for each slot, creates one backup per slot, and counts a new schedule from its creation", async () => {
    const clock = new ManualClock(created + 60_000);
    const s = schedule();
    assert.deepEqual(look(s, clock), { kind: "wait", nextMs: Date.parse("2026-12-07T12:00:00Z") });
    assert.equal(s.status?.nextScheduleTime, "2026-12-07T12:00:00Z");
    assert.equal(s.status?.conditions?.[0]?.reason, "Scheduled");
    assert.equal(s.status?.lastScheduleTime, undefined);

    await clock.advance(Date.parse("2026-12-07T11:59:59Z") - clock.now());
    assert.equal(look(s, clock).kind, "wait", "a second early is not due");
    await clock.advance(1000);
    const taken = look(s, clock);
    assert.deepEqual(taken, {
      kind: "create",
      slotMs: Date.parse("2026-12-07T12:00:00Z"),
      nextMs: Date.parse("2026-12-07T18:00:00Z"),
    });
    assert.equal(s.status?.lastScheduleTime, "2026-12-07T12:00:00Z");
    assert.equal(s.status?.lastBackup, slotBackupName("nightly", Date.parse("2026-12-07T12:00:00Z")));
    assert.equal(s.status?.nextScheduleTime, "2026-12-07T18:00:00Z");
    assert.equal(look(s, clock).kind, "wait", "a slot is taken once");
  });

  it("catches up slots missed while no operator ran with one backup, for the latest slot", async () => {
    // created at 09:10, first looked at on the next day at 07:30: slots 12:00, 18:00, 00:00, 06:00 passed
    const clock = new ManualClock(Date.parse("2026-12-08T07:30:00Z"));
    const s = schedule();
    const plan = look(s, clock);
    assert.deepEqual(plan, {
      kind: "create",
      slotMs: Date.parse("2026-12-08T06:00:00Z"),
      nextMs: Date.parse("2026-12-08T12:00:00Z"),
    });
  });

  it("takes a slot again after a lost status write: the same name, so the create is a conflict", () => {
    const s = schedule();
    const before = planSchedule(s, Date.parse("2026-12-07T12:00:30Z"));
    // the status write was lost; the next look, a minute later, plans the same slot
    const again = planSchedule(s, Date.parse("2026-12-07T12:01:30Z"));
    assert.equal(before.kind, "create");
    assert.deepEqual(again, before.kind === "create" ? { ...before, nextMs: before.nextMs } : undefined);
    assert.equal(
      buildSlotBackup(s, Date.parse("2026-12-07T12:00:00Z")).metadata.name,
      `nightly-${Date.parse("2026-12-07T12:00:00Z") / 60_000}`,
    );
  });

  it("counts a changed schedule from now, and creates nothing while suspended", async () => {
    const clock = new ManualClock(Date.parse("2026-12-07T10:00:00Z"));
    const s = schedule();
    look(s, clock);
    assert.equal(s.status?.nextScheduleTime, "2026-12-07T12:00:00Z");

    const suspended = { ...schedule({ suspend: true }, 2), status: s.status };
    assert.deepEqual(look(suspended, clock), { kind: "suspended" });
    assert.equal(suspended.status?.nextScheduleTime, undefined);
    assert.equal(suspended.status?.conditions?.[0]?.reason, "Suspended");
    assert.equal(suspended.status?.conditions?.[0]?.status, "False");
    await clock.advance(30 * HOUR);
    assert.deepEqual(look(suspended, clock), { kind: "suspended" }, "no slot is taken while suspended");

    // resumed (a new generation): the slots passed while suspended are not caught up
    const resumed = { ...schedule({ schedule: "30 * * * *" }, 3), status: suspended.status };
    assert.deepEqual(look(resumed, clock), { kind: "wait", nextMs: Date.parse("2026-12-08T16:30:00Z") });
    assert.equal(resumed.status?.conditions?.[0]?.reason, "Scheduled");
  });

  it("reports a schedule the CRD's pattern admits but cron refuses as InvalidSchedule", () => {
    const s = schedule({ schedule: "61 * * * *" });
    const plan = look(s, new ManualClock());
    assert.equal(plan.kind, "invalid");
    const ready = s.status?.conditions?.[0];
    assert.deepEqual([ready?.type, ready?.status, ready?.reason], ["Ready", "False", "InvalidSchedule"]);
    assert.match(ready?.message ?? "", /^spec\.schedule: minute: "61" is outside 0-59/);
    assert.equal(s.status?.observedGeneration, 1);
  });

  it("owns its backups and labels them with the schedule", () => {
    const b = buildSlotBackup(schedule(), Date.parse("2026-12-07T12:00:00Z"));
    assert.equal(b.kind, "KdbBackup");
    assert.deepEqual(b.metadata.labels, {
      "app.kubernetes.io/managed-by": "guru-operator",
      "timeseries.guru/scheduled-backup": "nightly",
    });
    assert.deepEqual(b.metadata.ownerReferences, [
      {
        apiVersion: "timeseries.guru/v1alpha1",
        kind: "KdbScheduledBackup",
        name: "nightly",
        uid: "s-uid",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(b.spec.database, "trades");
  });
});

describe("operator: KdbScheduledBackup pruning", () => {
  const at = (hour: number, phase?: BackupPhase): KdbBackup => ({
    ...(buildSlotBackup(
      schedule(),
      Date.parse("2026-12-07T00:00:00Z") + hour * HOUR,
    ) as unknown as KdbBackup),
    ...(phase ? { status: { phase } } : {}),
  });
  const names = (backups: KdbBackup[]) =>
    backups.map((b) => iso(Number(b.metadata.name.split("-")[1]) * 60_000).slice(11, 13));

  it("deletes finished backups older than the newest keep Completed ones, oldest first", () => {
    const backups = [
      at(6, "Completed"),
      at(0, "Completed"),
      at(18, "Completed"),
      at(12, "Failed"),
      at(24, "Completed"),
    ];
    assert.deepEqual(names(backupsToPrune(backups, 2)), ["00", "06", "12"]);
    assert.deepEqual(names(backupsToPrune(backups, 3)), ["00"], "a recent failure stays");
    assert.deepEqual(backupsToPrune(backups, 4), []);
  });

  it("never deletes a backup still Pending or Running, however old", () => {
    const backups = [at(0), at(6, "Running"), at(12, "Completed"), at(18, "Completed")];
    assert.deepEqual(backupsToPrune(backups, 1), [at(12, "Completed")]);
  });

  it("keeps recent failures, and only keep of them while none completes", () => {
    const backups = [at(0, "Failed"), at(6, "Failed"), at(12, "Failed"), at(18, "Completed")];
    assert.deepEqual(names(backupsToPrune(backups, 2)), ["00", "06"]);
    assert.deepEqual(names(backupsToPrune(backups, 3)), ["00"]);
  });
});
