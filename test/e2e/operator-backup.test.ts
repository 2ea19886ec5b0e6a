/**
 * KdbBackup on the real local control plane, with the operator in process on a token bound only
 * by operator/rbac.yaml: a backup waits for its database, then runs as a Job the KdbBackup owns,
 * and its status follows the Job's. The Job's pod does not run the backup program here (no real
 * kubelet, no image): kwok plays the kubelet and takes a Job's pod straight to Succeeded (its
 * pod-complete stage), and the real Job controller then completes the Job. So a failed container
 * cannot be staged without racing kwok; the failure tested is a Job deleted before it finished.
 * No S3 is written: what the backup program does is the API's suites' concern. A database with
 * spec.bootstrap.fromBackup waits for a Completed backup, then gets the restore init container.
 */
import { strict as assert } from "node:assert";
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
} from "@kubernetes/client-node";
import { pino } from "pino";
import {
  BACKUP_PLURAL,
  KDB_PLURAL,
  type KdbBackup,
  type KdbBackupSpecInput,
  type KdbDatabase,
  kdbBackupManifest,
  kdbDatabaseManifest,
} from "../../crds/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { kdbRef, refusal, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const ROLE_ARN = "arn:aws:iam::123456789012:role/guru-backup";

describe("e2e: guru-operator runs KdbBackups as Jobs", function () {
  this.timeout(120_000);
  const ns = useTestNamespace("operator-backup");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  useOperator(ns, {
    log,
    config: { identity: "e2e-backup", backupImage: "ghcr.io/time-series-guru/guru-api:e2e" },
  });
  let custom: CustomObjectsApi;
  let batch: BatchV1Api;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async function () {
    this.timeout(30_000);
    const { kubeConfig } = ns.cluster;
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    batch = kubeConfig.makeApiClient(BatchV1Api);
    core = kubeConfig.makeApiClient(CoreV1Api);
    apps = kubeConfig.makeApiClient(AppsV1Api);
    // the service account whose IAM role may write the bucket (IRSA's annotation)
    await core.createNamespacedServiceAccount({
      namespace: ns.name,
      body: {
        metadata: { name: "guru-backup", annotations: { "eks.amazonaws.com/role-arn": ROLE_ARN } },
      },
    });
  });
  const ref = (plural: string, name: string) => kdbRef(ns.name, name, plural);
  const createDatabase = (name: string) =>
    custom.createNamespacedCustomObject({
      ...ref(KDB_PLURAL, ""),
      body: kdbDatabaseManifest(name, ns.name, { storage: { stripes: 2, size: "10Gi" } }),
    });
  const createBackup = (name: string, spec: KdbBackupSpecInput) =>
    custom.createNamespacedCustomObject({
      ...ref(BACKUP_PLURAL, ""),
      body: kdbBackupManifest(name, ns.name, spec),
    });
  const readBackup = async (name: string) =>
    (await custom.getNamespacedCustomObject(ref(BACKUP_PLURAL, name))) as KdbBackup;
  const backupWhere = (name: string, what: string, ok: (b: KdbBackup) => boolean, timeoutMs = 60_000) =>
    eventually(`${name}: ${what}`, timeoutMs, async () => {
      const b = await readBackup(name);
      return b.status?.observedGeneration === b.metadata.generation && ok(b) ? b : undefined;
    });
  const conditionOf = (b: KdbBackup, type: string) => b.status?.conditions?.find((c) => c.type === type);
  const jobOf = (backup: string) => batch.readNamespacedJob({ name: `${backup}-backup`, namespace: ns.name });
  const s3 = { bucket: "guru-backups", prefix: "team-a/", region: "eu-west-1" };

  it("waits for a missing database, then runs a Job it owns, and completes with the Job", async () => {
    await createBackup("nightly", { database: "ledger", s3 });
    const waiting = await backupWhere(
      "nightly",
      "Pending: no database",
      (b) => b.status?.phase === "Pending",
    );
    assert.equal(conditionOf(waiting, "Completed")?.reason, "DatabaseNotFound");
    assert.equal(conditionOf(waiting, "Failed")?.status, "False");
    assert.equal((await refusal(jobOf("nightly"))).code, 404, "no Job before the database exists");

    await createDatabase("ledger");
    const done = await backupWhere("nightly", "Completed", (b) => b.status?.phase === "Completed", 90_000);
    assert.equal(conditionOf(done, "Completed")?.status, "True");
    assert.equal(conditionOf(done, "Failed")?.status, "False");
    assert.equal(done.status?.job, "nightly-backup");
    assert.equal(done.status?.location, `s3://guru-backups/team-a/${ns.name}/ledger/nightly/`);
    assert.ok(done.status?.startedAt && done.status?.completedAt);

    const job: V1Job = await jobOf("nightly");
    assert.ok(job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"));
    const owner = job.metadata?.ownerReferences?.[0];
    assert.deepEqual(
      [owner?.kind, owner?.name, owner?.uid, owner?.controller, owner?.blockOwnerDeletion],
      ["KdbBackup", "nightly", done.metadata.uid, true, true],
    );
    assert.equal(job.spec?.backoffLimit, 0);
    const pod = job.spec?.template.spec;
    assert.equal(pod?.serviceAccountName, "guru-backup");
    assert.equal(pod?.restartPolicy, "Never");
    const container = pod?.containers[0];
    assert.equal(container?.image, "ghcr.io/time-series-guru/guru-api:e2e");
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.GURU_BACKUP_ENDPOINT, `ledger.${ns.name}.svc:5000`);
    // what the manifest records of the database (no account label: not made by the API)
    assert.deepEqual(
      [env.GURU_BACKUP_DATABASE, env.GURU_BACKUP_ENGINE, env.GURU_BACKUP_STRIPES, env.GURU_BACKUP_ACCOUNT_ID],
      ["ledger", "guru-engine", "2", undefined],
    );
    assert.equal(env.GURU_BACKUP_S3_BUCKET, "guru-backups");
    assert.equal(env.GURU_BACKUP_S3_PREFIX, `team-a/${ns.name}/ledger/nightly/`);
    assert.equal(env.AWS_REGION, "eu-west-1");
    assert.deepEqual(JSON.parse(JSON.stringify(env.GURU_BACKUP_PASSWORD)), {
      secretKeyRef: { name: "ledger-credentials", key: "password" },
    });
    // the database's NetworkPolicy admits the backup pod, which its own selector does not match
    const labels = job.spec?.template.metadata?.labels ?? {};
    assert.equal(labels["timeseries.guru/backup-of"], "ledger");
    assert.equal(labels["timeseries.guru/database"], undefined);

    const events = await ns.cluster.kubeConfig
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: ns.name, fieldSelector: "regarding.name=nightly" });
    const reasons = events.items.map((e) => e.reason);
    assert.ok(reasons.includes("Started") && reasons.includes("Completed"), reasons.join(" "));
  });

  it("reports a Job whose pod cannot start as pending, and fails when that Job is deleted", async () => {
    // no such service account: the API server refuses the Job's pod, so the Job never starts
    await createBackup("stuck", { database: "ledger", s3, serviceAccountName: "no-such-account" });
    const pending = await backupWhere("stuck", "its Job created", (b) => b.status?.job === "stuck-backup");
    assert.equal(pending.status?.phase, "Pending");
    assert.equal(conditionOf(pending, "Completed")?.reason, "JobPending");
    await batch.deleteNamespacedJob({
      name: "stuck-backup",
      namespace: ns.name,
      propagationPolicy: "Background",
    });
    const failed = await backupWhere("stuck", "Failed", (b) => b.status?.phase === "Failed");
    assert.equal(conditionOf(failed, "Failed")?.status, "True");
    assert.equal(conditionOf(failed, "Failed")?.reason, "JobDeleted");
    // final: no second Job runs under this backup's name
    assert.equal((await refusal(jobOf("stuck"))).code, 404);
  });

  it("refuses a spec change and an invalid destination", async () => {
    const changed = await refusal(
      custom.patchNamespacedCustomObject(
        { ...ref(BACKUP_PLURAL, "nightly"), body: { spec: { database: "other" } } },
        mergePatch,
      ),
    );
    assert.equal(changed.code, 422);
    assert.match(changed.message, /spec is immutable/);
    const bad = await refusal(createBackup("bad", { database: "ledger", s3: { bucket: "Not_A_Bucket" } }));
    assert.equal(bad.code, 422);
    assert.match(bad.message, /spec\.s3\.bucket/);
  });

  it("starts a database from a Completed backup only, with a restore init container", async () => {
    const create = (name: string, backup: string) =>
      custom.createNamespacedCustomObject({
        ...ref(KDB_PLURAL, ""),
        body: kdbDatabaseManifest(name, ns.name, {
          storage: { stripes: 2, size: "10Gi" },
          bootstrap: { fromBackup: { name: backup } },
        }),
      });
    const database = (name: string, ok: (db: KdbDatabase) => boolean) =>
      eventually(`${name}: status`, 60_000, async () => {
        const db = (await custom.getNamespacedCustomObject(ref(KDB_PLURAL, name))) as KdbDatabase;
        return db.status?.observedGeneration === db.metadata.generation && ok(db) ? db : undefined;
      });
    const degraded = (db: KdbDatabase) => db.status?.conditions?.find((c) => c.type === "Degraded")?.reason;
    await create("from-missing", "no-such-backup");
    await create("from-failed", "stuck");
    await create("from-nightly", "nightly");
    await database("from-missing", (db) => degraded(db) === "BackupNotFound");
    await database("from-failed", (db) => degraded(db) === "BackupNotCompleted");
    for (const waiting of ["from-missing", "from-failed"])
      assert.equal(
        (await refusal(apps.readNamespacedStatefulSet({ name: waiting, namespace: ns.name }))).code,
        404,
      );

    await database("from-nightly", (db) => db.status?.phase === "Ready");
    const sts = await apps.readNamespacedStatefulSet({ name: "from-nightly", namespace: ns.name });
    const pod = sts.spec?.template.spec;
    assert.equal(pod?.serviceAccountName, "guru-backup");
    const restore = pod?.initContainers?.[0];
    assert.equal(restore?.name, "restore");
    const env = Object.fromEntries((restore?.env ?? []).map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      GURU_RESTORE_S3_BUCKET: "guru-backups",
      GURU_RESTORE_S3_PREFIX: `team-a/${ns.name}/ledger/nightly/`,
      GURU_RESTORE_STRIPES: "/data/stripe-0/db /data/stripe-1/db",
      GURU_RESTORE_ENGINE: "guru-engine",
      AWS_REGION: "eu-west-1",
    });
    assert.deepEqual(
      restore?.volumeMounts?.map((m) => m.mountPath),
      ["/data/stripe-0", "/data/stripe-1"],
    );

    const late = await refusal(
      custom.patchNamespacedCustomObject(
        { ...ref(KDB_PLURAL, "ledger"), body: { spec: { bootstrap: { fromBackup: { name: "nightly" } } } } },
        mergePatch,
      ),
    );
    assert.equal(late.code, 422);
    assert.match(late.message, /bootstrap is set at creation only/);
  });

  it("deletes its Job with the KdbBackup (owner reference, garbage collector)", async () => {
    await custom.deleteNamespacedCustomObject({
      ...ref(BACKUP_PLURAL, "nightly"),
      propagationPolicy: "Foreground",
    });
    await eventually(
      "the Job gone",
      60_000,
      async () => (await refusal(jobOf("nightly"))).code === 404 || undefined,
    );
  });
});
