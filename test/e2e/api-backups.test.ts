/**
 * guru-api's backups in cloud mode against the local control plane: the REST backup of a
 * database is a KdbBackup (written as a service account with only the API's rights) that the
 * backup job follows; its status is written here through the status subresource as guru-operator
 * would, and its objects put in S3 (moto) as the Job's program would (manifest last). A completed
 * KdbBackup gives a succeeded backup with the manifest's files, size and checksum; a failed one a
 * failed backup with the Job's reason, and its KdbBackup deleted; `restoreFrom` writes a
 * KdbDatabase with spec.bootstrap.fromBackup, and its restore job is recorded once it is ready;
 * deleting the backup deletes its KdbBackup and objects.
 */
import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { pino } from "pino";
import request from "supertest";
import { createAdminToken } from "../../api/src/bootstrap.js";
import { loadConfig } from "../../api/src/config.js";
import { KubernetesProvisioner } from "../../api/src/provisioning/kubernetes-provisioner.js";
import { type ApiRuntime, createRuntime } from "../../api/src/server.js";
import { BACKUP_PLURAL, KDB_PLURAL, type KdbBackup, type KdbDatabase } from "../../crds/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { testCredentials, useService } from "../services/index.js";
import { cloudApiEnv } from "../support/cloud-api-env.js";
import { eventually } from "../support/eventually.js";
import { apiKubeConfig, installKdbCrd, kdbRef } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const BUCKET_PREFIX = "prod/";
const LEASE_MS = 1500;

describe("e2e: guru-api's backups as KdbBackups (cloud mode, S3: moto)", function () {
  this.timeout(90_000);
  const ns = useTestNamespace("api-backups");
  const bucket = `guru-api-kdbbackups-${randomBytes(3).toString("hex")}`;
  let custom: CustomObjectsApi;
  let s3: S3Client;
  let runtime: ApiRuntime;
  let auth: { Authorization: string };
  let accountId: string;
  let startApi: (instanceId: string) => Promise<ApiRuntime>;
  let other: ApiRuntime | undefined;

  before(async function () {
    this.timeout(120_000);
    const { kubeConfig } = ns.cluster;
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    await installKdbCrd(kubeConfig, "e2e-api-backups");
    const asApi = await apiKubeConfig(ns, "e2e-api-backups");

    const moto = await useService("moto");
    const motoUrl = `http://${moto.host}:${moto.port}`;
    s3 = new S3Client({ endpoint: motoUrl, forcePathStyle: true, ...testCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const table = `guru-e2e-backups-${Date.now()}`;
    /** An API instance; every one shares the catalog, the cluster and the bucket. */
    startApi = async (instanceId: string) => {
      const config = loadConfig({
        ...(await cloudApiEnv(table)),
        GURU_API_INSTANCE_ID: instanceId,
        GURU_API_KUBECONFIGS: "us-east-1=unused",
        GURU_API_RECONCILE_INTERVAL_MS: "100",
        GURU_API_JOB_LEASE_MS: String(LEASE_MS),
        GURU_API_BACKUP_BUCKET: bucket,
        GURU_API_BACKUP_PREFIX: BUCKET_PREFIX,
        GURU_API_S3_ENDPOINT: motoUrl,
      });
      let started: ApiRuntime | undefined;
      const provisioner = new KubernetesProvisioner({
        clusters: { "us-east-1": asApi },
        namespace: ns.name,
        storageClass: ns.cluster.storageClass,
        kdbLicenseSecret: undefined,
        logger: pino({ level: "silent" }),
        backups: { bucket, prefix: BUCKET_PREFIX, region: "us-east-1" },
        restored: (db) => (started as ApiRuntime).services.restores.bootstrapped(db),
      });
      started = await createRuntime(config, { provisioner, awsCredentials: testCredentials.credentials });
      return started;
    };
    runtime = await startApi("api-a");
    const admin = await createAdminToken(runtime.services, { accountName: "e2e" });
    auth = { Authorization: `Bearer ${admin.token}` };
    accountId = admin.accountId;
  });

  after(async () => {
    await runtime?.close();
    await other?.close();
    s3?.destroy();
  });

  const ref = (plural: string, name: string) => kdbRef(ns.name, name, plural);
  const api = () => request(runtime.app);
  const readDatabase = async (name: string) =>
    (await custom.getNamespacedCustomObject(ref(KDB_PLURAL, name))) as KdbDatabase;
  const readBackup = async (name: string) =>
    (await custom.getNamespacedCustomObject(ref(BACKUP_PLURAL, name))) as KdbBackup;
  const gone = (name: string) =>
    eventually(`KdbBackup ${name} deleted`, 20_000, async () => {
      try {
        await readBackup(name);
        return undefined;
      } catch (err) {
        return err instanceof ApiException && err.code === 404 ? true : undefined;
      }
    });
  /** What guru-operator writes once a database serves. */
  const reportReady = async (name: string) => {
    const db = await eventually(`KdbDatabase ${name} written`, 20_000, () => readDatabase(name));
    const at = new Date().toISOString();
    const condition = (type: string, status: string, reason: string) => ({
      type,
      status,
      reason,
      message: reason,
      lastTransitionTime: at,
    });
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...ref(KDB_PLURAL, name),
        body: {
          status: {
            observedGeneration: db.metadata.generation,
            phase: "Ready",
            conditions: [
              condition("Ready", "True", "Available"),
              condition("Progressing", "False", "Reconciled"),
            ],
          },
        },
      },
      mergePatch,
    );
    return db;
  };
  /** What guru-operator writes of a KdbBackup, following its Job. */
  const reportBackup = async (
    name: string,
    phase: "Running" | "Completed" | "Failed",
    failed?: { reason: string; message: string },
  ) => {
    const at = new Date().toISOString();
    const condition = (type: string, on: boolean, reason: string, message: string) => ({
      type,
      status: on ? "True" : "False",
      reason,
      message,
      lastTransitionTime: at,
    });
    const backup = await readBackup(name);
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...ref(BACKUP_PLURAL, name),
        body: {
          status: {
            observedGeneration: backup.metadata.generation,
            phase,
            job: `${name}-backup`,
            conditions: [
              condition(
                "Completed",
                phase === "Completed",
                phase === "Completed" ? "JobComplete" : "JobRunning",
                phase,
              ),
              condition(
                "Failed",
                phase === "Failed",
                failed?.reason ?? "JobRunning",
                failed?.message ?? phase,
              ),
            ],
          },
        },
      },
      mergePatch,
    );
  };
  /** What the Job's program stores: two segment files, then the manifest. */
  const storeBackup = async (prefix: string, backup: string) => {
    const files = [
      { name: "segment-0/2024.05.01/trades/size", body: randomBytes(3000) },
      { name: "segment-1/2024.05.02/trades/size", body: randomBytes(1000) },
    ];
    for (const f of files)
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + f.name, Body: f.body }));
    const manifest = Buffer.from(
      JSON.stringify({
        version: 1,
        backup,
        database: `${accountId}-orders`,
        accountId,
        engine: "guru-engine",
        stripes: 2,
        segments: 2,
        at: "768787200000000000",
        writes: "12",
        rows: "4000",
        firstTime: "767836800000000000",
        lastTime: "768787199000000000",
        files: files.map((f) => ({
          name: f.name,
          bytes: f.body.length,
          sha256: createHash("sha256").update(f.body).digest("hex"),
        })),
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}manifest.json`, Body: manifest }));
    return { bytes: 4000 + manifest.length, checksum: createHash("sha256").update(manifest).digest("hex") };
  };
  const keys = async (prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key as string,
    );
  const backupWhere = (id: string, status: string) =>
    eventually(`backup ${id} ${status}`, 20_000, async () => {
      const res = await api().get(`/v1/databases/orders/backups/${id}`).set(auth);
      return res.body.status === status ? res.body : undefined;
    });
  const startBackup = async () => {
    const res = await api().post("/v1/databases/orders/backups").set(auth);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return { id: res.body.backup.id as string, jobId: res.body.job.id as string };
  };

  it("backs up as a KdbBackup it follows to completion, restores with bootstrap.fromBackup, deletes both", async () => {
    const created = await api()
      .post("/v1/databases")
      .set(auth)
      .send({ name: "orders", size: "small", storage: { stripes: 2, stripeSizeGiB: 20 } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await reportReady(`${accountId}-orders`);
    await eventually("orders ready", 20_000, async () =>
      (await api().get("/v1/databases/orders").set(auth)).body.status === "ready" ? true : undefined,
    );

    const { id, jobId } = await startBackup();
    const name = `${accountId}-${id}`;
    const written = await eventually("the KdbBackup written", 20_000, () => readBackup(name));
    assert.deepEqual(written.spec.database, `${accountId}-orders`);
    assert.deepEqual(written.spec.s3, { bucket, prefix: BUCKET_PREFIX, region: "us-east-1" });
    assert.equal(written.metadata.labels?.["timeseries.guru/account"], accountId);
    assert.equal(written.metadata.labels?.["timeseries.guru/database"], "orders");

    await reportBackup(name, "Running");
    const job = async () => (await api().get(`/v1/jobs/${jobId}`).set(auth)).body;
    assert.equal((await job()).status, "running");
    assert.equal((await backupWhere(id, "running")).sizeBytes, 0);
    // the Job's objects: under the KdbBackup's location, which the operator reports
    const prefix = `${BUCKET_PREFIX}${ns.name}/${accountId}-orders/${name}/`;
    const stored = await storeBackup(prefix, name);
    await reportBackup(name, "Completed");
    const done = await backupWhere(id, "succeeded");
    assert.deepEqual(
      [done.sizeBytes, done.files, done.rows, done.checksum, done.engine, done.stripes],
      [stored.bytes, 2, 4000, stored.checksum, "guru-engine", 2],
    );
    assert.equal(done.coversWritesBefore, "2024-05-12T00:00:00.000Z");
    assert.deepEqual(done.timeRange, {
      first: "2024-05-01T00:00:00.000000000Z",
      last: "2024-05-11T23:59:59.000000000Z",
    });
    const finished = await job();
    assert.equal(finished.status, "succeeded");
    assert.deepEqual(finished.progress, { filesDone: 2, filesTotal: 2, bytesDone: 4000, bytesTotal: 4000 });

    // restore into a new database: its KdbDatabase starts from the KdbBackup
    const restored = await api()
      .post("/v1/databases")
      .set(auth)
      .send({ name: "orders-copy", size: "small", restoreFrom: { database: "orders", backup: id } });
    assert.equal(restored.status, 202, JSON.stringify(restored.body));
    const copy = await reportReady(`${accountId}-orders-copy`);
    assert.deepEqual(copy.spec.bootstrap, { fromBackup: { name } });
    assert.equal(copy.spec.storage.stripes, 2);
    const ready = await eventually("orders-copy ready", 20_000, async () => {
      const res = await api().get("/v1/databases/orders-copy").set(auth);
      return res.body.status === "ready" ? res.body : undefined;
    });
    const restoreJob = (await api().get(`/v1/jobs/${ready.restoredFrom.jobId}`).set(auth)).body;
    assert.deepEqual(
      [
        restoreJob.kind,
        restoreJob.status,
        restoreJob.backup,
        restoreJob.rowsWritten,
        restoreJob.progress.filesDone,
      ],
      ["restore", "succeeded", id, 4000, 2],
    );

    assert.equal((await api().delete(`/v1/databases/orders/backups/${id}`).set(auth)).status, 204);
    await gone(name);
    assert.deepEqual(await keys(prefix), []);
  });

  it("fails the backup with the Job's reason when its KdbBackup fails, and deletes it and its objects", async () => {
    const { id } = await startBackup();
    const name = `${accountId}-${id}`;
    await eventually("the KdbBackup written", 20_000, () => readBackup(name));
    const prefix = `${BUCKET_PREFIX}${ns.name}/${accountId}-orders/${name}/`;
    // a Job killed at its deadline leaves data files and no manifest
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}segment-0/x`, Body: "partial" }));
    await reportBackup(name, "Failed", {
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
    });
    const failed = await backupWhere(id, "failed");
    assert.match(failed.error, /DeadlineExceeded: Job was active longer than specified deadline/);
    await gone(name);
    assert.deepEqual(await keys(prefix), []);
    const refused = await api()
      .post("/v1/databases")
      .set(auth)
      .send({ name: "from-failed", size: "small", restoreFrom: { database: "orders", backup: id } });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, "BACKUP_NOT_RESTORABLE");
  });

  it("leaves a running backup to another instance when it stops, which follows it to completion", async () => {
    const { id, jobId } = await startBackup();
    const name = `${accountId}-${id}`;
    await eventually("the KdbBackup written", 20_000, () => readBackup(name));
    await reportBackup(name, "Running");
    await runtime.close();
    assert.equal((await readBackup(name)).metadata.name, name, "its KdbBackup runs on");
    other = await startApi("api-b");
    const b = () => request((other as ApiRuntime).app);
    // api-b's sweeper takes the job once api-a's lease ran out, and follows the KdbBackup
    await eventually("api-b holds the job", 20_000, async () => {
      const stored = await (other as ApiRuntime).services.jobs.getStored(accountId, jobId);
      return stored?.lease?.owner === "api-b" ? true : undefined;
    });
    const prefix = `${BUCKET_PREFIX}${ns.name}/${accountId}-orders/${name}/`;
    const stored = await storeBackup(prefix, name);
    await reportBackup(name, "Completed");
    const done = await eventually("the backup succeeded", 20_000, async () => {
      const res = await b().get(`/v1/databases/orders/backups/${id}`).set(auth);
      return res.body.status === "succeeded" ? res.body : undefined;
    });
    assert.equal(done.sizeBytes, stored.bytes);
    const job = (await b().get(`/v1/jobs/${jobId}`).set(auth)).body;
    assert.deepEqual([job.status, job.error], ["succeeded", null]);
  });
});
