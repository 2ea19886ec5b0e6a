import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { ApiException, AppsV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { parse, parseAllDocuments } from "yaml";
import {
  BACKUP_PLURAL,
  KDB_API_VERSION,
  KDB_GROUP,
  KDB_KIND,
  KDB_PLURAL,
  KDB_VERSION,
} from "../../crds/src/index.js";
import { crdFiles } from "../../crds/src/manifests.js";
import type { OperatorConfigInput } from "../../operator/src/config.js";
import { type Operator, operatorConfig, startOperator } from "../../operator/src/index.js";
import type { Clock } from "../../operator/src/kube/clock.js";
import {
  applyManifest,
  deleteManifest,
  type Manifest,
  rawRequest,
  type TestNamespace,
} from "../cluster/index.js";
import { eventually } from "../support/eventually.js";

interface CrdState {
  metadata: { deletionTimestamp?: string };
  spec: { group: string; names: { plural: string }; versions: { name: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * Applies the checked-in CRDs (KdbDatabase, KdbBackup, KdbScheduledBackup: the operator watches all
 * the first two), as a user would, and waits until their objects are served.
 */
export async function installKdbCrd(kubeConfig: KubeConfig, fieldManager: string): Promise<void> {
  for (const { file } of crdFiles()) await installCrd(kubeConfig, fieldManager, file);
  await kdbAdmissionReady(kubeConfig);
}

/**
 * One CRD. A CRD another suite deleted may still be terminating, where an apply changes nothing:
 * wait for it to go first. Established can be True a moment before the resource is served, so
 * list it too.
 */
async function installCrd(kubeConfig: KubeConfig, fieldManager: string, file: string): Promise<void> {
  const manifest = parse(readFileSync(file, "utf8")) as Manifest;
  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${manifest.metadata.name}`;
  await eventually(`no ${manifest.metadata.name} CRD still terminating`, 60_000, async () => {
    const crd = await rawRequest<CrdState>(kubeConfig, "GET", crdPath).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
    return crd?.metadata.deletionTimestamp === undefined ? true : undefined;
  });
  await applyManifest(kubeConfig, manifest, fieldManager);
  await eventually(`the ${manifest.metadata.name} CRD established and served`, 30_000, async () => {
    const crd = await rawRequest<CrdState>(kubeConfig, "GET", crdPath);
    if (!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"))
      return undefined;
    const version = crd.spec.versions[0]?.name;
    await rawRequest(
      kubeConfig,
      "GET",
      `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}?limit=1`,
    );
    return true;
  });
}

/**
 * Waits until a KdbDatabase can be created: the CRD's admission policies match by kind through the
 * API server's discovery, which lags a new CRD or a restart, and until then every create answers
 * 503 "Resource kind ... not found". A dry-run create that gets past admission (any answer but
 * 503, an invalid spec's 422 included) shows it caught up.
 */
export async function kdbAdmissionReady(kubeConfig: KubeConfig): Promise<void> {
  const probe = {
    apiVersion: KDB_API_VERSION,
    kind: KDB_KIND,
    metadata: { name: "admission-probe" },
    spec: {},
  };
  await eventually("KdbDatabase creates past admission", 60_000, async () => {
    const path = `/apis/${KDB_API_VERSION}/namespaces/default/${KDB_PLURAL}?dryRun=All`;
    const code = await rawRequest(kubeConfig, "POST", path, probe).then(
      () => 201,
      (err: { code?: number }) => err.code ?? 0,
    );
    return code === 503 ? undefined : true;
  });
}

/**
 * guru-api's identity in a suite's namespace: a service account with the Role the chart gives the
 * API (helm/time-series-guru/templates/api-rbac.yaml, which test/e2e/chart.test.ts holds to the
 * same rules), once in force; its kubeconfig.
 */
export async function apiKubeConfig(ns: TestNamespace, fieldManager: string): Promise<KubeConfig> {
  const { kubeConfig } = ns.cluster;
  const rbac: Manifest[] = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "guru-api", namespace: ns.name } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "guru-api", namespace: ns.name },
      rules: [
        {
          apiGroups: [KDB_GROUP],
          resources: [KDB_PLURAL],
          verbs: ["get", "list", "watch", "create", "patch", "update", "delete"],
        },
        { apiGroups: [KDB_GROUP], resources: [BACKUP_PLURAL], verbs: ["get", "create", "patch", "delete"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "guru-api", namespace: ns.name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "guru-api" },
      subjects: [{ kind: "ServiceAccount", name: "guru-api", namespace: ns.name }],
    },
  ];
  for (const manifest of rbac) await applyManifest(kubeConfig, manifest, fieldManager);
  const asApi = ns.cluster.kubeConfigForToken(await ns.cluster.serviceAccountToken(ns.name, "guru-api"));
  await eventually("the API's RBAC in force", 10_000, async () =>
    asApi.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: KDB_GROUP,
      version: KDB_VERSION,
      namespace: ns.name,
      plural: KDB_PLURAL,
    }),
  );
  return asApi;
}

/** The CustomObjectsApi address of one of our resources in `namespace`: a KdbDatabase unless `plural` says. */
export function kdbRef(namespace: string, name: string, plural: string = KDB_PLURAL) {
  return { group: KDB_GROUP, version: KDB_VERSION, plural, namespace, name };
}

/** The API server's refusal of a call: HTTP code and the Status message. */
export async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = typeof err.body === "string" ? JSON.parse(err.body) : err.body;
    return { code: err.code, message: String(body?.message ?? err.message) };
  }
  assert.fail("the API server accepted a call it should refuse");
}

/** operator/rbac.yaml for a suite: its namespace, and cluster-scoped names made unique. */
function rbacManifests(namespace: string): Manifest[] {
  return parseAllDocuments(readFileSync("operator/rbac.yaml", "utf8")).map((doc) => {
    const manifest = doc.toJS() as Manifest & {
      subjects?: { namespace?: string }[];
      roleRef?: { name: string };
    };
    if (manifest.metadata.namespace) manifest.metadata.namespace = namespace;
    for (const subject of manifest.subjects ?? []) subject.namespace = namespace;
    if (manifest.kind === "ClusterRole" || manifest.kind === "ClusterRoleBinding")
      manifest.metadata.name = `guru-operator-${namespace}`;
    if (manifest.kind === "ClusterRoleBinding" && manifest.roleRef)
      manifest.roleRef.name = `guru-operator-${namespace}`;
    return manifest;
  });
}

export interface SuiteOperatorOptions {
  log: Logger;
  /** over the suite defaults: the suite's namespace watched (and the Lease's), no Lease, a poll every second */
  config?: OperatorConfigInput;
  /** serve health and metrics (default false) */
  httpServer?: boolean;
  clock?: Clock;
  /** false: none is started; the suite starts its own on `kubeConfig` */
  start?: boolean;
}

export interface SuiteOperator {
  /** a kubeconfig on the operator's service-account token, bound only by operator/rbac.yaml */
  readonly kubeConfig: KubeConfig;
  /** the operator started for the suite */
  readonly operator: Operator | undefined;
}

/**
 * Registers mocha hooks that set up what an operator suite stands on: the CRDs installed,
 * operator/rbac.yaml applied for the suite's namespace, a kubeconfig on the operator's
 * service-account token once that RBAC is in force (the authorizer sees new bindings within
 * moments), and the operator started in process on it: it runs with nothing more, so a missing
 * permission fails the suite. After the suite the operator stops and the RBAC's cluster-scoped
 * part is deleted (the rest goes with the namespace). Call it in a `describe` body after
 * useTestNamespace.
 */
export function useOperator(ns: TestNamespace, options: SuiteOperatorOptions): SuiteOperator {
  let kubeConfig: KubeConfig | undefined;
  let operator: Operator | undefined;
  before(async function () {
    this.timeout(90_000);
    kubeConfig = await operatorAccess(ns);
    if (options.start === false) return;
    operator = await startOperator({
      config: operatorConfig({
        namespace: ns.name,
        watchNamespace: ns.name,
        leaderElection: false,
        pollSeconds: 1,
        ...options.config,
      }),
      kubeConfig,
      log: options.log,
      httpServer: options.httpServer ?? false,
      clock: options.clock,
    });
  });
  after(async function () {
    this.timeout(30_000);
    await operator?.stop();
    if (!ns.ready) return;
    for (const manifest of rbacManifests(ns.name).filter((m) => !m.metadata.namespace))
      await deleteManifest(ns.cluster.kubeConfig, manifest);
  });
  return {
    get kubeConfig() {
      if (!kubeConfig)
        throw new Error("the operator's kubeconfig exists only once the suite's before hook ran");
      return kubeConfig;
    },
    get operator() {
      return operator;
    },
  };
}

async function operatorAccess(ns: TestNamespace): Promise<KubeConfig> {
  const { kubeConfig } = ns.cluster;
  await installKdbCrd(kubeConfig, "e2e-operator");
  for (const manifest of rbacManifests(ns.name)) await applyManifest(kubeConfig, manifest, "e2e-operator");
  const asOperator = ns.cluster.kubeConfigForToken(
    await ns.cluster.serviceAccountToken(ns.name, "guru-operator"),
  );
  await eventually("the operator's RBAC in force", 10_000, async () =>
    asOperator.makeApiClient(AppsV1Api).listNamespacedStatefulSet({ namespace: ns.name, limit: 1 }),
  );
  return asOperator;
}
