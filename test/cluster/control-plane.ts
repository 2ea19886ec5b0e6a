import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { freePort, LOOPBACK } from "../services/process.js";
import { type Component, startComponent, waitUntilReady } from "./component.js";
import { generatePki, type KeyPair, type Pki } from "./pki.js";
import type { ClusterTools } from "./tools.js";

/** Service-account tokens are issued for this issuer and audience, as on EKS (`aud` = the API server). */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
const SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
const CLUSTER_NAME = "time-series-guru-test";
const RUN_DIR_PREFIX = "time-series-guru-cluster-";
/** run directories (logs only, once stopped) kept for debugging; older ones are removed */
const KEEP_RUNS = 3;

/** The running processes and how to reach the API server. */
export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** PEM of the CA that signed the API server's certificate */
  caPem: string;
  /** admin kubeconfig (system:masters), written in the run directory */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** the run directory; logs/ holds one log per component and is kept after the run */
  dir: string;
  logDir: string;
  components: readonly Component[];
  /** the component that has exited, if any (a crash after start) */
  crashed(): Component | undefined;
  /**
   * Stops kube-apiserver (SIGTERM, as a control-plane upgrade does) and starts it again with the
   * same flags on the same port; resolves once /readyz answers. Every client has to reconnect.
   */
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

interface Probe {
  status: number;
  body: string;
}

interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** the component serves a self-signed certificate of its own (controller manager, scheduler) */
  insecure?: boolean;
}

function get(url: string, tls: TlsOptions = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const options = {
      timeout: 2000,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: !tls.insecure,
    };
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = request(url, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`timed out: ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

const ok = async (probe: Promise<Probe>): Promise<boolean> => (await probe).status === 200;

function kubeconfigYaml(server: string, caPem: string, user: { pair?: KeyPair; token?: string }): string {
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const credentials = user.pair
    ? [
        `    client-certificate-data: ${b64(readFileSync(user.pair.cert, "utf8"))}`,
        `    client-key-data: ${b64(readFileSync(user.pair.key, "utf8"))}`,
      ]
    : [`    token: ${user.token}`];
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${CLUSTER_NAME}`,
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    "users:",
    "- name: user",
    "  user:",
    ...credentials,
    "contexts:",
    `- name: ${CLUSTER_NAME}`,
    "  context:",
    `    cluster: ${CLUSTER_NAME}`,
    "    user: user",
    `current-context: ${CLUSTER_NAME}`,
    "",
  ].join("\n");
}

/** A kubeconfig that authenticates with a bearer token (a service account's, for least-privilege tests). */
export function tokenKubeconfigYaml(plane: Pick<ControlPlane, "server" | "caPem">, token: string): string {
  return kubeconfigYaml(plane.server, plane.caPem, { token });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a run directory's run is over: stopped (only logs left), or its test process is gone.
 * A directory in any other state may belong to a run going on now and is left alone.
 */
async function finished(runDir: string): Promise<boolean> {
  const entries = await readdir(runDir);
  if (!entries.includes("pid")) return !entries.includes("etcd");
  const pid = Number(await readFile(join(runDir, "pid"), "utf8").catch(() => "NaN"));
  return Number.isInteger(pid) && !alive(pid);
}

async function newRunDir(): Promise<string> {
  const base = process.env.GURU_CLUSTER_RUN_DIR ?? tmpdir();
  await mkdir(base, { recursive: true });
  // Keep the logs of the last few finished runs for debugging and drop older ones; a
  // run that may still be going (another mocha run on this machine) is never touched.
  const previous = (await readdir(base)).filter((name) => name.startsWith(RUN_DIR_PREFIX));
  const over: { path: string; mtime: number }[] = [];
  for (const name of previous) {
    const path = join(base, name);
    if (await finished(path)) over.push({ path, mtime: (await stat(path)).mtimeMs });
  }
  over.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(over.slice(KEEP_RUNS - 1).map(({ path }) => rm(path, { recursive: true, force: true })));
  const dir = await mkdtemp(join(base, RUN_DIR_PREFIX));
  await writeFile(join(dir, "pid"), String(process.pid));
  return dir;
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on loopback, each
 * waited for (`/health`, `/readyz`, `/healthz`) before the next; a component that fails to start
 * fails this call with the last lines of its log, and everything started so far is stopped.
 */
export async function startControlPlane(tools: ClusterTools): Promise<ControlPlane> {
  const dir = await newRunDir();
  const logDir = join(dir, "logs");
  await mkdir(logDir, { recursive: true });
  const started: Component[] = [];
  const stopAll = async () => {
    // Dependents first, the store last.
    const [etcd, apiserver, ...rest] = started;
    await Promise.all(rest.map((c) => c.stop()));
    if (apiserver) await apiserver.stop();
    if (etcd) await etcd.stop();
  };
  const start = (name: string, command: string, args: string[]) => {
    const component = startComponent({ name, command, args, logFile: join(logDir, `${name}.log`) });
    started.push(component);
    return component;
  };

  try {
    const pki: Pki = await generatePki(join(dir, "pki"));
    const caPem = readFileSync(pki.ca.cert, "utf8");
    const adminTls = {
      ca: caPem,
      cert: readFileSync(pki.admin.cert, "utf8"),
      key: readFileSync(pki.admin.key, "utf8"),
    };

    // etcd: one member, loopback only; fsync off (test data, much faster on a busy disk).
    const [etcdClientPort, etcdPeerPort] = [await freePort(), await freePort()];
    const etcdUrl = `http://${LOOPBACK}:${etcdClientPort}`;
    const etcdPeerUrl = `http://${LOOPBACK}:${etcdPeerPort}`;
    const etcd = start("etcd", tools.etcd, [
      "--name=guru",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${etcdPeerUrl}`,
      `--initial-advertise-peer-urls=${etcdPeerUrl}`,
      `--initial-cluster=guru=${etcdPeerUrl}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await waitUntilReady(
      etcd,
      "healthy",
      async () => {
        const probe = await get(`${etcdUrl}/health`);
        return probe.status === 200 && probe.body.includes('"true"');
      },
      60_000,
    );

    const apiPort = await freePort();
    const server = `https://${LOOPBACK}:${apiPort}`;
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      // The "kubernetes" Service's endpoints would be a loopback address, which the lease
      // reconciler refuses; nothing in this cluster connects to the Service anyway.
      "--endpoint-reconciler-type=none",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      // The aggregation layer's front proxy (also what lets the controller manager and scheduler
      // read a complete extension-apiserver-authentication ConfigMap).
      `--requestheader-client-ca-file=${pki.ca.cert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NodeRestriction",
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      "--allow-privileged=true",
      "--profiling=false",
    ];
    const apiserverReady = (component: Component) =>
      waitUntilReady(component, "ready (/readyz)", () => ok(get(`${server}/readyz`, adminTls)), 120_000);
    const apiserver = start("kube-apiserver", tools.kubeApiserver, apiserverArgs);
    await apiserverReady(apiserver);

    const componentKubeconfig = async (name: string, pair: KeyPair) => {
      const path = join(dir, `${name}.kubeconfig`);
      await writeFile(path, kubeconfigYaml(server, caPem, { pair }), { mode: 0o600 });
      return path;
    };
    const kubeconfigPath = await componentKubeconfig("admin", pki.admin);
    const kcmKubeconfig = await componentKubeconfig("kube-controller-manager", pki.controllerManager);
    const schedulerKubeconfig = await componentKubeconfig("kube-scheduler", pki.scheduler);
    const kwokKubeconfig = await componentKubeconfig("kwok", pki.kwok);

    const delegated = (kubeconfig: string) => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
    ];
    const kcmPort = await freePort();
    const kcm = start("kube-controller-manager", tools.kubeControllerManager, [
      ...delegated(kcmKubeconfig),
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(dir, "kube-controller-manager")}`,
      "--leader-elect=false",
      // Every controller on by default: garbage collector, StatefulSet, PV binder and expander,
      // service-account and token controllers, node lifecycle, disruption, ...
      "--controllers=*",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--cluster-name=${CLUSTER_NAME}`,
    ]);
    const schedulerPort = await freePort();
    const scheduler = start("kube-scheduler", tools.kubeScheduler, [
      ...delegated(schedulerKubeconfig),
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${schedulerPort}`,
      `--cert-dir=${join(dir, "kube-scheduler")}`,
      "--leader-elect=false",
    ]);
    const kwokPort = await freePort();
    const kwokConfig = join(dir, "kwok.yaml");
    await writeFile(
      kwokConfig,
      [
        "apiVersion: config.kwok.x-k8s.io/v1alpha1",
        "kind: KwokConfiguration",
        "options:",
        // Only the fake EC2 nodes the harness creates (annotated so) are kwok's.
        "  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake",
        "  nodeLeaseDurationSeconds: 40",
        // kwok applies no defaults to these when a configuration file is given.
        "  nodeLeaseParallelism: 4",
        "  nodePlayStageParallelism: 4",
        "  podPlayStageParallelism: 4",
        "  podsOnNodeSyncParallelism: 1",
        "  enablePodsOnNodeSyncListPager: true",
        "  enablePodsOnNodeSyncStreamWatch: false",
        // Pod IPs are only written into pod status: nothing ever connects to them.
        "  cidr: 10.244.0.1/16",
        `  serverAddress: ${LOOPBACK}:${kwokPort}`,
        "",
      ].join("\n"),
    );
    const kwok = start("kwok", tools.kwok, [
      `--kubeconfig=${kwokKubeconfig}`,
      `--config=${tools.kwokStages}`,
      `--config=${kwokConfig}`,
    ]);
    const healthz = (port: number) => () =>
      ok(get(`https://${LOOPBACK}:${port}/healthz`, { insecure: true }));
    await Promise.all([
      waitUntilReady(kcm, "healthy (/healthz)", healthz(kcmPort), 60_000),
      waitUntilReady(scheduler, "healthy (/healthz)", healthz(schedulerPort), 60_000),
      waitUntilReady(
        kwok,
        "healthy (/healthz)",
        () => ok(get(`http://${LOOPBACK}:${kwokPort}/healthz`)),
        60_000,
      ),
    ]);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const components = [...started];
    let stopped: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    return {
      server,
      caPem,
      kubeconfigPath,
      kubeConfig,
      dir,
      logDir,
      components,
      crashed: () => components.find((c) => !c.running()),
      restartApiServer() {
        restarting ??= (async () => {
          const index = started.findIndex((c) => c.name === "kube-apiserver");
          await started[index]!.stop();
          // the same log file, appended to
          const next = startComponent({
            name: "kube-apiserver",
            command: tools.kubeApiserver,
            args: apiserverArgs,
            logFile: join(logDir, "kube-apiserver.log"),
          });
          started[index] = next;
          components[components.findIndex((c) => c.name === "kube-apiserver")] = next;
          await apiserverReady(next);
        })().finally(() => {
          restarting = undefined;
        });
        return restarting;
      },
      stop() {
        stopped ??= (async () => {
          await restarting?.catch(() => undefined);
          await stopAll();
          // Keep only the logs: the store, keys, kubeconfigs and the owner's pid go.
          const keep = new Set(["logs"]);
          for (const entry of await readdir(dir)) {
            if (!keep.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
          }
        })();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
