import { strict as assert } from "node:assert";
import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  applyManifest,
  deleteManifest,
  NODE_LABELS,
  pinnedKubernetesVersion,
  rawRequest,
  STORAGE_CLASS,
  useTestNamespace,
} from "../cluster/index.js";
import { eventually } from "../support/eventually.js";
import { refusal } from "./support.js";

// The local control plane itself: what the operator, chart and provisioner suites rely on.

const GROUP = "e2e.timeseries.guru";
const VERSION = "v1";
const PLURAL = "gadgets";
const KIND = "Gadget";

// A plain manifest (as crds/*.yaml will be), applied untouched: see test/cluster/manifests.ts.
const testCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: PLURAL, singular: "gadget", kind: KIND, listKind: `${KIND}List` },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["stripes"],
                properties: {
                  stripes: {
                    type: "integer",
                    minimum: 1,
                    maximum: 64,
                    "x-kubernetes-validations": [
                      { rule: "self == oldSelf", message: "stripes is immutable" },
                    ],
                  },
                  size: { type: "string" },
                },
              },
              status: { type: "object", properties: { phase: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
};

const serverSideApply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("e2e: local Kubernetes control plane", function () {
  this.timeout(60_000);
  const ns = useTestNamespace("cluster-smoke");
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  before(async () => {
    const { kubeConfig } = ns.cluster;
    core = kubeConfig.makeApiClient(CoreV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    await applyManifest(kubeConfig, testCrd, "e2e-smoke");
    await eventually("the test CRD established", 30_000, async () => {
      const crd = await rawRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(
        kubeConfig,
        "GET",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${testCrd.metadata.name}`,
      );
      return (
        crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") || undefined
      );
    });
  });

  after(async () => {
    if (!ns.ready) return;
    await deleteManifest(ns.cluster.kubeConfig, testCrd);
  });

  const gadget = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name, namespace: ns.name },
    spec,
  });
  const ref = (name: string) => ({
    group: GROUP,
    version: VERSION,
    namespace: ns.name,
    plural: PLURAL,
    name,
  });

  it("serves the pinned Kubernetes release", () => {
    // The version stamped at build time (-ldflags) is the one test/cluster/tools/go.mod pins.
    assert.equal(ns.cluster.version, pinnedKubernetesVersion());
  });

  it("validates a custom resource with its schema and a CEL immutability rule", async () => {
    await custom.createNamespacedCustomObject({
      ...ref(""),
      body: gadget("cel", { stripes: 4, size: "10Gi" }),
    });
    const current = (await custom.getNamespacedCustomObject(ref("cel"))) as { spec: { stripes: number } };
    assert.equal(current.spec.stripes, 4);

    const immutable = await refusal(
      custom.patchNamespacedCustomObject({ ...ref("cel"), body: { spec: { stripes: 8 } } }, mergePatch),
    );
    assert.equal(immutable.code, 422);
    assert.match(immutable.message, /stripes is immutable/);

    const outOfRange = await refusal(
      custom.createNamespacedCustomObject({ ...ref(""), body: gadget("too-small", { stripes: 0 }) }),
    );
    assert.equal(outOfRange.code, 422);
    assert.match(outOfRange.message, /spec\.stripes/);

    // A change the rule allows goes through.
    await custom.patchNamespacedCustomObject({ ...ref("cel"), body: { spec: { size: "20Gi" } } }, mergePatch);
  });

  it("applies server-side with field managers and reports conflicts", async () => {
    const apply = (manager: string, size: string, force: boolean) =>
      custom.patchNamespacedCustomObject(
        { ...ref("ssa"), body: gadget("ssa", { stripes: 2, size }), fieldManager: manager, force },
        serverSideApply,
      );
    await apply("guru-operator", "10Gi", false);
    const conflict = await refusal(apply("someone-else", "30Gi", false));
    assert.equal(conflict.code, 409);
    assert.match(conflict.message, /conflict/i);

    const forced = (await apply("someone-else", "30Gi", true)) as {
      spec: { size: string };
      metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] };
    };
    assert.equal(forced.spec.size, "30Gi");
    const owners = forced.metadata.managedFields.filter((f) => JSON.stringify(f.fieldsV1).includes("f:size"));
    assert.deepEqual(
      owners.map((f) => [f.manager, f.operation]),
      [["someone-else", "Apply"]],
    );
  });

  it("keeps status behind the status subresource", async () => {
    await custom.createNamespacedCustomObject({ ...ref(""), body: gadget("status", { stripes: 1 }) });
    // Status written through the main resource is dropped...
    const main = (await custom.patchNamespacedCustomObject(
      { ...ref("status"), body: { status: { phase: "Ready" } } },
      mergePatch,
    )) as { status?: { phase?: string }; metadata: { generation: number } };
    assert.equal(main.status?.phase, undefined);
    // ...and written through /status without bumping the generation.
    const updated = (await custom.patchNamespacedCustomObjectStatus(
      { ...ref("status"), body: { status: { phase: "Ready" } } },
      mergePatch,
    )) as { status?: { phase?: string }; metadata: { generation: number } };
    assert.equal(updated.status?.phase, "Ready");
    assert.equal(updated.metadata.generation, main.metadata.generation);
  });

  it("schedules a StatefulSet with two claim templates onto the selected node group, binds its volumes and runs it", async function () {
    this.timeout(90_000);
    const apps = ns.cluster.kubeConfig.makeApiClient(AppsV1Api);
    const group = ns.cluster.nodeGroups.find((g) => g.instanceType === "r5.8xlarge")!;
    const labels = { app: "stripes" };
    await core.createNamespacedService({
      namespace: ns.name,
      body: {
        metadata: { name: "stripes" },
        spec: { clusterIP: "None", selector: labels, ports: [{ port: 5000 }] },
      },
    });
    const claim = (name: string) => ({
      metadata: { name },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: STORAGE_CLASS,
        resources: { requests: { storage: "10Gi" } },
      },
    });
    await apps.createNamespacedStatefulSet({
      namespace: ns.name,
      body: {
        metadata: { name: "stripes" },
        spec: {
          serviceName: "stripes",
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              nodeSelector: { [NODE_LABELS.nodeGroup]: group.name },
              containers: [
                {
                  name: "kdb",
                  image: "registry.example/guru-engine:test",
                  resources: { requests: { cpu: "2", memory: "16Gi" } },
                  volumeMounts: [
                    { name: "stripe-0", mountPath: "/data/0" },
                    { name: "stripe-1", mountPath: "/data/1" },
                  ],
                },
              ],
            },
          },
          volumeClaimTemplates: [claim("stripe-0"), claim("stripe-1")],
        },
      },
    });

    const pod = await eventually("pod stripes-0 Running and Ready", 80_000, async () => {
      const p = await core.readNamespacedPod({ name: "stripes-0", namespace: ns.name });
      const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return p.status?.phase === "Running" && ready ? p : undefined;
    });
    const node = await core.readNode({ name: pod.spec!.nodeName! });
    assert.equal(node.metadata?.labels?.[NODE_LABELS.nodeGroup], group.name);
    assert.equal(node.metadata?.labels?.[NODE_LABELS.instanceType], "r5.8xlarge");
    const zone = node.metadata?.labels?.[NODE_LABELS.zone];

    for (const template of ["stripe-0", "stripe-1"]) {
      const pvc = await core.readNamespacedPersistentVolumeClaim({
        name: `${template}-stripes-0`,
        namespace: ns.name,
      });
      assert.equal(pvc.status?.phase, "Bound");
      assert.equal(pvc.metadata?.annotations?.["volume.kubernetes.io/selected-node"], node.metadata?.name);
      const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
      assert.equal(pv.spec?.capacity?.storage, "10Gi");
      const term = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0];
      assert.deepEqual([term?.key, term?.values], [NODE_LABELS.zone, [zone]]);
    }
    const sts = await eventually("StatefulSet readyReplicas 1", 20_000, async () => {
      const s = await apps.readNamespacedStatefulSet({ name: "stripes", namespace: ns.name });
      return s.status?.readyReplicas === 1 ? s : undefined;
    });
    assert.equal(sts.status?.currentReplicas, 1);
  });

  it("grows a bound gp3 claim and deletes its volume with it", async function () {
    this.timeout(60_000);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns.name,
      body: {
        metadata: { name: "grow" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: STORAGE_CLASS,
          resources: { requests: { storage: "10Gi" } },
        },
      },
    });
    await core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name: "grower" },
        spec: {
          nodeSelector: { [NODE_LABELS.nodeGroup]: "kdb-standard" },
          containers: [
            {
              name: "kdb",
              image: "registry.example/guru-engine:test",
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "grow" } }],
        },
      },
    });
    // Online expansion: the claim is in use by a running pod.
    await eventually("pod grower Running", 30_000, async () => {
      const pod = await core.readNamespacedPod({ name: "grower", namespace: ns.name });
      return pod.status?.phase === "Running" || undefined;
    });
    const bound = await core.readNamespacedPersistentVolumeClaim({ name: "grow", namespace: ns.name });
    assert.equal(bound.status?.phase, "Bound");
    const volumeName = bound.spec!.volumeName!;

    await core.patchNamespacedPersistentVolumeClaim(
      { name: "grow", namespace: ns.name, body: { spec: { resources: { requests: { storage: "20Gi" } } } } },
      mergePatch,
    );
    await eventually("claim grow expanded to 20Gi", 20_000, async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: "grow", namespace: ns.name });
      return pvc.status?.capacity?.storage === "20Gi" || undefined;
    });
    assert.equal((await core.readPersistentVolume({ name: volumeName })).spec?.capacity?.storage, "20Gi");

    // Shrinking is refused by the API server.
    const shrink = await refusal(
      core.patchNamespacedPersistentVolumeClaim(
        { name: "grow", namespace: ns.name, body: { spec: { resources: { requests: { storage: "5Gi" } } } } },
        mergePatch,
      ),
    );
    assert.equal(shrink.code, 422);

    await core.deleteNamespacedPod({ name: "grower", namespace: ns.name });
    await core.deleteNamespacedPersistentVolumeClaim({ name: "grow", namespace: ns.name });
    await eventually("volume of claim grow deleted (reclaim policy Delete)", 30_000, async () => {
      const gone = await refusal(core.readPersistentVolume({ name: volumeName }));
      return gone.code === 404 || undefined;
    });
  });

  it("enforces RBAC on a service account's token", async () => {
    const rbac = ns.cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "reader" } } });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: "get-configmaps" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "reader-gets-configmaps" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "get-configmaps" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns.name }],
      },
    });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "visible" } } });

    const token = await ns.cluster.serviceAccountToken(ns.name, "reader");
    const asReader = ns.cluster.kubeConfigForToken(token);
    const review = await asReader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${ns.name}:reader`);

    const readerCore = asReader.makeApiClient(CoreV1Api);
    // The authorizer's cache sees the new binding within moments.
    const visible = await eventually("get allowed by the Role", 10_000, async () =>
      readerCore.readNamespacedConfigMap({ name: "visible", namespace: ns.name }),
    );
    assert.equal(visible.metadata?.name, "visible");
    const listed = await refusal(readerCore.listNamespacedConfigMap({ namespace: ns.name }));
    assert.equal(listed.code, 403);
    assert.match(listed.message, /cannot list resource "configmaps"/);
    const elsewhere = await refusal(
      readerCore.readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace: "default" }),
    );
    assert.equal(elsewhere.code, 403);
  });
  it("garbage-collects what a custom resource owns once it is deleted", async function () {
    // The collector watches a new CRD's kind from its next discovery resync (every 30 s): this test
    // runs last so that the others use that time.
    this.timeout(120_000);
    const owner = (await custom.createNamespacedCustomObject({
      ...ref(""),
      body: gadget("owner", { stripes: 1 }),
    })) as { metadata: { uid: string } };
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: {
        metadata: {
          name: "owned",
          ownerReferences: [
            {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: KIND,
              name: "owner",
              uid: owner.metadata.uid,
              controller: true,
            },
          ],
        },
        data: { stripe: "0" },
      },
    });
    await custom.deleteNamespacedCustomObject({ ...ref("owner"), propagationPolicy: "Background" });
    await eventually("the owned ConfigMap deleted by the garbage collector", 110_000, async () => {
      const gone = await refusal(core.readNamespacedConfigMap({ name: "owned", namespace: ns.name }));
      return gone.code === 404 || undefined;
    });
  });
});
