/**
 * guru-operator when things go wrong, on the real local control plane (test/cluster), with the
 * operator run in this process on a token bound only by operator/rbac.yaml:
 * - crashed mid-reconcile and replaced: the successor waits for the Lease to expire, then every
 *   database reaches steady state with exactly one of each child and nothing lost, including
 *   changes made while no replica led;
 * - two replicas: exactly one leads and only it reconciles; a graceful stop hands over at once,
 *   a crash once the Lease expires, and the new leader reconciles what comes next;
 * - kube-apiserver restarted under a running operator: its watches recover, and changes made
 *   afterwards are reconciled without restarting it.
 * A crash is simulated with a TCP relay between one operator instance and the API server: cutting
 * it resets every connection mid-request and refuses new ones, so the instance vanishes for the
 * API server without releasing its Lease, while the test process lives on.
 */
import { strict as assert } from "node:assert";
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1Lease,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { type KdbDatabase, type KdbDatabaseSpecInput, kdbDatabaseManifest } from "../../crds/src/index.js";
import type { OperatorConfigInput } from "../../operator/src/config.js";
import { createMetrics, type Operator, operatorConfig, startOperator } from "../../operator/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { kdbAdmissionReady, kdbRef, useOperator } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const DATABASE_LABEL = "timeseries.guru/database";
const MANAGED = "app.kubernetes.io/managed-by=guru-operator";
/** short leases keep the suite quick; renewDeadline well below the duration keeps it safe */
const LEASE_SECONDS = 8;

/**
 * A TCP relay in front of the API server for one operator instance. `cut()` resets every
 * connection and refuses new ones: the process died, and the instance is gone at once, in the
 * middle of whatever it was sending, without releasing its Lease. `freeze()` stops forwarding
 * without closing anything: a lost node or a partition, where requests hang instead of failing.
 */
class ApiRelay {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #pipes: [Socket, Socket][] = [];
  #cut = false;
  #frozen = false;

  private constructor(target: URL) {
    this.#server = createServer((client) => {
      if (this.#cut) {
        client.destroy();
        return;
      }
      this.#sockets.add(client);
      client.on("close", () => this.#sockets.delete(client));
      if (this.#frozen) {
        client.pause(); // accepted, never answered
        return;
      }
      const upstream = connect({ host: target.hostname, port: Number(target.port) });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      this.#pipes.push([client, upstream]);
    });
  }

  static async open(apiServer: string): Promise<ApiRelay> {
    const relay = new ApiRelay(new URL(apiServer));
    await new Promise<void>((resolve, reject) => {
      relay.#server.once("error", reject);
      relay.#server.listen(0, "127.0.0.1", resolve);
    });
    return relay;
  }

  /** `base`'s credentials and CA, reaching the API server through this relay */
  kubeConfig(base: KubeConfig): KubeConfig {
    const address = this.#server.address();
    if (!address || typeof address === "string") throw new Error("the relay is not listening");
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: base.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${address.port}` })),
      users: base.users,
      contexts: base.contexts,
      currentContext: base.currentContext,
    });
    return config;
  }

  freeze(): void {
    this.#frozen = true;
    for (const [client, upstream] of this.#pipes) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  cut(): void {
    this.#cut = true;
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
  }
}

interface Instance {
  identity: string;
  operator: Operator;
  relay?: ApiRelay;
  /** set when the operator reported it lost the Lease it held */
  lostLeadership: boolean;
}

const reconciles = async (operator: Operator) =>
  (await operator.metrics.reconciles.get()).values.reduce((sum, v) => sum + v.value, 0);
const informerRestarts = async (operator: Operator) =>
  (await operator.metrics.informerRestarts.get()).values.reduce((sum, v) => sum + v.value, 0);

describe("e2e: guru-operator survives crashes, leader handovers and an API server restart", function () {
  this.timeout(120_000);
  const ns = useTestNamespace("operator-resilience");
  const log = pino({ level: process.env.GURU_TEST_LOG_LEVEL ?? "silent" });
  // instances are started by each test, on the operator's token
  const access = useOperator(ns, { log, start: false });
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let leases: CoordinationV1Api;
  let instances: Instance[] = [];

  before(() => {
    const { kubeConfig } = ns.cluster;
    core = kubeConfig.makeApiClient(CoreV1Api);
    apps = kubeConfig.makeApiClient(AppsV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    leases = kubeConfig.makeApiClient(CoordinationV1Api);
  });

  /** Each test starts with no operator and no database pod, so the six fake nodes are free. */
  afterEach(async function () {
    this.timeout(90_000);
    const stopping = instances;
    instances = [];
    for (const { relay } of stopping) relay?.cut();
    await Promise.all(stopping.map(({ operator }) => operator.stop()));
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

  /** An operator instance on the operator's token, behind its own relay unless `direct`. */
  async function launch(
    identity: string,
    leaseName: string,
    overrides: OperatorConfigInput = {},
    { direct = false } = {},
  ): Promise<Instance> {
    const relay = direct ? undefined : await ApiRelay.open(ns.cluster.server);
    const instance: Instance = { identity, relay, lostLeadership: false, operator: undefined as never };
    instance.operator = await startOperator({
      config: operatorConfig({
        namespace: ns.name,
        watchNamespace: ns.name,
        identity,
        leaseName,
        leaseDurationSeconds: LEASE_SECONDS,
        renewDeadlineSeconds: 4,
        retryPeriodSeconds: 1,
        pollSeconds: 1,
        workers: 4,
        ...overrides,
      }),
      kubeConfig: relay ? relay.kubeConfig(access.kubeConfig) : access.kubeConfig,
      log: log.child({ identity }),
      metrics: createMetrics({ processMetrics: false }),
      httpServer: false,
      onLostLeadership: () => {
        instance.lostLeadership = true;
      },
    });
    instances.push(instance);
    return instance;
  }

  const ref = (name: string) => kdbRef(ns.name, name);
  const create = (name: string, spec: KdbDatabaseSpecInput) =>
    custom.createNamespacedCustomObject({ ...ref(""), body: kdbDatabaseManifest(name, ns.name, spec) });
  const read = async (name: string) => (await custom.getNamespacedCustomObject(ref(name))) as KdbDatabase;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...ref(name), body: { spec } }, mergePatch);
  const isReady = (db: KdbDatabase) =>
    db.status?.observedGeneration === db.metadata.generation &&
    db.status?.phase === "Ready" &&
    db.status.conditions?.find((c) => c.type === "Ready")?.status === "True";
  /** the database once its status describes its current generation and says Ready */
  const readyDb = (name: string, timeoutMs = 60_000) =>
    eventually(`${name}: Ready at its current generation`, timeoutMs, async () => {
      const db = await read(name);
      return isReady(db) ? db : undefined;
    });
  const lease = (name: string): Promise<V1Lease> => leases.readNamespacedLease({ name, namespace: ns.name });
  /** MicroTime or Date as ms; client-node parses MicroTime into a Date */
  const ms = (time: unknown) => (time instanceof Date ? time.getTime() : Date.parse(String(time)));
  const leaderOf = async (...candidates: Instance[]) =>
    eventually("a leader elected", 30_000, async () => {
      const leading = candidates.filter((i) => i.operator.isLeader());
      return leading.length === 1 ? leading[0] : undefined;
    });
  const eventsOf = async (name: string) =>
    (
      await ns.cluster.kubeConfig
        .makeApiClient(EventsV1Api)
        .listNamespacedEvent({ namespace: ns.name, fieldSelector: `regarding.name=${name}` })
    ).items.filter((e) => e.reportingController === "timeseries.guru/guru-operator");

  /** Every child of a database, by kind; each owned (controller reference) by the database. */
  async function childrenOf(db: KdbDatabase): Promise<Record<string, string[]>> {
    const query = { namespace: ns.name, labelSelector: `${DATABASE_LABEL}=${db.metadata.name}` };
    const { kubeConfig } = ns.cluster;
    const [statefulSets, services, configMaps, secrets, budgets, policies, pods, claims] = await Promise.all([
      apps.listNamespacedStatefulSet(query),
      core.listNamespacedService(query),
      core.listNamespacedConfigMap(query),
      core.listNamespacedSecret(query),
      kubeConfig.makeApiClient(PolicyV1Api).listNamespacedPodDisruptionBudget(query),
      kubeConfig.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy(query),
      core.listNamespacedPod(query),
      core.listNamespacedPersistentVolumeClaim(query),
    ]);
    for (const list of [statefulSets, services, configMaps, secrets, budgets, policies]) {
      for (const child of list.items as { metadata?: { name?: string; ownerReferences?: unknown[] } }[]) {
        const owners = (child.metadata?.ownerReferences ?? []) as { uid?: string; controller?: boolean }[];
        assert.deepEqual(
          owners.map((o) => [o.uid, o.controller]),
          [[db.metadata.uid, true]],
          `owner of ${child.metadata?.name}`,
        );
      }
    }
    const names = (list: { items: { metadata?: { name?: string } }[] }) =>
      list.items.map((o) => o.metadata?.name ?? "").sort();
    return {
      statefulSets: names(statefulSets),
      services: names(services),
      configMaps: names(configMaps),
      secrets: names(secrets),
      podDisruptionBudgets: names(budgets),
      networkPolicies: names(policies),
      pods: names(pods),
      claims: names(claims),
    };
  }
  const expectedChildren = (name: string, stripes: number) => ({
    statefulSets: [name],
    services: [name, `${name}-hl`],
    configMaps: [`${name}-config`],
    secrets: [`${name}-credentials`],
    podDisruptionBudgets: [name],
    networkPolicies: [name],
    pods: [`${name}-0`],
    claims: Array.from({ length: stripes }, (_, i) => `stripe-${i}-${name}-0`).sort(),
  });

  it("a replica crashed mid-reconcile is replaced after its Lease expires, with no duplicate or lost work", async function () {
    this.timeout(150_000);
    const leaseName = "resilience-crash";
    // two workers: reconciles are still queued and in flight when the first StatefulSet appears
    const first = await launch("crash-first", leaseName, { workers: 2 });
    await leaderOf(first);
    const stripes: Record<string, number> = { "crash-1": 2, "crash-2": 1, "crash-3": 3 };
    for (const [name, count] of Object.entries(stripes))
      await create(name, { storage: { stripes: count, size: "5Gi" } });
    await eventually(
      "the first StatefulSet",
      30_000,
      async () =>
        (await apps.listNamespacedStatefulSet({ namespace: ns.name, labelSelector: MANAGED })).items.length >
          0 || undefined,
      50,
    );

    first.relay?.cut(); // the crash: connections reset mid-request, the Lease not released
    const held = await lease(leaseName);
    assert.equal(held.spec?.holderIdentity, "crash-first");
    const lastRenew = ms(held.spec?.renewTime);
    const atCrash = await Promise.all(Object.keys(stripes).map(read));
    assert.ok(!atCrash.every(isReady), "the crash came mid-way, before every database was Ready");

    // while no replica leads: a spec change and a new database
    await patchSpec("crash-1", { settings: { maxRows: 4242 } });
    await create("crash-4", { storage: { stripes: 1, size: "5Gi" } });
    stripes["crash-4"] = 1;

    const second = await launch("crash-second", leaseName);
    await eventually("the successor leading", 30_000, async () => second.operator.isLeader() || undefined);
    assert.equal(first.operator.isLeader(), false, "the crashed replica stopped leading on its own");
    const taken = await lease(leaseName);
    assert.equal(taken.spec?.holderIdentity, "crash-second");
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.ok(
      ms(taken.spec?.acquireTime) >= lastRenew + LEASE_SECONDS * 1000,
      "the successor waited for the crashed leader's Lease to expire",
    );

    for (const [name, count] of Object.entries(stripes)) {
      const db = await readyDb(name, 90_000);
      assert.deepEqual(await childrenOf(db), expectedChildren(name, count), name);
      const events = await eventsOf(name);
      for (const reason of ["CredentialsGenerated", "Created"])
        assert.ok(events.filter((e) => e.reason === reason).length <= 1, `${name}: one ${reason} at most`);
    }
    const changed = await read("crash-1");
    assert.equal(changed.metadata.generation, 2);
    const configMap = await core.readNamespacedConfigMap({ name: "crash-1-config", namespace: ns.name });
    assert.equal(configMap.data?.GURU_MAX_ROWS, "4242", "the change made while no replica led is applied");
  });

  it("two replicas: one leads and reconciles; a graceful stop hands over at once, a crash once the Lease expires", async function () {
    this.timeout(150_000);
    const leaseName = "resilience-pair";
    const a = await launch("pair-a", leaseName);
    const b = await launch("pair-b", leaseName);
    const leader = await leaderOf(a, b);
    const standby = leader === a ? b : a;
    assert.equal((await lease(leaseName)).spec?.holderIdentity, leader.identity);
    assert.ok(standby.operator.isReady(), "the standby keeps its caches warm");

    await create("pair-1", { storage: { stripes: 1, size: "5Gi" } });
    await readyDb("pair-1");
    assert.ok((await reconciles(leader.operator)) > 0);
    assert.equal(await reconciles(standby.operator), 0, "the standby never reconciles");
    assert.deepEqual(
      [...new Set((await eventsOf("pair-1")).map((e) => e.reportingInstance))],
      [leader.identity],
    );
    assert.equal(standby.operator.isLeader(), false);

    // graceful: the leader releases the Lease, the standby takes it without waiting for expiry
    const stoppedAt = Date.now();
    await leader.operator.stop();
    await eventually(
      "the standby leading",
      20_000,
      async () => standby.operator.isLeader() || undefined,
      100,
    );
    const handedOver = await lease(leaseName);
    assert.equal(handedOver.spec?.holderIdentity, standby.identity);
    assert.ok(
      ms(handedOver.spec?.acquireTime) - stoppedAt < LEASE_SECONDS * 1000,
      `taken over ${ms(handedOver.spec?.acquireTime) - stoppedAt} ms after the stop, within the lease duration`,
    );
    await create("pair-2", { storage: { stripes: 2, size: "5Gi" } });
    const pair2 = await readyDb("pair-2");
    assert.deepEqual(await childrenOf(pair2), expectedChildren("pair-2", 2));
    assert.deepEqual(
      [...new Set((await eventsOf("pair-2")).map((e) => e.reportingInstance))],
      [standby.identity],
    );

    // a hung leader (its node lost mid-reconcile: requests hang, nothing is reset): a third replica
    // takes the Lease once it expires; the hung one steps down by its renew deadline, so the two
    // never lead at once, and what it left half done is finished by its successor
    const third = await launch("pair-c", leaseName);
    const hung = standby;
    await create("pair-3", { storage: { stripes: 1, size: "5Gi" } });
    await eventually(
      "pair-3 being reconciled",
      30_000,
      async () => hung.operator.queue.inFlight > 0 || undefined,
      5,
    );
    hung.relay?.freeze();
    const lastRenew = ms((await lease(leaseName)).spec?.renewTime);
    let bothLed = false;
    await eventually(
      "the third replica leading",
      30_000,
      async () => {
        if (hung.operator.isLeader() && third.operator.isLeader()) bothLed = true;
        return third.operator.isLeader() || undefined;
      },
      100,
    );
    assert.equal(bothLed, false, "never two leaders at once");
    assert.equal(hung.operator.isLeader(), false);
    assert.equal(hung.lostLeadership, true, "the hung replica reported the loss (main exits on it)");
    const taken = await lease(leaseName);
    assert.equal(taken.spec?.holderIdentity, "pair-c");
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.ok(ms(taken.spec?.acquireTime) >= lastRenew + LEASE_SECONDS * 1000, "taken only once expired");
    const pair3 = await readyDb("pair-3");
    assert.deepEqual(await childrenOf(pair3), expectedChildren("pair-3", 1));
    await create("pair-4", { storage: { stripes: 1, size: "5Gi" } });
    await readyDb("pair-4");
    assert.deepEqual([...new Set((await eventsOf("pair-4")).map((e) => e.reportingInstance))], ["pair-c"]);
    for (const name of ["pair-1", "pair-2"]) assert.ok(isReady(await read(name)), `${name} still Ready`);
  });

  it("keeps reconciling through a kube-apiserver restart: its watches recover", async function () {
    this.timeout(180_000);
    // Leadership survives the outage (a renew deadline longer than the restart), and the slow poll
    // (30 s, re-looks after 3 min) leaves the watches as the only way to notice changes in time.
    const instance = await launch(
      "restart",
      "resilience-restart",
      { leaseDurationSeconds: 90, renewDeadlineSeconds: 60, pollSeconds: 30 },
      { direct: true },
    );
    await leaderOf(instance);
    await create("steady", { storage: { stripes: 1, size: "5Gi" } });
    await readyDb("steady");
    const restartsBefore = await informerRestarts(instance.operator);

    await ns.cluster.restartApiServer();
    await kdbAdmissionReady(ns.cluster.kubeConfig);

    await create("after-restart", { storage: { stripes: 2, size: "5Gi" } });
    await patchSpec("steady", { settings: { maxRows: 777 } });
    const fresh = await readyDb("after-restart", 90_000);
    assert.deepEqual(await childrenOf(fresh), expectedChildren("after-restart", 2));
    const steady = await eventually("steady: the change applied and Ready again", 90_000, async () => {
      const db = await read("steady");
      return db.metadata.generation === 2 && isReady(db) ? db : undefined;
    });
    assert.equal(steady.status?.observedGeneration, 2);
    const configMap = await core.readNamespacedConfigMap({ name: "steady-config", namespace: ns.name });
    assert.equal(configMap.data?.GURU_MAX_ROWS, "777");
    assert.equal(instance.lostLeadership, false, "the operator kept its Lease: it was not restarted");
    assert.ok(instance.operator.isLeader() && instance.operator.isReady());
    assert.ok(
      (await informerRestarts(instance.operator)) > restartsBefore,
      "the watches broke and were restarted",
    );
  });
});
