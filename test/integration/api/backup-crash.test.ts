/**
 * guru-api killed with SIGKILL in the middle of a backup: `node dist/api/src/main.js` as `make run`
 * runs it (engines as child processes), the catalog in dynalite, backups in S3 (moto) through a
 * proxy that holds the backup's last write (its manifest) unanswered, so the kill lands when every
 * data file is stored and the backup is not yet complete. Another instance (in process, on the
 * same catalog and bucket, its clock injected) then finds the backup never listed as succeeded,
 * fails the job once its lease ran out (at most one lease after the kill), and deletes the files.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { testCredentials, useService } from "../../services/index.js";
import { freePort } from "../../services/process.js";
import { eventually } from "../../support/eventually.js";
import { type ApiProcess, startApiProcess } from "./support/api-process.js";
import { type Api, startApi } from "./support/backup-api.js";
import { holdingProxy } from "./support/holding-proxy.js";

const LEASE_MS = 30_000;

describe("guru-api killed (kill -9) during a backup (S3: moto)", function () {
  this.timeout(120_000);
  const bucket = `guru-crash-${randomBytes(3).toString("hex")}`;
  const table = `guru-crash-${randomBytes(4).toString("hex")}`;
  let dir: string;
  let child: ApiProcess | undefined;
  let other: Api | undefined;
  let proxy: ReturnType<typeof holdingProxy>;
  let s3: S3Client;
  let motoUrl: string;
  let now = Date.now();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-backup-crash-"));
    // the API's data directory ("a") is left for it to make: with the catalog elsewhere, nothing else does
    const [moto, dynalite] = await Promise.all([useService("moto"), useService("dynalite")]);
    motoUrl = `http://${moto.host}:${moto.port}`;
    s3 = new S3Client({ endpoint: motoUrl, forcePathStyle: true, ...testCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    proxy = holdingProxy(moto);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const proxyPort = (proxy.server.address() as AddressInfo).port;
    const shared = {
      GURU_API_CATALOG: "dynamodb",
      GURU_API_DYNAMODB_ENDPOINT: `http://${dynalite.host}:${dynalite.port}`,
      GURU_API_DYNAMODB_TABLE: table,
      GURU_API_CREATE_TABLE: "true",
      GURU_API_BACKUP_STORAGE: "s3",
      GURU_API_BACKUP_BUCKET: bucket,
      GURU_API_JOB_LEASE_MS: String(LEASE_MS),
    };
    child = await startApiProcess(join(dir, "a"), await freePort(), {
      ...shared,
      GURU_API_S3_ENDPOINT: `http://127.0.0.1:${proxyPort}`,
      GURU_API_INSTANCE_ID: "api-killed",
      AWS_ACCESS_KEY_ID: testCredentials.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testCredentials.credentials.secretAccessKey,
    });
  });

  after(async () => {
    await child?.stop("SIGKILL");
    await other?.close();
    proxy?.server.closeAllConnections();
    proxy?.server.close();
    s3?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("leaves no half backup listed as succeeded; the job ends failed within its lease, files deleted", async () => {
    const token = (await readFile(join(dir, "a", "admin-token"), "utf8")).trim();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${child!.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    assert.equal(
      (await call("POST", "/v1/databases", { name: "metrics", size: "dev", storage: { stripes: 2 } })).status,
      202,
    );
    await eventually("metrics ready", 30_000, async () =>
      (await call("GET", "/v1/databases/metrics")).body.status === "ready" ? true : undefined,
    );
    await call("POST", "/v1/databases/metrics/series", {
      name: "cpu",
      tags: ["host"],
      fields: [{ name: "v", type: "long" }],
    });
    const time = Array.from({ length: 1000 }, (_, i) => String(1_714_521_600_000_000_000n + BigInt(i)));
    const write = await call("POST", "/v1/databases/metrics/series/cpu/points", {
      columns: { time, host: time.map(() => "a"), v: time.map((_, i) => i) },
    });
    assert.equal(write.status, 200, JSON.stringify(write.body));
    const accountId = (await call("GET", "/v1/whoami")).body.accountId as string;

    const started = await call("POST", "/v1/databases/metrics/backups");
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const backupId = (started.body.backup as { id: string }).id;
    const jobId = (started.body.job as { id: string }).id;
    await proxy.held; // every data file is stored; the manifest is in flight
    const prefix = `${accountId}/metrics/${backupId}/`;
    const stored = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    assert.ok((stored.KeyCount ?? 0) >= 2, "the data files of both stripes are in the bucket");
    await child!.stop("SIGKILL");
    const killedAt = Date.now();

    other = await startApi(
      join(dir, "b"),
      {
        GURU_API_DYNAMODB_TABLE: table,
        GURU_API_JOB_LEASE_MS: String(LEASE_MS),
        GURU_API_BACKUP_STORAGE: "s3",
        GURU_API_BACKUP_BUCKET: bucket,
        GURU_API_S3_ENDPOINT: motoUrl,
      },
      { clock: () => now, background: false, accountId },
    );
    const listed = (await other.call("GET", "/v1/databases/metrics/backups")).body as {
      items: { id: string; status: string }[];
    };
    assert.deepEqual(
      listed.items.map((b) => [b.id, b.status]),
      [[backupId, "running"]],
      "all data files stored, no manifest: not complete",
    );

    const services = other.runtime.services;
    const leased = await services.jobs.getStored(accountId, jobId);
    const leaseUntil = leased?.lease?.leaseUntil as number;
    assert.equal(leased?.lease?.owner, "api-killed");
    assert.ok(leaseUntil <= killedAt + LEASE_MS, "its lease runs out at most one lease after the kill");
    now = leaseUntil - 1;
    assert.equal(await services.sweeper.sweep(), 0, "within its lease the job is left alone");
    now = leaseUntil + 1;
    assert.equal(await services.sweeper.sweep(), 1);

    const job = (await other.call("GET", `/v1/jobs/${jobId}`)).body as Record<string, unknown>;
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /api-killed\) stopped/);
    assert.equal(job.finishedAt, new Date(now).toISOString());
    const backup = (await other.call("GET", `/v1/databases/metrics/backups/${backupId}`)).body as Record<
      string,
      unknown
    >;
    assert.equal(backup.status, "failed");
    assert.equal(backup.checksum, null);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    assert.equal(left.KeyCount ?? 0, 0, "the half backup's files are deleted");
    const restore = await other.call("POST", "/v1/databases", {
      name: "again",
      restoreFrom: { database: "metrics", backup: backupId },
    });
    assert.equal(restore.status, 422);
    assert.equal((restore.body as { code: string }).code, "BACKUP_NOT_RESTORABLE");
  });
});
