/**
 * Scheduled backups and the backup quota through the REST API in local mode (real guru-engines
 * in process, the catalog in dynalite, backups in a directory). Time is the injected clock: the
 * test steps it to each slot and runs the schedulers' passes itself. A second scheduler, on its
 * own DynamoDB client, stands for a second API instance due at the same moment: each slot is
 * run once.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { pino } from "pino";
import { BackupScheduler } from "../../../api/src/backups/backup-scheduler.js";
import { BackupSchedulesStore } from "../../../api/src/backups/backup-schedules-store.js";
import { CatalogTable } from "../../../api/src/catalog/table.js";
import { createMetrics } from "../../../api/src/metrics.js";
import { testCredentials, useService } from "../../services/index.js";
import { type Api, ready, startApi } from "./support/backup-api.js";

const DAY = 86_400_000;

describe("scheduled backups and the backup quota (local mode)", function () {
  this.timeout(90_000);
  let api: Api;
  let dir: string;
  let dynamo: DynamoDBClient;
  let other: BackupScheduler;
  let now = Date.parse("2026-12-07T00:00:00Z");
  const clock = () => now;

  before(async function () {
    this.timeout(90_000);
    dir = await mkdtemp(join(tmpdir(), "guru-schedules-"));
    // the schedulers run only when the test says; leases outlast the test
    api = await startApi(
      dir,
      { GURU_API_BACKUP_SCHEDULE_INTERVAL_MS: "3600000", GURU_API_JOB_LEASE_MS: "3600000" },
      { clock },
    );
    const dynalite = await useService("dynalite");
    dynamo = new DynamoDBClient({ endpoint: `http://${dynalite.host}:${dynalite.port}`, ...testCredentials });
    const table = new CatalogTable(dynamo, api.runtime.config.catalog.table, createMetrics());
    other = new BackupScheduler({
      schedules: new BackupSchedulesStore(table),
      databases: api.runtime.services.stores.databases,
      backups: api.runtime.services.backups,
      clock,
      intervalMs: 3_600_000,
      logger: pino({ level: "silent" }),
    });
  });

  after(async () => {
    await api?.close();
    dynamo?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  /** one pass of both instances at once: the backups run */
  const tick = async () => {
    const [a, b] = await Promise.all([api.runtime.services.scheduler.tick(), other.tick()]);
    return [...a, ...b];
  };
  const backups = async () =>
    (
      (await api.call("GET", "/v1/databases/nightly/backups?limit=100")).body as {
        items: { id: string; origin: string; status: string; createdAt: string; sizeBytes: number }[];
      }
    ).items;

  it("refuses a schedule that is not the cron subset, or a keep out of range, with the reason", async () => {
    const cases: [unknown, RegExp][] = [
      [{ schedule: "61 * * * *", keep: 3 }, /minute.*outside 0-59/],
      [{ schedule: "0 0 31 2 *", keep: 3 }, /never fires/],
      [{ schedule: "@daily", keep: 3 }, /5 cron fields/],
      [{ schedule: "0 3 * * MON", keep: 3 }, /5 cron fields/],
      [{ schedule: "0 3 * * *", keep: 0 }, /./],
      [{ schedule: "0 3 * * *" }, /./],
      [{ schedule: "0 3 * * *", keep: 3, at: "x" }, /./],
    ];
    for (const [backup, reason] of cases) {
      const res = await api.call("POST", "/v1/databases", { name: "refused", size: "dev", backup });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const body = res.body as { code: string; errors: { message: string }[] };
      assert.equal(body.code, "VALIDATION_FAILED");
      assert.match(body.errors.map((e) => e.message).join("; "), reason, JSON.stringify(backup));
    }
    assert.equal((await api.call("GET", "/v1/databases/refused")).status, 404);
  });

  it("runs each slot once across instances, and keeps the newest `keep` scheduled backups", async () => {
    const created = await api.call("POST", "/v1/databases", {
      name: "nightly",
      size: "dev",
      storage: { stripes: 1 },
      backup: { schedule: "0 3 * * *", keep: 2 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.deepEqual((created.body as { backup: unknown }).backup, { schedule: "0 3 * * *", keep: 2 });
    await ready(api, "nightly");
    await api.call("POST", "/v1/databases/nightly/series", {
      name: "cpu",
      tags: ["host"],
      fields: [{ name: "seq", type: "long" }],
    });
    const write = await api.call("POST", "/v1/databases/nightly/series/cpu/points", {
      columns: { time: ["1714521600000000000"], host: ["a"], seq: [1] },
    });
    assert.equal(write.status, 200, JSON.stringify(write.body));

    now = Date.parse("2026-12-07T02:59:59Z");
    assert.deepEqual(await tick(), [], "not due before 03:00");
    now = Date.parse("2026-12-07T03:00:00Z");
    const first = await tick();
    assert.equal(first.length, 1, "two instances due at once: one backup");
    assert.equal(first[0]?.status, "succeeded");
    assert.deepEqual(await tick(), [], "the slot was taken: the next is tomorrow");
    const manual = await api.call("POST", "/v1/databases/nightly/backups");
    assert.equal(manual.status, 202);
    await api.runtime.services.backups.idle();

    const scheduledIds = [first[0]?.backup];
    for (let day = 1; day <= 3; day++) {
      now = Date.parse("2026-12-07T03:00:30Z") + day * DAY;
      const runs = await tick();
      assert.equal(runs.length, 1, `day ${day}`);
      assert.equal(runs[0]?.status, "succeeded");
      assert.equal(runs[0]?.pruned, day === 1 ? 0 : 1, `day ${day}: beyond keep 2, one goes`);
      scheduledIds.push(runs[0]?.backup);
    }
    const listed = await backups();
    assert.deepEqual(
      listed
        .filter((b) => b.origin === "schedule")
        .map((b) => b.id)
        .sort(),
      scheduledIds.slice(-2).sort(),
      "the two newest scheduled backups are kept",
    );
    assert.deepEqual(
      listed.filter((b) => b.origin === "manual").map((b) => b.id),
      [(manual.body as { backup: { id: string } }).backup.id],
      "a manual backup is never pruned",
    );
    assert.ok(listed.every((b) => b.status === "succeeded"));
  });

  it("changes or removes a schedule at once, without the database updating", async () => {
    const changed = await api.call("PATCH", "/v1/databases/nightly", {
      backup: { schedule: "30 */6 * * *", keep: 1 },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((changed.body as { status: string }).status, "ready");
    assert.deepEqual((changed.body as { backup: unknown }).backup, { schedule: "30 */6 * * *", keep: 1 });
    const dayStart = Math.floor(now / DAY) * DAY;
    now = dayStart + 6 * 3_600_000 + 29 * 60_000;
    assert.deepEqual(await tick(), [], "the new schedule's first slot is 06:30");
    now += 60_000;
    const runs = await tick();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.pruned, 2, "keep 1: the two older scheduled backups go");

    const removed = await api.call("PATCH", "/v1/databases/nightly", { backup: null });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((removed.body as { backup: unknown }).backup, null);
    now += 7 * DAY;
    assert.deepEqual(await tick(), [], "no schedule: no backups");
  });

  it("reports backup bytes in the account's usage, and refuses new backups over maxBackupGiB", async () => {
    const whoami = (await api.call("GET", "/v1/whoami")).body as { accountId: string };
    const account = (await api.call("GET", `/v1/accounts/${whoami.accountId}`)).body as {
      quotas: { maxBackupGiB: number };
      usage: { backupBytes: number };
    };
    const held = (await backups()).reduce((sum, b) => sum + b.sizeBytes, 0);
    assert.ok(held > 0);
    assert.equal(account.usage.backupBytes, held);
    assert.equal(account.quotas.maxBackupGiB, 1024, "the configured default");

    const lowered = await api.call("PATCH", `/v1/accounts/${whoami.accountId}`, {
      quotas: { maxBackupGiB: 0 },
    });
    assert.equal(lowered.status, 200, JSON.stringify(lowered.body));
    const refused = await api.call("POST", "/v1/databases/nightly/backups");
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const problem = refused.body as { code: string; quota: Record<string, unknown> };
    assert.equal(problem.code, "QUOTA_BACKUP_STORAGE_EXCEEDED");
    assert.deepEqual(problem.quota, { name: "maxBackupGiB", limit: 0, usedBytes: held });
    assert.equal((await backups()).length, 2, "nothing recorded for the refused backup");

    // a scheduled slot over quota is skipped, not recorded
    await api.call("PATCH", "/v1/databases/nightly", { backup: { schedule: "0 * * * *", keep: 5 } });
    now = (Math.floor(now / 3_600_000) + 1) * 3_600_000;
    const runs = await tick();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.status, "skipped");
    assert.equal((await backups()).length, 2);

    await api.call("PATCH", `/v1/accounts/${whoami.accountId}`, { quotas: { maxBackupGiB: 1 } });
    assert.equal((await api.call("POST", "/v1/databases/nightly/backups")).status, 202);
    await api.runtime.services.backups.idle();
  });
});
