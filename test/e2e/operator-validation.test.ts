/**
 * KdbDatabase specs are validated as Kubernetes validates its own resources, on the real local
 * API server with the CRD and its admission policies (crds/) installed, and the operator in
 * process on a token bound only by operator/rbac.yaml:
 * - every quantity form a Pod takes is accepted ("3500m", 0.5 and "0.5", "1.5Gi", "2e3"); requests
 *   above limits, negative quantities and an image that is no image reference are refused;
 * - a spec the CRD admits but a child's validation refuses (422) becomes phase Degraded with
 *   reason InvalidSpec and the API server's message, without a retry loop, and recovers on the
 *   next spec change;
 * - a database without compute.resources is not BestEffort;
 * - spec.deletionProtection refuses a delete until it is false;
 * - one database per node holds across node groups: a dedicated node group is kept for its
 *   databases by a taint (docs/operator.md, Placement).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Taint,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { parseAllDocuments } from "yaml";
import { type KdbDatabase, kdbDatabaseManifest } from "../../crds/src/index.js";
import { POLICIES_FILE } from "../../crds/src/manifests.js";
import { applyManifest, type Manifest, NODE_LABELS, useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { kdbRef, refusal, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const MANAGED = "app.kubernetes.io/managed-by=guru-operator";
const LARGE_GROUP = "kdb-large";
const DEDICATED: V1Taint = { key: "dedicated", value: LARGE_GROUP, effect: "NoSchedule" };

const condition = (db: KdbDatabase, type: string) => db.status?.conditions?.find((c) => c.type === type);
const policies = () =>
  parseAllDocuments(readFileSync(POLICIES_FILE, "utf8")).map((doc) => doc.toJS() as Manifest);

describe("e2e: KdbDatabase specs validated as Kubernetes validates its own", function () {
  this.timeout(120_000);
  const ns = useTestNamespace("operator-validation");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  const suite = useOperator(ns, {
    log,
    config: {
      identity: "e2e-validation",
      // a refused spec retried as an error would be retried many times a second
      retryBaseSeconds: 0.05,
      retryMaxSeconds: 300,
    },
  });
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  before(async function () {
    this.timeout(30_000);
    const { kubeConfig } = ns.cluster;
    core = kubeConfig.makeApiClient(CoreV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    for (const manifest of policies()) await applyManifest(kubeConfig, manifest, "e2e-operator");
    await eventually("the admission policies in force", 20_000, async () => {
      const probe = kdbDatabaseManifest("policy-probe", ns.name, {
        storage: { stripes: 1, size: "1Gi" },
        compute: { resources: { requests: { cpu: 0.25 as unknown as number } } },
      });
      const created = (await custom
        .createNamespacedCustomObject({ ...ref(""), body: probe, dryRun: "All" })
        .catch(() => undefined)) as KdbDatabase | undefined;
      return created?.spec.compute.resources?.requests?.cpu === "0.25" || undefined;
    });
  });

  afterEach(async function () {
    this.timeout(90_000);
    if (!ns.ready) return;
    const list = (await custom.listNamespacedCustomObject(ref(""))) as { items: KdbDatabase[] };
    for (const db of list.items.filter((d) => d.spec.deletionProtection))
      await patchSpec(db.metadata.name, { deletionProtection: false });
    await custom.deleteCollectionNamespacedCustomObject({ ...ref(""), propagationPolicy: "Background" });
    await eventually(
      "the databases' pods gone",
      60_000,
      async () =>
        (await core.listNamespacedPod({ namespace: ns.name, labelSelector: MANAGED })).items.length === 0 ||
        undefined,
      500,
    );
  });

  const ref = (name: string) => kdbRef(ns.name, name);
  // specs as users write them in YAML: numbers where YAML has numbers, so typed loosely
  const create = (name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      ...ref(""),
      body: kdbDatabaseManifest(name, ns.name, spec as never),
    }) as Promise<KdbDatabase>;
  const read = async (name: string) => (await custom.getNamespacedCustomObject(ref(name))) as KdbDatabase;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...ref(name), body: { spec } }, mergePatch);
  const failures = async () => (await suite.operator!.metrics.errors.get()).values[0]?.value ?? 0;

  it("accepts every quantity form a Pod takes, and refuses requests above limits, negatives and bad images", async () => {
    const stored = await create("quantities", {
      storage: { stripes: 1, size: "1Gi" },
      compute: {
        resources: { requests: { cpu: "3500m", memory: "1.5Gi" }, limits: { cpu: 4, memory: "2e9" } },
      },
    });
    assert.deepEqual(stored.spec.compute.resources, {
      requests: { cpu: "3500m", memory: "1.5Gi" },
      limits: { cpu: 4, memory: "2e9" },
    });
    const fractional = await create("fractional", {
      storage: { stripes: 1, size: "1Gi" },
      compute: { resources: { requests: { cpu: 0.5 }, limits: { cpu: "0.5" } } },
    });
    // a float cannot be stored in an int-or-string field: the policy made it the string
    assert.deepEqual(fractional.spec.compute.resources, { requests: { cpu: "0.5" }, limits: { cpu: "0.5" } });

    const refused = (spec: Record<string, unknown>) =>
      refusal(create("refused", { storage: { stripes: 1, size: "1Gi" }, ...spec }));
    const above = await refused({
      compute: { resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "1500m" } } },
    });
    assert.equal(above.code, 422);
    assert.match(above.message, /compute\.resources\.requests\.cpu must not exceed limits\.cpu/);
    const memory = await refused({
      compute: { resources: { requests: { memory: "3Gi" }, limits: { memory: 2.5e9 } } },
    });
    assert.match(memory.message, /requests\.memory must not exceed limits\.memory/);
    const negative = await refused({ compute: { resources: { requests: { cpu: "-1" } } } });
    assert.match(negative.message, /a resource quantity must not be negative/);
    const image = await refused({ image: "Not An Image!" });
    assert.equal(image.code, 422);
    assert.match(image.message, /spec\.image/);
  });

  it("reports a spec a child's validation refuses as Degraded InvalidSpec, retries it not, and recovers on a fix", async () => {
    const failedBefore = await failures();
    // the CRD admits any label key; a StatefulSet's nodeSelector does not
    await create("invalid", {
      storage: { stripes: 1, size: "1Gi" },
      compute: { nodeSelector: { "not a label key!": "x" } },
    });
    const degraded = await eventually("phase Degraded with reason InvalidSpec", 30_000, async () => {
      const db = await read("invalid");
      return db.status?.phase === "Degraded" && condition(db, "Degraded")?.reason === "InvalidSpec"
        ? db
        : undefined;
    });
    assert.equal(degraded.status?.observedGeneration, 1);
    assert.match(condition(degraded, "Degraded")!.message, /StatefulSet invalid.*HTTP 422.*not a label key!/);
    assert.equal(condition(degraded, "Progressing")?.reason, "Blocked");
    assert.equal(condition(degraded, "Ready")?.status, "False");
    // No retry loop: with nothing queued or running, the key waits for its refusal's long requeue
    // (retryMaxSeconds), not for an error's backoff (from 50 ms), and no run failed.
    const queue = suite.operator!.queue;
    const key = `${ns.name}/invalid`;
    await eventually("the refused spec left to its long requeue", 30_000, async () => {
      const idle = queue.depth === 0 && queue.inFlight === 0;
      return (idle && (queue.scheduledIn(key) ?? 0) > 60_000) || undefined;
    });
    assert.equal((await failures()) - failedBefore, 0, "reconciles failed");

    // merge patch: null removes the bad key
    await patchSpec("invalid", {
      compute: { nodeSelector: { "not a label key!": null, "timeseries.guru/ok": "x" } },
    });
    await eventually("the fixed spec reconciled", 30_000, async () => {
      const db = await read("invalid");
      return db.status?.observedGeneration === 2 && condition(db, "Degraded")?.reason !== "InvalidSpec"
        ? true
        : undefined;
    });
  });

  it("gives a database without compute.resources requests and a memory limit: never BestEffort", async () => {
    await create("defaults", { storage: { stripes: 2, size: "1Gi" } });
    const pod = await eventually("the database pod", 30_000, async () =>
      core.readNamespacedPod({ name: "defaults-0", namespace: ns.name }).catch(() => undefined),
    );
    assert.deepEqual(
      { ...pod.spec?.containers[0]?.resources },
      {
        requests: { cpu: "1", memory: "4Gi" },
        limits: { memory: "4Gi" },
      },
    );
    assert.equal(pod.status?.qosClass, "Burstable");
  });

  it("refuses to delete a database with deletionProtection until it is set false", async () => {
    await create("protected", { storage: { stripes: 1, size: "1Gi" }, deletionProtection: true });
    const refused = await refusal(custom.deleteNamespacedCustomObject(ref("protected")));
    assert.equal(refused.code, 403);
    assert.match(refused.message, /KdbDatabase protected has spec\.deletionProtection: true/);
    const collection = await refusal(custom.deleteCollectionNamespacedCustomObject(ref("")));
    assert.equal(collection.code, 403);
    assert.ok(await read("protected"));
    await patchSpec("protected", { deletionProtection: false });
    await custom.deleteNamespacedCustomObject(ref("protected"));
    await eventually("the database gone", 30_000, async () =>
      (await read("protected").catch(() => "gone")) === "gone" ? true : undefined,
    );
  });

  describe("one database per node across node groups; a tainted group kept for its own", () => {
    let large: string[] = [];
    before(async () => {
      large = (await core.listNode({ labelSelector: `${NODE_LABELS.nodeGroup}=${LARGE_GROUP}` })).items.map(
        (n) => n.metadata!.name!,
      );
      for (const node of large) await taint(node, [DEDICATED]);
    });
    after(async () => {
      for (const node of large) await taint(node, []);
    });
    const taint = (name: string, taints: V1Taint[]) =>
      core.patchNode({ name, body: { spec: { taints } } }, mergePatch);
    const nodeOf = (name: string) =>
      eventually(`${name}-0 scheduled`, 30_000, async () => {
        const pod = await core
          .readNamespacedPod({ name: `${name}-0`, namespace: ns.name })
          .catch(() => undefined);
        return pod?.spec?.nodeName;
      });
    const groupOf = async (node: string) =>
      (await core.readNode({ name: node })).metadata?.labels?.[NODE_LABELS.nodeGroup];

    it("places databases without a node group off the tainted group, one per node, and its own on it", async () => {
      const free = ["free-a", "free-b", "free-c"];
      for (const name of free) await create(name, { storage: { stripes: 1, size: "1Gi" } });
      await create("big", {
        storage: { stripes: 1, size: "1Gi" },
        compute: {
          nodeGroup: LARGE_GROUP,
          tolerations: [{ key: "dedicated", operator: "Equal", value: LARGE_GROUP, effect: "NoSchedule" }],
        },
      });
      const nodes = await Promise.all(free.map(nodeOf));
      assert.equal(new Set(nodes).size, free.length, `two databases share a node: ${nodes.join(", ")}`);
      for (const node of nodes) assert.notEqual(await groupOf(node), LARGE_GROUP, node);
      assert.equal(await groupOf(await nodeOf("big")), LARGE_GROUP);
      // every untainted node now runs a database: one more without a group waits, and says why
      await create("free-d", { storage: { stripes: 1, size: "1Gi" } });
      const waiting = await eventually("free-d unschedulable", 30_000, async () => {
        const db = await read("free-d");
        return condition(db, "Ready")?.reason === "PodUnschedulable" ? db : undefined;
      });
      assert.match(condition(waiting, "Ready")!.message, /anti-affinity|untolerated taint/);
    });
  });
});
