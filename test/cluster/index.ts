import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  type V1Namespace,
  VersionApi,
} from "@kubernetes/client-node";
import {
  type ControlPlane,
  SERVICE_ACCOUNT_ISSUER,
  startControlPlane,
  tokenKubeconfigYaml,
} from "./control-plane.js";
import { fakeNodes, NODE_GROUPS, type NodeGroup, registerNodes } from "./nodes.js";
import { FakeEbsProvisioner, gp3StorageClass, STORAGE_CLASS } from "./storage.js";
import { type ClusterTools, findClusterTools } from "./tools.js";

export { SERVICE_ACCOUNT_ISSUER } from "./control-plane.js";
export {
  ApiError,
  applyManifest,
  deleteManifest,
  type Manifest,
  rawRequest,
  resourcePath,
} from "./manifests.js";
export { KWOK_NODE_ANNOTATION, NODE_GROUPS, NODE_LABELS, type NodeGroup, REGION, ZONES } from "./nodes.js";
export { EBS_CSI_DRIVER, parseQuantity, STORAGE_CLASS } from "./storage.js";
export { pinnedKubernetesVersion } from "./tools.js";

/** The local Kubernetes control plane shared by every e2e suite of a mocha run. */
export interface Cluster {
  /** https://127.0.0.1:PORT */
  server: string;
  /** admin (system:masters) kubeconfig file, for tools such as helm */
  kubeconfigPath: string;
  /** admin credentials for @kubernetes/client-node */
  kubeConfig: KubeConfig;
  /** one log per component (etcd, kube-apiserver, ..., fake-ebs-provisioner) */
  logDir: string;
  tools: ClusterTools;
  nodeGroups: readonly NodeGroup[];
  storageClass: string;
  /** the API server's /version gitVersion, e.g. v1.37.2 */
  version: string;
  /** how long the start took, ms */
  startMs: number;
  /** a KubeConfig that authenticates with a bearer token, e.g. a service account's */
  kubeConfigForToken(token: string): KubeConfig;
  /** the same as a kubeconfig file in the run directory (for a process run out of cluster) */
  writeKubeconfigForToken(token: string, name: string): Promise<string>;
  /** a fresh token of a service account (TokenRequest), audience the API server */
  serviceAccountToken(namespace: string, serviceAccount: string, expirationSeconds?: number): Promise<string>;
  /**
   * Restarts kube-apiserver (SIGTERM, then the same flags on the same port) and resolves once it
   * is ready again: watches of every client break and must recover. Same certificates, so
   * kubeconfigs and tokens stay valid.
   */
  restartApiServer(): Promise<void>;
}

interface Running {
  cluster: Cluster;
  plane: ControlPlane;
  provisioner: FakeEbsProvisioner;
}

// The singleton lives on globalThis: under tsx, the root hook's import of this module can be a
// second instance of it, and must still see (and stop) the cluster that the suites started.
const RUNNING = Symbol.for("time-series-guru.test.cluster");
const registry = globalThis as { [RUNNING]?: Promise<Running> | undefined };

async function start(): Promise<Running> {
  const began = Date.now();
  const tools = await findClusterTools();
  const plane = await startControlPlane(tools);
  try {
    const { kubeConfig } = plane;
    await registerNodes(kubeConfig, fakeNodes(NODE_GROUPS));
    await kubeConfig.makeApiClient(StorageV1Api).createStorageClass({ body: gp3StorageClass() });
    const provisioner = new FakeEbsProvisioner(kubeConfig, join(plane.logDir, "fake-ebs-provisioner.log"));
    provisioner.start();
    const version = (await kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const kubeConfigForToken = (token: string) => {
      const config = new KubeConfig();
      config.loadFromString(tokenKubeconfigYaml(plane, token));
      return config;
    };
    const cluster: Cluster = {
      server: plane.server,
      kubeconfigPath: plane.kubeconfigPath,
      kubeConfig,
      logDir: plane.logDir,
      tools,
      nodeGroups: NODE_GROUPS,
      storageClass: STORAGE_CLASS,
      version,
      startMs: Date.now() - began,
      kubeConfigForToken,
      async writeKubeconfigForToken(token, name) {
        const path = join(plane.dir, `${name}.kubeconfig`);
        await writeFile(path, tokenKubeconfigYaml(plane, token), { mode: 0o600 });
        return path;
      },
      async serviceAccountToken(namespace, serviceAccount, expirationSeconds = 3600) {
        const request = await core.createNamespacedServiceAccountToken({
          name: serviceAccount,
          namespace,
          body: { spec: { audiences: [SERVICE_ACCOUNT_ISSUER], expirationSeconds } },
        });
        return request.status!.token;
      },
      async restartApiServer() {
        await plane.restartApiServer();
        // Ready is not settled: until the scheduler's and kwok's watches resume, a pod replaced in
        // that window can be missed (kube-scheduler then logs "Scheduler cache is corrupted" and
        // stops placing pods). A canary pod scheduled and Running means they see new pods again.
        await canaryPod(core);
      },
    };
    process.stderr.write(
      `    local Kubernetes ${version} control plane up in ${(cluster.startMs / 1000).toFixed(1)} s; logs in ${plane.logDir}\n`,
    );
    return { cluster, plane, provisioner };
  } catch (err) {
    await plane.stop();
    throw err;
  }
}

/** Creates a pod on any fake node, waits until kwok reports it Running, and deletes it. */
async function canaryPod(core: CoreV1Api, timeoutMs = 60_000): Promise<void> {
  const name = `canary-${randomBytes(3).toString("hex")}`;
  const namespace = "default";
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: "canary", image: "registry.example/pause:3.10" }],
      },
    },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pod = await core.readNamespacedPod({ name, namespace }).catch(() => undefined);
      if (pod?.status?.phase === "Running") return;
      if (Date.now() > deadline) throw new Error(`canary pod not Running within ${timeoutMs} ms`);
      await sleep(200);
    }
  } finally {
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

/**
 * The control plane, started on first use (build it first with `make cluster-tools`) and shared
 * by every suite of the run; the root hook stops it at the end.
 */
export async function useCluster(): Promise<Cluster> {
  registry[RUNNING] ??= start();
  const { cluster, plane } = await registry[RUNNING];
  const crashed = plane.crashed();
  if (crashed) {
    throw new Error(
      `${crashed.name} of the local control plane has exited; last lines of ${crashed.logFile}:\n${crashed.tail()}`,
    );
  }
  return cluster;
}

/** Stops every component (process groups, SIGTERM then SIGKILL); the logs stay in the run directory. */
export async function stopCluster(): Promise<void> {
  const current = registry[RUNNING];
  registry[RUNNING] = undefined;
  if (!current) return;
  // A control plane that failed to start was already stopped and reported by the suite that asked.
  const started = await current.catch(() => undefined);
  if (!started) return;
  await started.provisioner.stop();
  await started.plane.stop();
}

/** A namespace created for one suite and deleted after it; `name` and `cluster` are set in `before`. */
export interface TestNamespace {
  readonly name: string;
  readonly cluster: Cluster;
  /** false when the before hook failed (no cluster): an after hook then has nothing to clean */
  readonly ready: boolean;
}

/** How long a suite may wait for the control plane's first start (a cold start on a busy machine). */
export const CLUSTER_START_TIMEOUT_MS = 180_000;

/**
 * Registers mocha hooks that start (or reuse) the cluster and create a fresh namespace
 * `<prefix>-<random>` before the suite, and delete it after, so suites never see each other's
 * objects. Call it in a `describe` body.
 */
export function useTestNamespace(prefix: string): TestNamespace {
  let name: string | undefined;
  let cluster: Cluster | undefined;
  const namespace: TestNamespace = {
    get name() {
      if (!name) throw new Error("the test namespace exists only once the suite's before hook ran");
      return name;
    },
    get cluster() {
      if (!cluster) throw new Error("the cluster is there only once the suite's before hook ran");
      return cluster;
    },
    get ready() {
      return name !== undefined && cluster !== undefined;
    },
  };
  before(async function () {
    this.timeout(CLUSTER_START_TIMEOUT_MS);
    cluster = await useCluster();
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const candidate = `${prefix}-${randomBytes(3).toString("hex")}`;
    const body: V1Namespace = {
      metadata: { name: candidate, labels: { "time-series-guru.test/suite": prefix } },
    };
    await core.createNamespace({ body });
    name = candidate;
    // Pods are refused until the service-account controller created the namespace's "default".
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await core.readNamespacedServiceAccount({ name: "default", namespace: candidate });
        break;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404) || Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  });
  after(async () => {
    if (!name || !cluster) return;
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    // The namespace controller removes everything in it; the run does not wait for that.
    await core.deleteNamespace({ name, propagationPolicy: "Background" }).catch((err: unknown) => {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    });
    name = undefined;
  });
  return namespace;
}
