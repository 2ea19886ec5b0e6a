/**
 * A KdbBackup's status from its Job, for the cases the e2e suite cannot stage (a failed
 * container: kwok completes every Job pod at once), and the waits before a Job exists.
 */
import { strict as assert } from "node:assert";
import type { V1Job } from "@kubernetes/client-node";
import type { KdbBackup } from "../../../crds/src/index.js";
import {
  computeBackupStatus,
  isFinished,
  jobPhase,
} from "../../../operator/src/controller/kdb-backup-status.js";

const backup: KdbBackup = {
  apiVersion: "timeseries.guru/v1alpha1",
  kind: "KdbBackup",
  metadata: { name: "nightly", namespace: "markets", generation: 1, uid: "u" },
  spec: {
    database: "trades",
    s3: { bucket: "b", prefix: "p/" },
    serviceAccountName: "guru-backup",
    activeDeadlineSeconds: 600,
  },
};
const now = new Date("2026-12-07T10:00:00Z");
const job = (status: V1Job["status"]): V1Job => ({ metadata: { name: "nightly-backup" }, status });
const cond = (s: ReturnType<typeof computeBackupStatus>, type: string) =>
  s.conditions?.find((c) => c.type === type);

describe("operator: KdbBackup status", () => {
  it("fails with the Job's reason and message when the Job fails (backoffLimit 0, deadline)", () => {
    const failedAt = new Date("2026-12-07T09:59:00Z");
    const status = computeBackupStatus(
      backup,
      {
        job: job({
          startTime: new Date("2026-12-07T09:50:00Z"),
          failed: 1,
          conditions: [
            {
              type: "Failed",
              status: "True",
              reason: "DeadlineExceeded",
              message: "too long",
              lastTransitionTime: failedAt,
            },
          ],
        }),
      },
      now,
    );
    assert.equal(status.phase, "Failed");
    assert.deepEqual(
      [cond(status, "Failed")?.status, cond(status, "Failed")?.reason],
      ["True", "DeadlineExceeded"],
    );
    assert.equal(cond(status, "Completed")?.status, "False");
    assert.equal(status.completedAt, "2026-12-07T09:59:00Z");
    assert.equal(status.location, "s3://b/p/markets/trades/nightly/");
    assert.ok(isFinished({ ...backup, status }));
  });

  it("is Running only with an active pod, and Pending before", () => {
    assert.equal(jobPhase(job({ active: 1, startTime: now })), "Running");
    assert.equal(jobPhase(job({ startTime: now })), "Pending");
    assert.equal(jobPhase(job({ conditions: [{ type: "Complete", status: "True" }] })), "Completed");
  });

  it("waits (not final) while the database is missing, and is final when the Job is deleted", () => {
    const waiting = computeBackupStatus(
      backup,
      { blocker: { reason: "DatabaseNotReady", message: "m" } },
      now,
    );
    assert.equal(waiting.phase, "Pending");
    assert.ok(!isFinished({ ...backup, status: waiting }));
    const lost = computeBackupStatus(backup, { blocker: { reason: "JobDeleted", message: "m" } }, now);
    assert.equal(lost.phase, "Failed");
    assert.equal(cond(lost, "Failed")?.status, "True");
    assert.ok(isFinished({ ...backup, status: lost }));
  });
});
