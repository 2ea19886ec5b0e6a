/**
 * Jobs survive their worker: a running job whose instance stops renewing its lease is failed by
 * another instance's sweeper with the reason, never left running; a backup job's backup is failed
 * with it (no half backup listed as succeeded). Time is an injected clock; the catalog is dynalite.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { pino } from "pino";
import { BackupsStore } from "../../../api/src/backups/backups-store.js";
import { CatalogTable } from "../../../api/src/catalog/table.js";
import { ensureTable } from "../../../api/src/catalog/table-schema.js";
import { type Job, runningJob } from "../../../api/src/jobs/jobs-schemas.js";
import { JobLostError, JobsStore } from "../../../api/src/jobs/jobs-store.js";
import { JobsSweeper } from "../../../api/src/jobs/jobs-sweeper.js";
import { LeasedJob } from "../../../api/src/jobs/leased-job.js";
import { createMetrics } from "../../../api/src/metrics.js";
import { testCredentials, useService } from "../../services/index.js";

const LEASE_MS = 30_000;
const logger = pino({ level: "silent" });

function job(id: string, kind: Job["kind"], extra: Partial<Job> = {}): Job {
  return {
    ...runningJob({ id, kind, database: "metrics", series: "" }, new Date().toISOString()),
    updatedAt: new Date(0).toISOString(),
    ...extra,
  };
}

describe("job leases: a job whose instance died ends failed", () => {
  let store: JobsStore;
  let table: CatalogTable;
  let dynamo: DynamoDBClient;
  let now = 1_000_000;
  const clock = () => now;
  const id = () =>
    randomBytes(8)
      .toString("hex")
      .slice(0, 16)
      .replace(/[01lo]/g, "a");

  before(async () => {
    const dynalite = await useService("dynalite");
    dynamo = new DynamoDBClient({ endpoint: `http://${dynalite.host}:${dynalite.port}`, ...testCredentials });
    const name = `guru-leases-${randomBytes(4).toString("hex")}`;
    await ensureTable(dynamo, name);
    table = new CatalogTable(dynamo, name, createMetrics());
    store = new JobsStore(table);
  });
  after(() => dynamo.destroy());

  const leaseOf = (owner: string) => ({ store, owner, leaseMs: LEASE_MS, clock, logger });

  it("keeps a job whose lease holds, fails it once the lease ran out, and its worker learns it", async () => {
    const account = `acct${id().slice(0, 6)}`;
    const leased = await LeasedJob.start(
      leaseOf("api-a"),
      account,
      job(id(), "csv-import", { series: "cpu" }),
    );
    const sweeper = new JobsSweeper({ store, leaseMs: LEASE_MS, clock, logger });
    now += LEASE_MS - 1;
    assert.equal(await sweeper.sweep(), 0, "within its lease the job is left alone");
    await leased.save(); // a heartbeat: the lease runs LEASE_MS from now
    now += LEASE_MS - 1;
    assert.equal(await sweeper.sweep(), 0, "a heartbeat renewed the lease");
    now += 2; // api-a is gone: no heartbeat since
    assert.equal(await sweeper.sweep(), 1);
    const failed = await store.get(account, leased.job.id);
    assert.equal(failed?.status, "failed");
    assert.match(failed?.error ?? "", /API instance running it \(api-a\) stopped/);
    assert.notEqual(failed?.finishedAt, null);
    assert.equal(await sweeper.sweep(), 0, "failed once, then out of the running index");
    await assert.rejects(leased.save(), JobLostError);
    const final = await leased.finish("succeeded");
    assert.equal(final.status, "failed", "a worker that lost its job does not overwrite the verdict");
    assert.equal((await store.get(account, leased.job.id))?.status, "failed");
  });

  it("fails the backup of an abandoned backup job, so no half backup is listed as succeeded", async () => {
    const account = `acct${id().slice(0, 6)}`;
    const backups = new BackupsStore(table);
    const backupId = id();
    await backups.create({
      accountId: account,
      database: "metrics",
      databaseUid: "u1",
      id: backupId,
      status: "running",
      engine: "guru-engine",
      stripes: 1,
      jobId: "j",
      sizeBytes: 0,
      files: [],
      rows: 0,
      firstTime: null,
      lastTime: null,
      coversWritesBefore: null,
      checksum: null,
      error: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      version: 1,
    });
    await LeasedJob.start(leaseOf("api-b"), account, job(id(), "backup", { backup: backupId }));
    const sweeper = new JobsSweeper({ store, leaseMs: LEASE_MS, clock, logger });
    sweeper.onAbandoned(async (stored) => {
      const backup = await backups.get(stored.accountId, stored.job.database, stored.job.backup as string);
      if (backup === undefined) return;
      await backups.replace({ ...backup, status: "failed", error: stored.job.error });
    });
    now += LEASE_MS + 1;
    assert.ok((await sweeper.sweep()) >= 1);
    const backup = await backups.get(account, "metrics", backupId);
    assert.equal(backup?.status, "failed");
    assert.match(backup?.error ?? "", /api-b/);
  });
});
