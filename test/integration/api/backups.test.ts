/**
 * Backups, restores and retention end to end through the REST API in local mode: real guru-engines
 * (in process), the catalog in dynalite, backups in a local directory and in S3 (moto, server
 * mode). A backup taken during sustained ingest restores exactly the rows it covers; one of
 * several 5 MiB multipart parts restores every row as written.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { testCredentials, useService } from "../../services/index.js";
import { type Api, jobDone, ready, startApi } from "./support/backup-api.js";

const T0 = Date.parse("2024-05-01T00:00:00Z");

/** Writes batch k: 50 points at consecutive milliseconds, `seq` = k. */
async function writeBatch(api: Api, db: string, k: number): Promise<void> {
  const time = Array.from({ length: 50 }, (_, i) => String(BigInt(T0 + k * 50 + i) * 1_000_000n));
  const res = await api.call("POST", `/v1/databases/${db}/series/cpu/points`, {
    columns: { time, host: time.map((_, i) => `h${i % 3}`), seq: time.map(() => k) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function seqs(api: Api, db: string): Promise<number[]> {
  const res = await api.call("GET", `/v1/databases/${db}/series/cpu/query?columns=seq&limit=100000`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { values: { seq: string[] } }).values.seq.map(Number);
}

/** The shared scenario: ingest, back up while ingesting, restore, compare. */
function backupAndRestore(
  storage: () => Promise<Record<string, string>>,
  check?: (api: Api, backup: Record<string, unknown>) => Promise<void>,
) {
  let api: Api;
  let dir: string;

  before(async function () {
    this.timeout(90_000);
    dir = await mkdtemp(join(tmpdir(), "guru-backups-"));
    api = await startApi(dir, await storage());
    assert.equal(
      (await api.call("POST", "/v1/databases", { name: "source", size: "dev", storage: { stripes: 2 } }))
        .status,
      202,
    );
    await ready(api, "source");
    const series = await api.call("POST", "/v1/databases/source/series", {
      name: "cpu",
      tags: ["host"],
      fields: [{ name: "seq", type: "long" }],
    });
    assert.equal(series.status, 201, JSON.stringify(series.body));
  });

  after(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("backs up during sustained ingest and restores exactly the rows the backup covers", async function () {
    this.timeout(90_000);
    for (let k = 0; k < 10; k++) await writeBatch(api, "source", k);
    const acknowledgedBefore = 10;
    // sequential writes go on while the backup runs: batch k is acknowledged before k+1 is sent
    let k = acknowledgedBefore;
    let stop = false;
    const ingest = (async () => {
      while (!stop) await writeBatch(api, "source", k++);
    })();
    const started = await api.call("POST", "/v1/databases/source/backups");
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { backup, job } = started.body as {
      backup: { id: string; status: string };
      job: { id: string; kind: string };
    };
    assert.equal(backup.status, "running");
    assert.equal(job.kind, "backup");
    const done = await jobDone(api, job.id);
    stop = true;
    await ingest;
    assert.equal(done.status, "succeeded", JSON.stringify(done));
    const progress = done.progress as {
      filesDone: number;
      filesTotal: number;
      bytesDone: number;
      bytesTotal: number;
    };
    assert.equal(progress.filesDone, progress.filesTotal);
    assert.equal(progress.bytesDone, progress.bytesTotal);
    assert.ok(progress.bytesTotal > 0);

    const got = (await api.call("GET", `/v1/databases/source/backups/${backup.id}`)).body as Record<
      string,
      unknown
    >;
    assert.equal(got.status, "succeeded");
    assert.equal(got.engine, "guru-engine");
    assert.equal(got.stripes, 2);
    assert.match(String(got.checksum), /^[0-9a-f]{64}$/);
    assert.ok((got.sizeBytes as number) >= progress.bytesTotal);
    assert.equal((got.timeRange as { first: string }).first, "2024-05-01T00:00:00.000000000Z");
    const rows = got.rows as number;
    assert.ok(
      rows >= acknowledgedBefore * 50,
      `${rows} rows hold every write acknowledged before the backup`,
    );
    assert.equal(rows % 50, 0, "no batch is half in the backup");
    const list = (await api.call("GET", "/v1/databases/source/backups")).body as { items: { id: string }[] };
    assert.deepEqual(
      list.items.map((b) => b.id),
      [backup.id],
    );
    await check?.(api, got);

    const restore = await api.call("POST", "/v1/databases", {
      name: "restored",
      size: "dev",
      restoreFrom: { database: "source", backup: backup.id },
    });
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    const restored = await ready(api, "restored");
    assert.equal((restored.storage as { stripes: number }).stripes, 2);
    const from = restored.restoredFrom as { jobId: string };
    const restoreJob = (await api.call("GET", `/v1/jobs/${from.jobId}`)).body as Record<string, unknown>;
    assert.equal(restoreJob.kind, "restore");
    assert.equal(restoreJob.status, "succeeded");
    const values = (await seqs(api, "restored")).sort((a, b) => a - b);
    assert.equal(values.length, rows);
    // exactly a prefix of the acknowledged sequence: batches 0..n-1, each whole
    const batches = rows / 50;
    assert.deepEqual(
      values,
      Array.from({ length: rows }, (_, i) => Math.floor(i / 50)),
    );
    assert.ok(batches >= acknowledgedBefore);
  });

  it("deletes a backup and its files; then it is 404", async () => {
    const list = (await api.call("GET", "/v1/databases/source/backups")).body as { items: { id: string }[] };
    const id = list.items[0]?.id as string;
    assert.equal((await api.call("DELETE", `/v1/databases/source/backups/${id}`)).status, 204);
    const gone = await api.call("GET", `/v1/databases/source/backups/${id}`);
    assert.equal(gone.status, 404);
    assert.equal((gone.body as { code: string }).code, "BACKUP_NOT_FOUND");
    const restore = await api.call("POST", "/v1/databases", {
      name: "again",
      restoreFrom: { database: "source", backup: id },
    });
    assert.equal(restore.status, 404);
  });
}

describe("backups and restore (local mode, backups in a directory)", function () {
  this.timeout(60_000);
  backupAndRestore(async () => ({}));
});

describe("backups and restore (local mode, backups in S3: moto)", function () {
  this.timeout(60_000);
  const bucket = `guru-backups-${randomBytes(3).toString("hex")}`;
  let s3: S3Client;
  let endpoint: string;
  backupAndRestore(
    async () => {
      const moto = await useService("moto");
      endpoint = `http://${moto.host}:${moto.port}`;
      s3 = new S3Client({ endpoint, forcePathStyle: true, ...testCredentials });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      return {
        GURU_API_BACKUP_STORAGE: "s3",
        GURU_API_BACKUP_BUCKET: bucket,
        GURU_API_BACKUP_PREFIX: "backups/",
        GURU_API_S3_ENDPOINT: endpoint,
        GURU_API_BACKUP_PART_MB: "5",
      };
    },
    async (api, backup) => {
      const accountId = (await api.call("GET", "/v1/whoami")).body as { accountId: string };
      const prefix = `backups/${accountId.accountId}/source/${backup.id}/`;
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => o.Key as string);
      assert.ok(keys.includes(`${prefix}manifest.json`), keys.join(", "));
      assert.equal(keys.length, (backup.files as number) + 1);
      for (const Key of keys) {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        assert.equal(head.ServerSideEncryption, "AES256", `${Key} is encrypted at rest`);
      }
    },
  );
});

describe("retention through the API", function () {
  this.timeout(60_000);
  let api: Api;
  let dir: string;

  before(async function () {
    this.timeout(60_000);
    dir = await mkdtemp(join(tmpdir(), "guru-retention-"));
    api = await startApi(dir, {});
  });
  after(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("shows the retention, its cutoff and the oldest retained time, and hides expired points", async () => {
    const created = await api.call("POST", "/v1/databases", {
      name: "aged",
      size: "dev",
      retention: { days: 3 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.deepEqual((created.body as { retention: unknown }).retention, { days: 3 });
    await ready(api, "aged");
    await api.call("POST", "/v1/databases/aged/series", {
      name: "cpu",
      tags: ["host"],
      fields: [{ name: "seq", type: "long" }],
    });
    const day = 86_400_000;
    const cutoffMs = (Math.floor(Date.now() / day) - 3) * day;
    const times = [cutoffMs - day, cutoffMs - 1, cutoffMs, Date.now() - 1000].map((t) =>
      String(BigInt(t) * 1_000_000n),
    );
    const write = await api.call("POST", "/v1/databases/aged/series/cpu/points", {
      columns: { time: times, host: ["a", "a", "a", "a"], seq: [1, 2, 3, 4] },
    });
    assert.equal(write.status, 200);
    assert.deepEqual((await seqs(api, "aged")).sort(), [3, 4]);
    const retention = (await api.call("GET", "/v1/databases/aged/retention")).body as Record<string, unknown>;
    assert.equal(retention.days, 3);
    assert.equal(retention.cutoff, `${new Date(cutoffMs).toISOString().slice(0, 19)}.000000000Z`);
    assert.equal(retention.oldestTime, retention.cutoff);

    const patched = await api.call("PATCH", "/v1/databases/aged", { retention: null });
    assert.equal(patched.status, 202, JSON.stringify(patched.body));
    const after = await ready(api, "aged");
    assert.equal(after.retention, null);
    const none = (await api.call("GET", "/v1/databases/aged/retention")).body as Record<string, unknown>;
    assert.equal(none.days, null);
    assert.equal(none.cutoff, null);
  });
});

describe("a backup over 5 MiB through S3 (moto): multipart with several parts, restored exactly", function () {
  this.timeout(180_000);
  const bucket = `guru-multipart-${randomBytes(3).toString("hex")}`;
  const ROWS = 320_000;
  const BATCH = 40_000;
  let api: Api;
  let dir: string;
  let s3: S3Client;

  before(async function () {
    this.timeout(90_000);
    const moto = await useService("moto");
    const endpoint = `http://${moto.host}:${moto.port}`;
    s3 = new S3Client({ endpoint, forcePathStyle: true, ...testCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    dir = await mkdtemp(join(tmpdir(), "guru-multipart-"));
    api = await startApi(dir, {
      GURU_API_BACKUP_STORAGE: "s3",
      GURU_API_BACKUP_BUCKET: bucket,
      GURU_API_S3_ENDPOINT: endpoint,
      GURU_API_BACKUP_PART_MB: "5",
      GURU_API_QUERY_MAX_ROWS: String(ROWS),
    });
  });
  after(async () => {
    await api?.close();
    s3?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores a file of 3 or more 5 MiB parts, encrypted, and restores every row", async () => {
    assert.equal(
      (await api.call("POST", "/v1/databases", { name: "big", size: "dev", storage: { stripes: 1 } })).status,
      202,
    );
    await ready(api, "big");
    await api.call("POST", "/v1/databases/big/series", {
      name: "blob",
      tags: [],
      fields: [
        { name: "seq", type: "long" },
        { name: "v", type: "float" },
        { name: "s", type: "string" },
      ],
    });
    // random strings and floats: what a store cannot compress, so the file is as large as the data
    const written = { seq: [] as string[], v: [] as number[], s: [] as string[] };
    for (let k = 0; k < ROWS; k += BATCH) {
      const seq = Array.from({ length: BATCH }, (_, i) => k + i);
      const v = seq.map(() => randomBytes(6).readUIntBE(0, 6) / 2 ** 20);
      const s = seq.map(() => randomBytes(24).toString("base64"));
      const res = await api.call("POST", "/v1/databases/big/series/blob/points", {
        columns: { time: seq.map((i) => String(BigInt(T0 + i) * 1_000_000n)), seq, v, s },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      written.seq.push(...seq.map(String));
      written.v.push(...v);
      written.s.push(...s);
    }
    const started = await api.call("POST", "/v1/databases/big/backups");
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { backup, job } = started.body as { backup: { id: string }; job: { id: string } };
    assert.equal((await jobDone(api, job.id)).status, "succeeded");
    const got = (await api.call("GET", `/v1/databases/big/backups/${backup.id}`)).body as {
      sizeBytes: number;
      rows: number;
    };
    assert.equal(got.rows, ROWS);
    assert.ok(got.sizeBytes > 5 * 1024 * 1024, `${got.sizeBytes} bytes`);

    const accountId = ((await api.call("GET", "/v1/whoami")).body as { accountId: string }).accountId;
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${accountId}/big/${backup.id}/` }),
    );
    const largest = (listed.Contents ?? []).reduce((a, b) => ((a.Size ?? 0) >= (b.Size ?? 0) ? a : b));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: largest.Key, PartNumber: 1 }));
    assert.ok(
      (head.PartsCount ?? 0) >= 3,
      `${largest.Key}: ${largest.Size} bytes in ${head.PartsCount} parts`,
    );
    assert.equal(head.ContentLength, 5 * 1024 * 1024, "each part but the last is GURU_API_BACKUP_PART_MB");
    assert.equal(head.ServerSideEncryption, "AES256");

    const restore = await api.call("POST", "/v1/databases", {
      name: "big-again",
      size: "dev",
      restoreFrom: { database: "big", backup: backup.id },
    });
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    await ready(api, "big-again");
    const res = await api.call(
      "GET",
      `/v1/databases/big-again/series/blob/query?columns=seq,v,s&limit=${ROWS}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    const values = (res.body as { values: typeof written }).values;
    assert.equal(values.seq.length, ROWS);
    assert.ok(
      values.seq.every((x, i) => x === written.seq[i]) &&
        values.v.every((x, i) => x === written.v[i]) &&
        values.s.every((x, i) => x === written.s[i]),
      "every row restored as written",
    );
  });
});
