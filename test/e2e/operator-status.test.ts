/**
 * guru-operator's status tells the truth at every moment, on the real local control plane (real
 * StatefulSet controller, kwok kubelets), with the operator in process on a token bound only by
 * operator/rbac.yaml. Each test watches the KdbDatabase while something changes and checks every
 * status the operator writes against the StatefulSet and pod read right after it:
 * - a spec change: Ready=True is never written while the StatefulSet has not observed its
 *   generation or only a pod of the old revision exists;
 * - an online resize (the StatefulSet deleted orphaning the pod, then recreated): Ready stays True
 *   throughout, with no NotReady event and the same lastTransitionTime.
 * And what the status describes is kept so: a child deleted or changed by hand is restored on its
 * event, within 2 s, with the resync at its default (5 minutes).
 */
import { strict as assert } from "node:assert";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import { pino } from "pino";
import {
  KDB_GROUP,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbDatabase,
  type KdbDatabaseSpecInput,
  kdbDatabaseManifest,
} from "../../crds/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { kdbRef, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const MANAGED = "app.kubernetes.io/managed-by=guru-operator";
const REVISION = "controller-revision-hash";
const CONFIG_HASH = "timeseries.guru/config-hash";

const readyCondition = (db: KdbDatabase) => db.status?.conditions?.find((c) => c.type === "Ready");

describe("e2e: guru-operator's status never runs ahead of the StatefulSet and its pod", function () {
  this.timeout(120_000);
  const ns = useTestNamespace("operator-status");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  // resync at its default: only events make the operator act within these tests
  useOperator(ns, { log, config: { identity: "e2e-status" } });
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;

  before(() => {
    const { kubeConfig } = ns.cluster;
    core = kubeConfig.makeApiClient(CoreV1Api);
    apps = kubeConfig.makeApiClient(AppsV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
  });

  afterEach(async function () {
    this.timeout(90_000);
    if (!ns.ready) return;
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
  const create = (name: string, spec: KdbDatabaseSpecInput) =>
    custom.createNamespacedCustomObject({ ...ref(""), body: kdbDatabaseManifest(name, ns.name, spec) });
  const read = async (name: string) => (await custom.getNamespacedCustomObject(ref(name))) as KdbDatabase;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...ref(name), body: { spec } }, mergePatch);
  const isReady = (db: KdbDatabase) =>
    db.status?.observedGeneration === db.metadata.generation &&
    db.status?.phase === "Ready" &&
    readyCondition(db)?.status === "True";
  const readyDb = (name: string, generation: number) =>
    eventually(`${name}: Ready at generation ${generation}`, 60_000, async () => {
      const db = await read(name);
      return db.metadata.generation === generation && isReady(db) ? db : undefined;
    });
  const pod = (name: string) => core.readNamespacedPod({ name: `${name}-0`, namespace: ns.name });
  const warnings = async (name: string) =>
    (
      await ns.cluster.kubeConfig
        .makeApiClient(EventsV1Api)
        .listNamespacedEvent({ namespace: ns.name, fieldSelector: `regarding.name=${name}` })
    ).items.filter((e) => e.reportingController === "timeseries.guru/guru-operator" && e.type === "Warning");

  /**
   * Watches one KdbDatabase from `resourceVersion`, handing every version of it to `check` (in
   * order, one at a time, so its reads follow the status it looks at); `stop(last)` waits for the
   * watch to deliver version `last` (one a read returned: watch events may trail reads), then ends
   * the watch and returns what the checks returned.
   */
  async function watchDatabase<T>(
    name: string,
    resourceVersion: string,
    check: (db: KdbDatabase) => Promise<T>,
  ): Promise<{ stop(last: string): Promise<T[]> }> {
    const results: T[] = [];
    const versions = new Set<string>();
    let chain: Promise<unknown> = Promise.resolve();
    let failure: unknown;
    const controller = await new Watch(ns.cluster.kubeConfig).watch(
      `/apis/${KDB_GROUP}/${KDB_VERSION}/namespaces/${ns.name}/${KDB_PLURAL}`,
      { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: false },
      (type, object: KdbDatabase) => {
        if (type !== "ADDED" && type !== "MODIFIED") return;
        chain = chain
          .then(async () => results.push(await check(object)))
          .catch((err) => (failure = err))
          .finally(() => versions.add(object.metadata.resourceVersion ?? ""));
      },
      (err) => {
        if (err && err.name !== "AbortError") failure ??= err;
      },
    );
    return {
      async stop(last) {
        await eventually(`the watch delivers version ${last}`, 10_000, async () =>
          versions.has(last) || failure !== undefined ? true : undefined,
        );
        controller.abort();
        await chain;
        if (failure) throw failure;
        return results;
      },
    };
  }

  it("never says Ready after a spec change before the StatefulSet has observed it and its new pod is ready", async () => {
    await create("roll", { storage: { stripes: 1, size: "5Gi" } });
    const before = await readyDb("roll", 1);
    const oldPod = await pod("roll");
    const watch = await watchDatabase("roll", before.metadata.resourceVersion!, async (db) => {
      if (db.status?.observedGeneration !== 2 || readyCondition(db)?.status !== "True") return undefined;
      // read after the status was written: the StatefulSet and pod are at least this far along
      const sts = await apps.readNamespacedStatefulSet({ name: "roll", namespace: ns.name });
      const current = await pod("roll").catch(() => undefined);
      const problems = [
        (sts.status?.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0) &&
          `the StatefulSet has observed generation ${sts.status?.observedGeneration} of ${sts.metadata?.generation}`,
        sts.status?.currentRevision !== sts.status?.updateRevision &&
          `the StatefulSet rolls ${sts.status?.currentRevision} to ${sts.status?.updateRevision}`,
        !current && "no pod",
        current?.metadata?.uid === oldPod.metadata?.uid && "the pod is the one from before the change",
        current?.metadata?.deletionTimestamp && "the pod is terminating",
        current?.metadata?.labels?.[REVISION] !== sts.status?.updateRevision &&
          `the pod is of revision ${current?.metadata?.labels?.[REVISION]}, not ${sts.status?.updateRevision}`,
        current?.metadata?.annotations?.[CONFIG_HASH] !==
          sts.spec?.template.metadata?.annotations?.[CONFIG_HASH] && "the pod runs the old settings",
        !current?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") &&
          "the pod is not ready",
      ].filter(Boolean);
      return `Ready=True at generation 2 (resourceVersion ${db.metadata.resourceVersion}): ${problems.join("; ") || "ok"}`;
    });
    await patchSpec("roll", { settings: { maxRows: 4242 } });
    const rolled = await eventually("the pod replaced and the database Ready", 60_000, async () => {
      const [db, current] = await Promise.all([read("roll"), pod("roll")]);
      return isReady(db) && db.metadata.generation === 2 && current.metadata?.uid !== oldPod.metadata?.uid
        ? db
        : undefined;
    });
    const readySeen = (await watch.stop(rolled.metadata.resourceVersion!)).filter((r) => r !== undefined);
    assert.ok(readySeen.length > 0, "the watch saw Ready=True at generation 2");
    assert.deepEqual(
      readySeen.filter((r) => !r.endsWith(": ok")),
      [],
      "every Ready=True matched a rolled-out StatefulSet",
    );
    const rolling = (await warnings("roll")).filter((e) => e.reason === "NotReady");
    assert.deepEqual(rolling, [], "a rollout the user asked for is no warning");
  });

  it("stays Ready through an online resize, while the StatefulSet is replaced around the running pod", async () => {
    await create("grow", { storage: { stripes: 2, size: "5Gi" } });
    const before = await readyDb("grow", 1);
    const since = readyCondition(before)?.lastTransitionTime;
    const [podBefore, stsBefore] = await Promise.all([
      pod("grow"),
      apps.readNamespacedStatefulSet({ name: "grow", namespace: ns.name }),
    ]);
    const watch = await watchDatabase("grow", before.metadata.resourceVersion!, async (db) => {
      const ready = readyCondition(db);
      return `${db.status?.phase} Ready=${ready?.status} ${ready?.reason} since ${ready?.lastTransitionTime}`;
    });
    await patchSpec("grow", { storage: { size: "10Gi" } });
    const grown = await eventually("volumes grown and the StatefulSet replaced", 60_000, async () => {
      const [db, sts] = await Promise.all([
        read("grow"),
        apps.readNamespacedStatefulSet({ name: "grow", namespace: ns.name }),
      ]);
      const resized = db.status?.conditions?.find((c) => c.type === "StorageResizing");
      return isReady(db) &&
        resized?.reason === "VolumesMatch" &&
        db.status?.storage?.provisioned === "10Gi" &&
        sts.metadata?.uid !== stsBefore.metadata?.uid &&
        sts.status?.observedGeneration === sts.metadata?.generation
        ? db
        : undefined;
    });
    const seen = await watch.stop(grown.metadata.resourceVersion!);
    assert.ok(
      seen.some((s) => s.startsWith("Resizing")),
      `the resize was seen: ${seen.join(" | ")}`,
    );
    assert.deepEqual(
      seen.filter((s) => !s.includes(`Ready=True Available since ${since}`)),
      [],
      "Ready stayed True, with the same lastTransitionTime, in every status written",
    );
    assert.equal(readyCondition(grown)?.lastTransitionTime, since);
    assert.equal((await pod("grow")).metadata?.uid, podBefore.metadata?.uid, "the pod kept running");
    assert.deepEqual(
      (await warnings("grow")).map((e) => `${e.reason}: ${e.note}`),
      [],
      "no NotReady or other warning",
    );
  });

  it("restores a deleted or changed child within 2 s, long before the resync", async () => {
    await create("drift", { storage: { stripes: 1, size: "5Gi" } });
    await readyDb("drift", 1);
    const { kubeConfig } = ns.cluster;
    const policy = kubeConfig.makeApiClient(PolicyV1Api);
    const networking = kubeConfig.makeApiClient(NetworkingV1Api);
    const namespace = ns.name;
    const children: [string, () => Promise<{ metadata?: { uid?: string } }>, () => Promise<unknown>][] = [
      [
        "Service drift",
        () => core.readNamespacedService({ name: "drift", namespace }),
        () => core.deleteNamespacedService({ name: "drift", namespace }),
      ],
      [
        "Service drift-hl",
        () => core.readNamespacedService({ name: "drift-hl", namespace }),
        () => core.deleteNamespacedService({ name: "drift-hl", namespace }),
      ],
      [
        "ConfigMap drift-config",
        () => core.readNamespacedConfigMap({ name: "drift-config", namespace }),
        () => core.deleteNamespacedConfigMap({ name: "drift-config", namespace }),
      ],
      [
        "PodDisruptionBudget drift",
        () => policy.readNamespacedPodDisruptionBudget({ name: "drift", namespace }),
        () => policy.deleteNamespacedPodDisruptionBudget({ name: "drift", namespace }),
      ],
      [
        "NetworkPolicy drift",
        () => networking.readNamespacedNetworkPolicy({ name: "drift", namespace }),
        () => networking.deleteNamespacedNetworkPolicy({ name: "drift", namespace }),
      ],
    ];
    for (const [what, readChild, deleteChild] of children) {
      const before = await readChild();
      await deleteChild();
      await eventually(
        `${what} back after its deletion`,
        2000,
        async () => {
          const again = await readChild();
          return again.metadata?.uid !== before.metadata?.uid ? again : undefined;
        },
        50,
      );
    }
    await core.patchNamespacedConfigMap(
      { name: "drift-config", namespace, body: { data: { GURU_MAX_ROWS: "1" } } },
      mergePatch,
    );
    await eventually(
      "the ConfigMap's settings restored",
      2000,
      async () => {
        const configMap = await core.readNamespacedConfigMap({ name: "drift-config", namespace });
        return configMap.data?.GURU_MAX_ROWS === "1000000" || undefined;
      },
      50,
    );
  });
});
