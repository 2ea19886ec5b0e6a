/**
 * guru-operator at scale: 500 KdbDatabases created at once against the local control plane
 * (test/cluster: real kube-apiserver, etcd, controller manager and scheduler, kwok nodes). The
 * operator runs as its own process (dist/operator/src/main.js, as in a pod), so its RSS is its own.
 * Measured: time until every StatefulSet is applied and every database has settled (below), the
 * reconcile rate over that time (from the operator's /metrics), and the operator's peak RSS. Each
 * database has one 10Gi stripe and asks for a pod: six fake nodes admit six database pods (one per
 * node), so the other pods stay Pending and their databases report PodUnschedulable, which is the
 * steady state the operator must reach and report. Run: make bench-operator
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import {
  KDB_CRD_NAME,
  KDB_GROUP,
  KDB_PLURAL,
  KDB_VERSION,
  type KdbDatabase,
  kdbDatabaseManifest,
} from "../crds/src/index.js";
import { CRD_FILE } from "../crds/src/manifests.js";
import { applyManifest, type Manifest, rawRequest, stopCluster, useCluster } from "../test/cluster/index.js";
import { freePort } from "../test/services/process.js";
import { type Figure, report } from "./support/report.js";

const DATABASES = 500;
const CREATE_CONCURRENCY = 25;
const TIMEOUT_MS = 600_000;
const TARGET_S = 60;

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

function metric(text: string, name: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").pop());
  }
  return total;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

const condition = (db: KdbDatabase, type: string) => db.status?.conditions?.find((c) => c.type === type);

/**
 * Whether a database's status is its true steady state for the current generation: Ready (the
 * pod serves), or Degraded because the scheduler cannot place the pod. Any other phase (Pending,
 * Provisioning, Updating, or Degraded for another reason) is still on its way, and a status of an
 * older generation says nothing.
 */
function settled(db: KdbDatabase): boolean {
  if (db.status?.observedGeneration !== db.metadata.generation) return false;
  if (db.status?.phase === "Ready") return condition(db, "Ready")?.status === "True";
  return (
    db.status?.phase === "Degraded" &&
    condition(db, "Degraded")?.reason === "PodUnschedulable" &&
    condition(db, "Progressing")?.reason === "Stalled"
  );
}

async function main(): Promise<void> {
  const cluster = await useCluster();
  const { kubeConfig } = cluster;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  await applyManifest(kubeConfig, parse(readFileSync(CRD_FILE, "utf8")) as Manifest, "bench");
  for (;;) {
    const crd = await rawRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(
      kubeConfig,
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${KDB_CRD_NAME}`,
    );
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await sleep(200);
  }
  const namespace = `bench-operator-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });

  const httpPort = await freePort();
  const operator: ChildProcess = spawn(process.execPath, [join("dist", "operator", "src", "main.js")], {
    env: {
      ...process.env,
      KUBECONFIG: cluster.kubeconfigPath,
      GURU_OPERATOR_NAMESPACE: namespace,
      GURU_OPERATOR_WATCH_NAMESPACE: namespace,
      GURU_OPERATOR_IDENTITY: "bench",
      GURU_OPERATOR_HTTP_HOST: "127.0.0.1",
      GURU_OPERATOR_HTTP_PORT: String(httpPort),
      GURU_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const pid = operator.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssBytes(pid));
    } catch {
      // exited
    }
  }, 250);
  try {
    const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
    for (let i = 0; ; i++) {
      const text = await fetchText(metricsUrl).catch(() => "");
      if (metric(text, "guru_operator_leader") === 1) break;
      if (i > 200) throw new Error("the operator did not start leading within 20 s");
      await sleep(100);
    }
    const idleRss = rssBytes(pid);
    const before = await fetchText(metricsUrl);

    const started = performance.now();
    const names = Array.from({ length: DATABASES }, (_, i) => `db-${String(i).padStart(3, "0")}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          await custom.createNamespacedCustomObject({
            group: KDB_GROUP,
            version: KDB_VERSION,
            plural: KDB_PLURAL,
            namespace,
            body: kdbDatabaseManifest(name, namespace, { storage: { stripes: 1, size: "10Gi" } }),
          });
        }
      }),
    );
    const createdS = (performance.now() - started) / 1000;

    let statusesS = 0;
    let statefulSetsS = 0;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed > TIMEOUT_MS) throw new Error(`not every database settled within ${TIMEOUT_MS / 1000} s`);
      const list = (await custom.listNamespacedCustomObject({
        group: KDB_GROUP,
        version: KDB_VERSION,
        plural: KDB_PLURAL,
        namespace,
      })) as { items: KdbDatabase[] };
      const written = list.items.filter(settled).length;
      if (!statefulSetsS) {
        const sets = await apps.listNamespacedStatefulSet({ namespace });
        if (sets.items.length >= DATABASES) statefulSetsS = elapsed / 1000;
      }
      if (written >= DATABASES && statefulSetsS) {
        statusesS = elapsed / 1000;
        break;
      }
      await sleep(500);
    }
    const after = await fetchText(metricsUrl);
    const reconciles =
      metric(after, "guru_operator_reconciles_total") - metric(before, "guru_operator_reconciles_total");
    const errors =
      metric(after, "guru_operator_reconcile_errors_total") -
      metric(before, "guru_operator_reconcile_errors_total");
    const applies =
      metric(after, "guru_operator_applies_total") - metric(before, "guru_operator_applies_total");
    const list = (await custom.listNamespacedCustomObject({
      group: KDB_GROUP,
      version: KDB_VERSION,
      plural: KDB_PLURAL,
      namespace,
    })) as { items: KdbDatabase[] };
    const phases = new Map<string, number>();
    for (const db of list.items)
      phases.set(db.status?.phase ?? "-", (phases.get(db.status?.phase ?? "-") ?? 0) + 1);

    const figures: Figure[] = [
      { metric: `${DATABASES} KdbDatabases created (API calls)`, value: createdS, unit: "s" },
      { metric: "all StatefulSets applied", value: statefulSetsS, unit: "s" },
      { metric: "all databases settled (Ready, or Degraded PodUnschedulable)", value: statusesS, unit: "s" },
      { metric: "reconciles in that time", value: reconciles, unit: "reconciles" },
      { metric: "reconcile rate", value: reconciles / statusesS, unit: "reconciles/s" },
      { metric: "child applies", value: applies, unit: "applies" },
      { metric: "reconcile errors (retried)", value: errors, unit: "errors" },
      { metric: "operator RSS idle", value: idleRss / 2 ** 20, unit: "MiB" },
      { metric: "operator RSS peak", value: peakRss / 2 ** 20, unit: "MiB" },
    ];
    console.log(`phases: ${[...phases].map(([p, n]) => `${p} ${n}`).join(", ")}`);
    report(
      "operator",
      figures,
      `${DATABASES} KdbDatabases settled (StatefulSets applied, Ready or Degraded PodUnschedulable) in ${statusesS.toFixed(1)} s ` +
        `(target ${TARGET_S} s), ${(reconciles / statusesS).toFixed(0)} reconciles/s, operator RSS peak ` +
        `${(peakRss / 2 ** 20).toFixed(0)} MiB (target 200 MiB)`,
    );
  } finally {
    clearInterval(sampler);
    operator.kill("SIGTERM");
    await new Promise((resolve) => operator.once("exit", resolve));
    await stopCluster();
  }
}

await main();
