/**
 * guru-operator against the real local control plane (test/cluster): the checked-in CRD applied,
 * the operator run in this process with a service-account token bound only by operator/rbac.yaml
 * (a missing permission fails the suite), and KdbDatabases taken through their life: refused
 * when invalid, created, updated, grown, paused, hibernated and woken, deleted with and without
 * their volumes. kube-controller-manager runs the real StatefulSet, PV and garbage-collection
 * controllers; kwok plays the EC2 nodes' kubelets; the harness plays the EBS CSI driver.
 */
import { strict as assert } from "node:assert";
import { get as httpGet } from "node:http";
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { type KdbDatabase, type KdbDatabaseSpecInput, kdbDatabaseManifest } from "../../crds/src/index.js";
import { operatorConfig, startOperator } from "../../operator/src/index.js";
import { NODE_LABELS, rawRequest, useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { ManualClock } from "../unit/operator/manual-clock.js";
import { kdbRef, refusal, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const gone = async (read: Promise<unknown>) => (await refusal(read)).code === 404 || undefined;

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("e2e: guru-operator reconciles KdbDatabases on the local control plane", function () {
  this.timeout(60_000);
  const ns = useTestNamespace("operator");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  // as in a cluster: every namespace watched, a Lease, health and metrics served
  const settings = {
    identity: "e2e-operator-1",
    watchNamespace: undefined,
    leaderElection: true,
    httpHost: "127.0.0.1",
    httpPort: 0,
    leaseDurationSeconds: 6,
    renewDeadlineSeconds: 4,
    retryPeriodSeconds: 1,
    workers: 4,
  };
  const suite = useOperator(ns, { log, config: settings, httpServer: true });
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operatorCore: CoreV1Api;

  before(async function () {
    this.timeout(30_000);
    const { kubeConfig } = ns.cluster;
    core = kubeConfig.makeApiClient(CoreV1Api);
    apps = kubeConfig.makeApiClient(AppsV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    operatorCore = suite.kubeConfig.makeApiClient(CoreV1Api);
    await eventually("the operator leading", 20_000, async () => suite.operator?.isLeader() || undefined);
  });

  const ref = (name: string) => kdbRef(ns.name, name);
  const create = (name: string, spec: KdbDatabaseSpecInput) =>
    custom.createNamespacedCustomObject({ ...ref(""), body: kdbDatabaseManifest(name, ns.name, spec) });
  const read = async (name: string) => (await custom.getNamespacedCustomObject(ref(name))) as KdbDatabase;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...ref(name), body: { spec } }, mergePatch);
  const conditionOf = (db: KdbDatabase, type: string) => db.status?.conditions?.find((c) => c.type === type);
  /** the database once its status describes its current generation and `ok` holds */
  const status = (name: string, what: string, ok: (db: KdbDatabase) => boolean, timeoutMs = 45_000) =>
    eventually(`${name}: ${what}`, timeoutMs, async () => {
      const db = await read(name);
      return db.status?.observedGeneration === db.metadata.generation && ok(db) ? db : undefined;
    });
  const readyDb = (name: string) =>
    status(
      name,
      "Ready",
      (db) => db.status?.phase === "Ready" && conditionOf(db, "Ready")?.status === "True",
    );
  const pod = (name: string) => core.readNamespacedPod({ name: `${name}-0`, namespace: ns.name });
  const claims = async (name: string): Promise<V1PersistentVolumeClaim[]> =>
    (
      await core.listNamespacedPersistentVolumeClaim({
        namespace: ns.name,
        labelSelector: `timeseries.guru/database=${name}`,
      })
    ).items;
  const eventReasons = async (name: string) => {
    const events = await ns.cluster.kubeConfig
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: ns.name, fieldSelector: `regarding.name=${name}` });
    return events.items
      .filter((e) => e.reportingController === "timeseries.guru/guru-operator")
      .map((e) => e.reason ?? "");
  };

  describe("validation by the API server", () => {
    it("refuses specs the schema or its CEL rules reject", async () => {
      const invalid: [string, KdbDatabaseSpecInput, RegExp][] = [
        ["zero-stripes", { storage: { stripes: 0, size: "10Gi" } }, /spec\.storage\.stripes/],
        ["many-stripes", { storage: { stripes: 17, size: "10Gi" } }, /spec\.storage\.stripes/],
        ["bad-size", { storage: { stripes: 1, size: "ten gigs" } }, /spec\.storage\.size/],
        ["tiny", { storage: { stripes: 1, size: "100Mi" } }, /between 1Gi and 64Ti/],
        ["no-licence", { engine: "kdb", storage: { stripes: 1, size: "10Gi" } }, /needs licenseSecret/],
        [
          "bad-engine",
          { engine: "postgres" as never, storage: { stripes: 1, size: "10Gi" } },
          /spec\.engine/,
        ],
      ];
      for (const [name, spec, message] of invalid) {
        const refused = await refusal(create(name, spec));
        assert.equal(refused.code, 422, name);
        assert.match(refused.message, message, name);
      }
      const longName = await refusal(create("a".repeat(53), { storage: { stripes: 1, size: "10Gi" } }));
      assert.match(longName.message, /at most 52 characters/);
    });

    it("refuses shrinking a stripe, changing the stripe count, storage class or engine", async () => {
      await create("immutable", { storage: { stripes: 2, size: "20Gi" }, paused: true });
      const changes: [Record<string, unknown>, RegExp][] = [
        [{ storage: { size: "10Gi" } }, /storage\.size can only grow/],
        [{ storage: { stripes: 3 } }, /storage\.stripes is immutable/],
        [{ storage: { storageClassName: "io2" } }, /storage\.storageClassName is immutable/],
        [{ engine: "kdb", licenseSecret: { name: "licence" } }, /engine is immutable/],
      ];
      for (const [spec, message] of changes) {
        const refused = await refusal(patchSpec("immutable", spec));
        assert.equal(refused.code, 422, JSON.stringify(spec));
        assert.match(refused.message, message);
      }
      await patchSpec("immutable", { storage: { size: "30Gi" } }); // growing is allowed
      const db = await status("immutable", "paused", (d) => conditionOf(d, "Paused")?.status === "True");
      assert.equal(db.status?.phase, "Paused");
      assert.equal(
        (await refusal(apps.readNamespacedStatefulSet({ name: "immutable", namespace: ns.name }))).code,
        404,
      );
    });
  });

  describe("a 4-stripe database", () => {
    let firstPod: V1Pod;

    it("becomes a StatefulSet with four claim templates on the requested node group, Ready with an endpoint", async function () {
      this.timeout(90_000);
      await create("trades", {
        storage: { stripes: 4, size: "10Gi" },
        compute: {
          nodeGroup: "kdb-large",
          instanceTypes: ["r5.8xlarge"],
          resources: { requests: { cpu: 2, memory: "8Gi" } },
        },
      });
      const db = await readyDb("trades");
      assert.equal(db.status?.endpoint, `trades.${ns.name}.svc:5000`);
      assert.equal(db.status?.readyReplicas, 1);
      assert.equal(db.status?.storage?.provisioned, "10Gi");
      assert.equal(db.status?.storage?.total, "40Gi");
      assert.deepEqual(
        db.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
        [
          ["Ready", "True", "Available"],
          ["Progressing", "False", "Reconciled"],
          ["Degraded", "False", "AsExpected"],
          ["StorageResizing", "False", "VolumesMatch"],
          ["Paused", "False", "Reconciling"],
        ],
      );

      const sts = await apps.readNamespacedStatefulSet({ name: "trades", namespace: ns.name });
      assert.deepEqual(
        sts.spec?.volumeClaimTemplates?.map((t) => [t.metadata?.name, t.spec?.resources?.requests?.storage]),
        [0, 1, 2, 3].map((i) => [`stripe-${i}`, "10Gi"]),
      );
      assert.deepEqual(
        sts.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.controller]),
        [["KdbDatabase", "trades", true]],
      );
      firstPod = await pod("trades");
      const node = await core.readNode({ name: firstPod.spec!.nodeName! });
      assert.equal(node.metadata?.labels?.[NODE_LABELS.nodeGroup], "kdb-large");
      assert.equal(node.metadata?.labels?.[NODE_LABELS.instanceType], "r5.8xlarge");
      const volumes = await claims("trades");
      assert.deepEqual(volumes.map((c) => [c.metadata?.name, c.status?.phase]).sort(), [
        ["stripe-0-trades-0", "Bound"],
        ["stripe-1-trades-0", "Bound"],
        ["stripe-2-trades-0", "Bound"],
        ["stripe-3-trades-0", "Bound"],
      ]);
    });

    it("owns a ConfigMap with par.txt, Services, a generated credentials Secret, a PDB and a NetworkPolicy", async () => {
      const configMap = await core.readNamespacedConfigMap({ name: "trades-config", namespace: ns.name });
      assert.equal(
        configMap.data?.["par.txt"],
        "/data/stripe-0/db\n/data/stripe-1/db\n/data/stripe-2/db\n/data/stripe-3/db\n",
      );
      assert.equal(
        configMap.data?.GURU_SEGMENTS,
        "/data/stripe-0/db,/data/stripe-1/db,/data/stripe-2/db,/data/stripe-3/db",
      );
      const headless = await core.readNamespacedService({ name: "trades-hl", namespace: ns.name });
      assert.equal(headless.spec?.clusterIP, "None");
      const client = await core.readNamespacedService({ name: "trades", namespace: ns.name });
      assert.deepEqual(
        client.spec?.ports?.map((p) => p.port),
        [5000, 8081],
      );
      const secret = await core.readNamespacedSecret({ name: "trades-credentials", namespace: ns.name });
      const file = Buffer.from(secret.data!.credentials!, "base64").toString();
      assert.match(file, /^guru:[A-Za-z0-9_-]{32}\n$/);
      const pdb = await ns.cluster.kubeConfig
        .makeApiClient(PolicyV1Api)
        .readNamespacedPodDisruptionBudget({ name: "trades", namespace: ns.name });
      assert.equal(pdb.spec?.maxUnavailable, 0);
      const policy = await ns.cluster.kubeConfig
        .makeApiClient(NetworkingV1Api)
        .readNamespacedNetworkPolicy({ name: "trades", namespace: ns.name });
      assert.deepEqual(policy.spec?.ingress?.[0]?._from?.[0]?.podSelector?.matchLabels, {
        "app.kubernetes.io/name": "guru-api",
      });
      for (const owned of [configMap, headless, client, secret, pdb, policy])
        assert.equal(owned.metadata?.ownerReferences?.[0]?.name, "trades", owned.metadata?.name);
      const reasons = await eventReasons("trades");
      for (const reason of ["CredentialsGenerated", "Created", "Ready"])
        assert.ok(reasons.includes(reason), reason);
    });

    it("rolls the pod when the image changes", async function () {
      this.timeout(60_000);
      await patchSpec("trades", { image: "registry.example/guru-engine:0.2.0" });
      const db = await status(
        "trades",
        "Ready on the new image",
        (d) => d.status?.image === "registry.example/guru-engine:0.2.0" && d.status?.phase === "Ready",
      );
      assert.equal(conditionOf(db, "Ready")?.status, "True");
      const rolled = await eventually("the pod recreated on the new image", 30_000, async () => {
        const p = await pod("trades");
        return p.metadata?.uid !== firstPod.metadata?.uid && p.spec?.containers[0]?.image === db.status?.image
          ? p
          : undefined;
      });
      firstPod = rolled;
    });

    it("grows every stripe, reports it, and replaces the StatefulSet without restarting the pod", async function () {
      this.timeout(90_000);
      const before = await apps.readNamespacedStatefulSet({ name: "trades", namespace: ns.name });
      const podBefore = await pod("trades");
      await patchSpec("trades", { storage: { size: "20Gi" } });
      const db = await status(
        "trades",
        "volumes grown",
        (d) =>
          d.status?.storage?.provisioned === "20Gi" &&
          conditionOf(d, "StorageResizing")?.status === "False" &&
          d.status?.phase === "Ready",
        60_000,
      );
      assert.equal(db.status?.storage?.total, "80Gi");
      assert.equal(conditionOf(db, "StorageResizing")?.message, "All 4 volumes provide 20Gi.");
      const sts = await eventually("the StatefulSet replaced", 20_000, async () => {
        const s = await apps.readNamespacedStatefulSet({ name: "trades", namespace: ns.name });
        return s.metadata?.uid !== before.metadata?.uid ? s : undefined;
      });
      assert.deepEqual(
        sts.spec?.volumeClaimTemplates?.map((t) => t.spec?.resources?.requests?.storage),
        ["20Gi", "20Gi", "20Gi", "20Gi"],
      );
      for (const claim of await claims("trades")) assert.equal(claim.status?.capacity?.storage, "20Gi");
      const podAfter = await pod("trades");
      assert.equal(podAfter.metadata?.uid, podBefore.metadata?.uid, "the pod was not restarted");
      assert.equal(
        podAfter.metadata?.ownerReferences?.[0]?.uid,
        sts.metadata?.uid,
        "adopted by the new StatefulSet",
      );
      const reasons = await eventReasons("trades");
      for (const reason of ["ExpandingVolumes", "ReplacingStatefulSet", "VolumesResized"])
        assert.ok(reasons.includes(reason), `${reason} in ${reasons.join(", ")}`);
    });

    it("changes nothing while paused, and catches up when resumed", async function () {
      this.timeout(60_000);
      await patchSpec("trades", { paused: true });
      await status("trades", "Paused", (d) => d.status?.phase === "Paused");
      const held = (await patchSpec("trades", { settings: { maxRows: 5000 } })) as KdbDatabase;
      // the operator has reconciled the new generation once it records it as observed (on hold)
      await status(
        "trades",
        "the new generation seen and held",
        (d) =>
          d.metadata.generation === held.metadata.generation &&
          conditionOf(d, "Paused")?.observedGeneration === held.metadata.generation,
      );
      const configMap = await core.readNamespacedConfigMap({ name: "trades-config", namespace: ns.name });
      assert.equal(configMap.data?.GURU_MAX_ROWS, "1000000");
      const paused = await read("trades");
      assert.equal(conditionOf(paused, "Paused")?.reason, "ReconcilePaused");

      await patchSpec("trades", { paused: false });
      await status(
        "trades",
        "resumed and Ready",
        (d) => d.status?.phase === "Ready" && conditionOf(d, "Paused")?.status === "False",
      );
      const updated = await core.readNamespacedConfigMap({ name: "trades-config", namespace: ns.name });
      assert.equal(updated.data?.GURU_MAX_ROWS, "5000");
      const reasons = await eventReasons("trades");
      assert.ok(reasons.includes("Paused") && reasons.includes("Resumed"));
    });

    it("hibernates to zero pods keeping the volumes, and wakes on the same volumes", async function () {
      this.timeout(90_000);
      const volumesBefore = (await claims("trades")).map((c) => c.metadata?.uid).sort();
      await patchSpec("trades", { hibernate: true });
      const hibernated = await status("trades", "Hibernated", (d) => d.status?.phase === "Hibernated");
      assert.equal(conditionOf(hibernated, "Ready")?.reason, "Hibernated");
      assert.equal(hibernated.status?.replicas, 0);
      await eventually("the pod gone", 30_000, () => gone(pod("trades")));
      assert.deepEqual((await claims("trades")).map((c) => c.metadata?.uid).sort(), volumesBefore);

      await patchSpec("trades", { hibernate: false });
      await readyDb("trades");
      assert.deepEqual((await claims("trades")).map((c) => c.metadata?.uid).sort(), volumesBefore);
      const reasons = await eventReasons("trades");
      assert.ok(reasons.includes("Hibernating") && reasons.includes("Waking"));
    });

    it("deletes the database but keeps its volumes under reclaimPolicy Retain", async function () {
      this.timeout(90_000);
      await custom.deleteNamespacedCustomObject(ref("trades"));
      await eventually("the KdbDatabase gone", 20_000, () => gone(read("trades")));
      // the garbage collector removes the owned children
      await eventually("the StatefulSet collected", 60_000, () =>
        gone(apps.readNamespacedStatefulSet({ name: "trades", namespace: ns.name })),
      );
      const kept = await claims("trades");
      assert.equal(kept.length, 4);
      assert.ok(kept.every((c) => !c.metadata?.deletionTimestamp));
    });
  });

  describe("other databases, and the operator itself", () => {
    it("deletes the volumes with the database under reclaimPolicy Delete", async function () {
      this.timeout(90_000);
      await create("scratch", {
        storage: { stripes: 2, size: "5Gi", reclaimPolicy: "Delete" },
        compute: { nodeGroup: "kdb-standard" },
      });
      const db = await readyDb("scratch");
      assert.deepEqual(db.metadata.finalizers, ["timeseries.guru/delete-volumes"]);
      assert.equal((await claims("scratch")).length, 2);
      await custom.deleteNamespacedCustomObject(ref("scratch"));
      await eventually("the KdbDatabase gone", 30_000, () => gone(read("scratch")));
      await eventually("the claims deleted", 60_000, async () =>
        (await claims("scratch")).length === 0 ? true : undefined,
      );
    });

    it("says a kdb+ licence is missing, and starts once it exists", async function () {
      this.timeout(60_000);
      await create("ticks", {
        engine: "kdb",
        image: "registry.example/guru-kdb:4.1",
        licenseSecret: { name: "kdb-licence" },
        storage: { stripes: 1, size: "5Gi" },
      });
      const blocked = await status("ticks", "Degraded", (d) => d.status?.phase === "Degraded");
      assert.equal(conditionOf(blocked, "Degraded")?.reason, "LicenseMissing");
      assert.match(conditionOf(blocked, "Ready")?.message ?? "", /Secret kdb-licence .* does not exist/);
      assert.ok((await eventReasons("ticks")).includes("LicenseMissing"));

      await core.createNamespacedSecret({
        namespace: ns.name,
        body: { metadata: { name: "kdb-licence" }, stringData: { "kc.lic": "not a real licence" } },
      });
      await readyDb("ticks");
      const sts: V1StatefulSet = await apps.readNamespacedStatefulSet({ name: "ticks", namespace: ns.name });
      const container = sts.spec?.template.spec?.containers[0];
      assert.deepEqual(container?.readinessProbe?.exec?.command, ["/usr/local/bin/guru-kdb", "health"]);
      assert.ok(container?.volumeMounts?.some((m) => m.mountPath === "/opt/kx/lic"));
      await custom.deleteNamespacedCustomObject(ref("ticks"));
    });

    it("runs with only the permissions of operator/rbac.yaml, holds the Lease, and serves health and metrics", async function () {
      this.timeout(30_000);
      // the operator's token is no administrator's
      assert.equal((await refusal(operatorCore.listNamespacedSecret({ namespace: ns.name }))).code, 403);
      const lease = await ns.cluster.kubeConfig
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: "guru-operator", namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, "e2e-operator-1");
      const renewTime = async () => {
        const raw = await rawRequest<{ spec: { renewTime: string } }>(
          ns.cluster.kubeConfig,
          "GET",
          `/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases/guru-operator`,
        );
        assert.match(raw.spec.renewTime, /\.\d{6}Z$/);
        return Date.parse(raw.spec.renewTime);
      };
      // A second replica stays on standby while the first renews. Its clock stands past the
      // expiry of the Lease as first read, so only a renewal since keeps it from taking over.
      const firstRead = await renewTime();
      await eventually(
        "the leader renewing",
        10_000,
        async () => (await renewTime()) > firstRead + 500 || undefined,
      );
      const clock = new ManualClock(firstRead + settings.leaseDurationSeconds * 1000 + 500);
      const token = await ns.cluster.serviceAccountToken(ns.name, "guru-operator");
      const standby = await startOperator({
        config: operatorConfig({
          namespace: ns.name,
          pollSeconds: 1,
          ...settings,
          identity: "e2e-operator-2",
        }),
        kubeConfig: ns.cluster.kubeConfigForToken(token),
        log,
        httpServer: false,
        clock,
      });
      try {
        await clock.advance(0); // its first try
        const retryMs = settings.retryPeriodSeconds * 1000;
        // a try ends by arming the next one, a retry period on
        await eventually(
          "the standby's try answered",
          10_000,
          async () => clock.pendingDelays().join() === String(retryMs) || undefined,
        );
        assert.equal(standby.isLeader(), false);
        assert.equal(suite.operator?.isLeader(), true);
      } finally {
        await standby.stop();
      }
      const base = `http://127.0.0.1:${suite.operator?.httpPort}`;
      assert.equal((await fetchText(`${base}/readyz`)).status, 200);
      const metrics = await fetchText(`${base}/metrics`);
      assert.match(metrics.body, /guru_operator_reconciles_total\{outcome="success"\} \d+/);
      assert.match(metrics.body, /guru_operator_queue_depth \d+/);
      assert.match(metrics.body, /guru_operator_leader 1/);
    });
  });
});
