/**
 * The Helm chart against the real helm (v4, built into the cluster tools cache) and the local
 * control plane: lint and template with the default and the example values, every rendered
 * object validated by the API server (server-side apply with dryRun=All), bad values refused
 * with a clear message, RBAC compared with what the operator and the API call (and the API's
 * provisioner run with the chart's ServiceAccount), then a real `helm install`, a `helm upgrade`
 * that changes the CRD, and a `helm uninstall` that keeps it. The CRD with kubectl and Helm in
 * either order (docs/install.md): Helm first, then a newer CRD with `kubectl apply --server-side
 * --force-conflicts`, then `helm upgrade`; kubectl first, then `helm install` and `helm upgrade`,
 * with no --take-ownership or --force-conflicts.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { pino } from "pino";
import { parse, parseAllDocuments } from "yaml";
import { KubernetesProvisioner, resourceName } from "../../api/src/provisioning/kubernetes-provisioner.js";
import type { ProvisionTarget } from "../../api/src/provisioning/provisioner.js";
import { KDB_CRD_NAME } from "../../crds/src/index.js";
import { CRD_FILE, crdFiles, DELETION_PROTECTION_POLICY, POLICIES_FILE } from "../../crds/src/manifests.js";
import {
  ApiError,
  applyManifest,
  deleteManifest,
  type Manifest,
  rawRequest,
  resourcePath,
  useTestNamespace,
} from "../cluster/index.js";

const run = promisify(execFile);
const CHART = "helm/time-series-guru";
const EXAMPLE = `${CHART}/examples/eks-small.yaml`;
const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${KDB_CRD_NAME}`;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}
interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
  affinity?: { nodeAffinity?: unknown };
  nodeSelector?: Record<string, string>;
}
type Obj = Manifest & {
  rules?: Rule[];
  spec?: { template?: { metadata: { labels: Record<string, string> }; spec: PodSpec } } & Record<
    string,
    unknown
  >;
};

/** Rules as sorted "group/resource: verbs" lines, so that two equal sets compare equal. */
function ruleLines(rules: Rule[]): string[] {
  const lines: string[] = [];
  for (const rule of rules)
    for (const group of rule.apiGroups ?? [""])
      for (const resource of rule.resources ?? [])
        lines.push(`${group}/${resource}: ${[...rule.verbs].sort().join(",")}`);
  return lines.sort();
}

const envOf = (c: Container) =>
  Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe("e2e: the Helm chart", function () {
  this.timeout(60_000);
  const ns = useTestNamespace("chart");
  let helmHome: string;

  /** helm with the admin kubeconfig and throwaway config/cache directories; rejects with stderr. */
  async function helm(...args: string[]): Promise<string> {
    const { cluster } = ns;
    try {
      const { stdout } = await run(cluster.tools.helm, [...args, "--kubeconfig", cluster.kubeconfigPath], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: helmHome,
          HELM_CONFIG_HOME: join(helmHome, "config"),
          HELM_CACHE_HOME: join(helmHome, "cache"),
          HELM_DATA_HOME: join(helmHome, "data"),
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const { stderr, stdout } = err as { stderr?: string; stdout?: string };
      throw new Error(`helm ${args.join(" ")} failed:\n${stderr || stdout || String(err)}`);
    }
  }

  /** `helm template` parsed: every object, empty documents dropped. */
  async function template(...args: string[]): Promise<Obj[]> {
    const out = await helm("template", "guru", CHART, "--namespace", ns.name, ...args);
    return parseAllDocuments(out)
      .map((d) => d.toJSON() as Obj | null)
      .filter((o): o is Obj => o !== null);
  }

  /** Server-side apply with dryRun=All: the API server validates the object (schema, CEL, admission) and stores nothing. */
  async function dryRun(manifest: Obj): Promise<void> {
    const { kubeConfig } = ns.cluster;
    const path = await resourcePath(kubeConfig, manifest);
    const query = new URLSearchParams({ fieldManager: "e2e-chart", force: "true", dryRun: "All" });
    try {
      await rawRequest(kubeConfig, "PATCH", `${path}?${query}`, manifest, "application/apply-patch+yaml");
    } catch (err) {
      throw new Error(`${manifest.kind} ${manifest.metadata.name} refused by the API server: ${String(err)}`);
    }
  }

  const cloudValues = (db: string) => ["--set", `databases.namespace=${db}`];

  const generatedCrd = async () => parse(await readFile(CRD_FILE, "utf8")) as Manifest;
  /** The CRD with one more printer column: a "newer" CRD. */
  const withColumn = (crd: Manifest, name: string): Manifest => {
    const copy = structuredClone(crd) as Manifest & {
      spec: { versions: { additionalPrinterColumns: Record<string, unknown>[] }[] };
    };
    copy.spec.versions[0]!.additionalPrinterColumns.unshift({
      name,
      type: "string",
      jsonPath: ".metadata.uid",
    });
    return copy;
  };
  const releaseStatus = async (release: string) =>
    (
      JSON.parse(await helm("status", release, "--namespace", ns.name, "--output", "json")) as {
        info: { status: string };
      }
    ).info.status;
  /** Deletes the CRD (and so every KdbDatabase) and its policies, and waits until the CRD is gone. */
  async function removeCrd(): Promise<void> {
    const { kubeConfig } = ns.cluster;
    for (const policy of parseAllDocuments(await readFile(POLICIES_FILE, "utf8")).map(
      (d) => d.toJSON() as Manifest,
    ))
      await deleteManifest(kubeConfig, policy);
    // no operator runs here to process the finalizers of databases an earlier suite left behind
    const left = await rawRequest<{ items: Manifest[] }>(
      kubeConfig,
      "GET",
      "/apis/timeseries.guru/v1alpha1/kdbdatabases",
    ).catch(() => ({ items: [] }));
    for (const db of left.items)
      await rawRequest(
        kubeConfig,
        "PATCH",
        `/apis/timeseries.guru/v1alpha1/namespaces/${db.metadata.namespace}/kdbdatabases/${db.metadata.name}`,
        { metadata: { finalizers: null } },
        "application/merge-patch+json",
      ).catch(() => undefined);
    await rawRequest(kubeConfig, "DELETE", CRD_PATH).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    });
    const deadline = Date.now() + 60_000;
    while (
      await rawRequest(kubeConfig, "GET", CRD_PATH).then(
        () => true,
        () => false,
      )
    ) {
      if (Date.now() > deadline) throw new Error(`${KDB_CRD_NAME} not gone within 60 s`);
      await sleep(250);
    }
  }

  before(async () => {
    helmHome = await mkdtemp(join(tmpdir(), "guru-helm-"));
  });
  after(async () => {
    if (helmHome) await rm(helmHome, { recursive: true, force: true });
  });

  describe("lint and template", () => {
    it("passes helm lint --strict with the default values and with examples/eks-small.yaml", async () => {
      await helm("lint", "--strict", CHART);
      await helm("lint", "--strict", CHART, "-f", EXAMPLE);
    });

    it("renders the default values (local mode): CRD, operator, one API pod, RBAC, NetworkPolicies", async () => {
      const objects = await template();
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      for (const expected of [
        `CustomResourceDefinition/${KDB_CRD_NAME}`,
        "Deployment/guru-time-series-guru-api",
        "Deployment/guru-time-series-guru-operator",
        "Service/guru-time-series-guru-api",
        "Service/guru-time-series-guru-operator-metrics",
        "ClusterRole/guru-time-series-guru-operator",
        "Role/guru-time-series-guru-operator-leader-election",
        "Role/guru-time-series-guru-api",
        "NetworkPolicy/guru-time-series-guru-api",
      ])
        assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(", ")}`);
      assert.ok(!objects.some((o) => o.kind === "HorizontalPodAutoscaler"), "no HPA in local mode");
      const api = objects.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-api"));
      assert.equal(api?.spec?.replicas, 1);
      // every CRD of crds/ (KdbDatabase, KdbBackup, KdbScheduledBackup), the same but for the annotation
      const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
      assert.equal(crds.length, crdFiles().length);
      for (const { file } of crdFiles()) {
        const generated = parse(await readFile(file, "utf8")) as Obj;
        const crd = crds.find((o) => o.metadata.name === generated.metadata.name) as Obj;
        assert.ok(crd, `${generated.metadata.name} rendered`);
        assert.equal((crd.metadata.annotations as Record<string, string>)["helm.sh/resource-policy"], "keep");
        const { annotations: _, ...metadata } = crd.metadata;
        assert.deepEqual({ ...crd, metadata }, generated);
      }
      const without = await template("--set", "crds.install=false");
      assert.ok(!without.some((o) => o.kind === "CustomResourceDefinition"));
    });

    it("renders the CRD's admission policies where the cluster serves their kinds, as crds/ has them", async () => {
      const generated = parseAllDocuments(await readFile(POLICIES_FILE, "utf8")).map(
        (d) => d.toJSON() as Obj,
      );
      const served = generated.flatMap((m) => ["--api-versions", `${m.apiVersion}/${m.kind}`]);
      const policies = (await template(...served)).filter(
        (o) => o.kind.endsWith("AdmissionPolicy") || o.kind.endsWith("AdmissionPolicyBinding"),
      );
      assert.deepEqual(
        policies.map(({ metadata: { annotations, ...metadata }, ...rest }) => {
          assert.equal((annotations as Record<string, string>)["helm.sh/resource-policy"], "keep");
          return { ...rest, metadata };
        }),
        generated,
      );
      // a cluster older than 1.30 (no ValidatingAdmissionPolicy) gets none
      assert.ok(!(await template()).some((o) => o.kind === "ValidatingAdmissionPolicy"));
    });

    it("renders examples/eks-small.yaml: one API Deployment and HPA per zone, each with its zone's Redis", async () => {
      const objects = await template("-f", EXAMPLE);
      const apis = objects.filter((o) => o.kind === "Deployment" && /-api-/.test(o.metadata.name));
      assert.deepEqual(
        apis.map((d) => d.metadata.name),
        ["us-east-1a", "us-east-1b", "us-east-1c"].map((z) => `guru-time-series-guru-api-${z}`),
      );
      const values = parse(await readFile(EXAMPLE, "utf8")) as {
        cloud: {
          redis: { zones: Record<string, string> };
          sqs: { queueUrls: Record<string, string> };
          backups: { bucket: string; prefix: string };
        };
      };
      for (const d of apis) {
        const zone = d.metadata.name.replace("guru-time-series-guru-api-", "");
        const pod = d.spec?.template?.spec as PodSpec;
        const env = envOf(pod.containers[0] as Container);
        assert.equal(env.GURU_API_REDIS_URL, values.cloud.redis.zones[zone]);
        assert.equal(env.GURU_API_EVENTS_QUEUE_URL, values.cloud.sqs.queueUrls["us-east-1"]);
        assert.equal(env.GURU_API_MODE, "cloud");
        assert.equal(env.AWS_REGION, "us-east-1");
        assert.equal(env.GURU_API_BACKUP_BUCKET, values.cloud.backups.bucket);
        assert.equal(env.GURU_API_BACKUP_PREFIX, values.cloud.backups.prefix);
        assert.equal(env.GURU_API_BACKUP_SSE, "AES256");
        assert.equal(env.GURU_API_BACKUP_KMS_KEY_ID, undefined);
        assert.match(JSON.stringify(pod.affinity?.nodeAffinity), new RegExp(zone));
        assert.deepEqual(pod.nodeSelector, { "eks.amazonaws.com/nodegroup": "kdb-standard" });
        assert.equal(d.spec?.replicas, undefined, "the HPA owns replicas");
      }
      assert.equal(objects.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 3);
      assert.equal(objects.filter((o) => o.kind === "PodDisruptionBudget").length, 1);
      const sa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name.endsWith("-api")) as Obj;
      assert.equal(
        (sa.metadata.annotations as Record<string, string>)["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/guru-api",
      );
      const operator = objects.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-operator"));
      assert.equal(operator?.spec?.replicas, 2);
      const opEnv = envOf(operator?.spec?.template?.spec.containers[0] as Container);
      assert.equal(opEnv.GURU_OPERATOR_LEADER_ELECTION, "true");
      assert.deepEqual(opEnv.GURU_OPERATOR_IDENTITY, { fieldRef: { fieldPath: "metadata.name" } });
    });

    it("gives every pod the security defaults, requests and limits, and labels the API pods for the database NetworkPolicies", async () => {
      for (const objects of [await template(), await template("-f", EXAMPLE)]) {
        for (const d of objects.filter((o) => o.kind === "Deployment")) {
          const pod = d.spec?.template?.spec as PodSpec;
          const where = d.metadata.name;
          assert.equal(pod.securityContext?.runAsNonRoot, true, where);
          assert.equal(pod.securityContext?.runAsUser, 10001, where);
          assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault", where);
          for (const c of pod.containers) {
            assert.equal(c.securityContext?.readOnlyRootFilesystem, true, where);
            assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
            assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], where);
            assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${where}: requests`);
            assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, `${where}: limits`);
            const tmp = c.volumeMounts?.find((m) => m.mountPath === "/tmp");
            assert.ok(
              tmp && pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir,
              `${where}: emptyDir /tmp`,
            );
          }
          if (/-api/.test(where))
            assert.equal(d.spec?.template?.metadata.labels["app.kubernetes.io/name"], "guru-api");
        }
      }
    });

    it("renders the ServiceMonitors and the PodMonitor when asked", async () => {
      const objects = await template(
        "--set",
        "metrics.serviceMonitor.enabled=true",
        "--set",
        "metrics.podMonitor.enabled=true",
      );
      assert.equal(objects.filter((o) => o.kind === "ServiceMonitor").length, 2);
      assert.equal(objects.filter((o) => o.kind === "PodMonitor").length, 1);
    });
  });

  describe("server-side validation (dryRun=All against the local control plane)", () => {
    for (const [label, args] of [
      ["default values", [] as string[]],
      ["examples/eks-small.yaml", ["-f", EXAMPLE]],
      ["a namespace-scoped operator", ["--set", "operator.watchNamespace=WATCH"]],
    ] as const) {
      it(`accepts every object rendered with ${label}`, async () => {
        const extra = args.map((a) => a.replace("WATCH", ns.name));
        const objects = await template(...cloudValues(ns.name), ...extra);
        assert.ok(objects.length > 10);
        await Promise.all(objects.map((o) => dryRun(o)));
      });
    }

    it("really validates: a broken object is refused", async () => {
      const objects = await template(...cloudValues(ns.name));
      const deployment = structuredClone(objects.find((o) => o.kind === "Deployment")) as Obj;
      (deployment.spec?.template?.spec.containers[0] as Container).resources = {
        requests: { cpu: "two cores" },
      };
      await assert.rejects(dryRun(deployment), /refused by the API server.*quantities must match/s);
    });
  });

  describe("schema", () => {
    const cases: [string, string[], RegExp][] = [
      [
        "replicas given as a word",
        ["--set", "api.replicaCount=two"],
        /at '\/api\/replicaCount': got string, want integer/,
      ],
      ["an unknown mode", ["--set", "mode=cluster"], /at '\/mode': value must be one of 'local', 'cloud'/],
      ["cloud mode without its settings", ["--set", "mode=cloud"], /at '\/cloud\/region'/],
      [
        "cloud mode without a queue for its region",
        [
          "--set",
          "mode=cloud,cloud.region=eu-west-1,cloud.sns.topicArn=arn:aws:sns:eu-west-1:123456789012:t,cloud.redis.url=redis://r:6379",
          "--set-string",
          "cloud.sqs.queueUrls.us-east-1=https://sqs.us-east-1.amazonaws.com/1/q",
        ],
        /cloud\.sqs\.queueUrls needs an entry for cloud\.region \(eu-west-1\)/,
      ],
      [
        "a malformed region",
        ["--set", "mode=cloud,cloud.region=Virginia"],
        /at '\/cloud\/region'.*does not match pattern/s,
      ],
      ["the latest tag", ["--set", "image.tag=latest"], /at '\/image\/tag'/],
      ["a misspelt key", ["--set", "api.replicas=2"], /additional properties 'replicas' not allowed/],
      [
        "a bad log level",
        ["--set", "operator.logLevel=verbose"],
        /at '\/operator\/logLevel': value must be one of/,
      ],
      [
        "two operators without leader election",
        ["--set", "operator.replicaCount=2,operator.leaderElection.enabled=false"],
        /at '\/operator\/leaderElection\/enabled': value must be true/,
      ],
      [
        "resources without limits",
        ["--set", "api.resources.limits=null"],
        /at '\/api\/resources': missing propert(y|ies) 'limits'/,
      ],
      [
        "a backup prefix that is no folder",
        ["--set", "cloud.backups.bucket=guru-backups,cloud.backups.prefix=prod"],
        /at '\/cloud\/backups\/prefix'/,
      ],
      [
        "a bucket name S3 refuses",
        ["--set", "cloud.backups.bucket=Guru_Backups"],
        /at '\/cloud\/backups\/bucket'/,
      ],
      [
        "a bad IRSA role ARN",
        ["--set", "api.serviceAccount.roleArn=guru-api"],
        /at '\/api\/serviceAccount\/roleArn'/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(`refuses ${what}`, async () => {
        await assert.rejects(template(...args), (err: Error) => {
          assert.match(err.message, message);
          return true;
        });
      });
    }
  });

  describe("RBAC", () => {
    it("grants the operator exactly operator/rbac.yaml (which the operator e2e suite runs under)", async () => {
      const reference = parseAllDocuments(await readFile("operator/rbac.yaml", "utf8")).map(
        (d) => d.toJSON() as Obj,
      );
      const clusterRole = reference.find((o) => o.kind === "ClusterRole") as Obj;
      const leaderRole = reference.find((o) => o.kind === "Role") as Obj;
      const objects = await template();
      const chartCluster = objects.find((o) => o.kind === "ClusterRole") as Obj;
      const chartLeader = objects.find(
        (o) => o.metadata.name.endsWith("-leader-election") && o.kind === "Role",
      ) as Obj;
      assert.deepEqual(ruleLines(chartCluster.rules ?? []), ruleLines(clusterRole.rules ?? []));
      assert.deepEqual(ruleLines(chartLeader.rules ?? []), ruleLines(leaderRole.rules ?? []));
      // namespace-scoped: the same rules, split between a Role and a StorageClass-only ClusterRole
      const scoped = await template("--set", "operator.watchNamespace=trades");
      const role = scoped.find((o) => o.kind === "Role" && o.metadata.namespace === "trades") as Obj;
      const cluster = scoped.find((o) => o.kind === "ClusterRole") as Obj;
      assert.deepEqual(ruleLines(cluster.rules ?? []), ["storage.k8s.io/storageclasses: get"]);
      assert.deepEqual(
        ruleLines([...(role.rules ?? []), ...(cluster.rules ?? [])]),
        ruleLines(clusterRole.rules ?? []),
      );
    });

    it("grants the API exactly its provisioner's rights, in the databases namespace only", async () => {
      const objects = await template("--set", "databases.namespace=dbs");
      const role = objects.find((o) => o.kind === "Role" && o.metadata.name.endsWith("-api")) as Obj;
      assert.equal(role.metadata.namespace, "dbs");
      // the Role test/e2e/support.ts (apiKubeConfig) runs the API's e2e suites under
      assert.deepEqual(ruleLines(role.rules ?? []), [
        "/secrets: get",
        "timeseries.guru/kdbbackups: create,delete,get,patch",
        "timeseries.guru/kdbdatabases: create,delete,get,list,patch,update,watch",
      ]);
      assert.ok(!objects.some((o) => o.kind === "ClusterRole" && o.metadata.name.endsWith("-api")));
    });
  });

  describe("install, upgrade, uninstall", function () {
    this.timeout(120_000);
    const release = "guru";
    let databases: string;
    let modified: string | undefined;

    before(async function () {
      this.timeout(90_000);
      databases = `${ns.name}-db`;
      // Helm first: the CRD applied by other suites of this run goes (it is applied again after)
      await removeCrd();
    });
    after(async () => {
      if (!ns.ready) return;
      await helm("uninstall", release, "--namespace", ns.name).catch(() => undefined);
      await rawRequest(ns.cluster.kubeConfig, "DELETE", `/api/v1/namespaces/${databases}`).catch(
        () => undefined,
      );
      // leave the CRD as crds/ has it for the suites that follow
      await applyManifest(ns.cluster.kubeConfig, await generatedCrd(), "e2e-chart");
      if (modified) await rm(modified, { recursive: true, force: true });
    });

    const get = <T>(path: string) => rawRequest<T>(ns.cluster.kubeConfig, "GET", path);
    type Crd = {
      metadata: { annotations?: Record<string, string> };
      spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] };
    };
    const columns = async () =>
      (await get<Crd>(CRD_PATH)).spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name) ?? [];

    it("installs the CRD, the operator and the API into the cluster", async () => {
      await helm(
        "install",
        release,
        CHART,
        "--namespace",
        ns.name,
        "--set",
        `databases.namespace=${databases}`,
        "--set",
        "api.serviceAccount.roleArn=arn:aws:iam::123456789012:role/guru-api",
      );
      const crd = await get<Crd>(CRD_PATH);
      assert.equal(crd.metadata.annotations?.["helm.sh/resource-policy"], "keep");
      assert.equal(crd.metadata.annotations?.["meta.helm.sh/release-name"], release);
      const policy = await get<Manifest>(
        `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${DELETION_PROTECTION_POLICY}`,
      );
      assert.equal(
        (policy.metadata.annotations as Record<string, string>)["meta.helm.sh/release-name"],
        release,
      );
      for (const name of ["guru-time-series-guru-operator", "guru-time-series-guru-api"])
        await get(`/apis/apps/v1/namespaces/${ns.name}/deployments/${name}`);
      const sa = await get<Manifest>(
        `/api/v1/namespaces/${ns.name}/serviceaccounts/guru-time-series-guru-api`,
      );
      assert.equal(
        (sa.metadata.annotations as Record<string, string>)["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/guru-api",
      );
      await get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${databases}/roles/guru-time-series-guru-api`);
      // the controllers make pods of the Deployments (kwok runs them on its fake nodes)
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pods = await get<{ items: { metadata: { labels: Record<string, string> } }[] }>(
          `/api/v1/namespaces/${ns.name}/pods?labelSelector=app.kubernetes.io/instance%3D${release}`,
        );
        const names = new Set(pods.items.map((p) => p.metadata.labels["app.kubernetes.io/name"]));
        if (names.has("guru-api") && names.has("guru-operator")) break;
        if (Date.now() > deadline) throw new Error(`pods of both Deployments: only ${[...names].join(", ")}`);
        await sleep(250);
      }
    });

    it("lets the API's provisioner do its work with the chart's ServiceAccount and nothing more", async () => {
      const { cluster } = ns;
      const token = await cluster.serviceAccountToken(ns.name, "guru-time-series-guru-api");
      const asApi = cluster.kubeConfigForToken(token);
      const provisioner = new KubernetesProvisioner({
        clusters: { "us-east-1": asApi },
        namespace: databases,
        storageClass: cluster.storageClass,
        kdbLicenseSecret: undefined,
        logger: pino({ level: "silent" }),
      });
      const target: ProvisionTarget = {
        accountId: "chart0test",
        name: "ticks",
        uid: "u1",
        region: "us-east-1",
        engine: "guru-engine",
        size: "small",
        storage: { stripes: 2, stripeSizeGiB: 10 },
        generation: 1,
      };
      // RBAC bindings take a moment to reach the authorizer's cache
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await provisioner.apply(target);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(200);
        }
      }
      assert.equal((await provisioner.status(target)).state, "progressing");
      await provisioner.remove(target);
      // and nothing outside the databases namespace
      const elsewhere = { metadata: { name: resourceName(target), namespace: ns.name } };
      await assert.rejects(
        rawRequest(
          asApi,
          "GET",
          `/apis/timeseries.guru/v1alpha1/namespaces/${ns.name}/kdbdatabases/${elsewhere.metadata.name}`,
        ),
        (err: unknown) => err instanceof ApiError && err.code === 403,
      );
    });

    it("upgrades the CRD on helm upgrade (a chart whose CRD has another printer column)", async () => {
      modified = await mkdtemp(join(tmpdir(), "guru-chart-"));
      const chart = join(modified, "time-series-guru");
      await cp(CHART, chart, { recursive: true });
      const file = join(chart, "files/crds/kdbdatabases.timeseries.guru.yaml");
      const text = await readFile(file, "utf8");
      const column = [
        "        - name: ChartUpgrade",
        "          type: string",
        "          jsonPath: .metadata.uid",
        "          description: added by the chart e2e suite",
        "",
      ].join("\n");
      const patched = text.replace(
        "      additionalPrinterColumns:\n",
        `      additionalPrinterColumns:\n${column}`,
      );
      assert.notEqual(patched, text);
      await writeFile(file, patched);
      await helm("upgrade", release, chart, "--namespace", ns.name, "--reuse-values");
      assert.ok(
        (await columns()).includes("ChartUpgrade"),
        `printer columns: ${(await columns()).join(", ")}`,
      );
      const history = await helm("history", release, "--namespace", ns.name, "--output", "json");
      assert.equal((JSON.parse(history) as unknown[]).length, 2);
    });

    it("leaves a newer CRD applied with kubectl to kubectl: helm upgrade succeeds and keeps it", async () => {
      // what `kubectl apply --server-side --force-conflicts -f crds/...` sends (docs/install.md)
      await applyManifest(
        ns.cluster.kubeConfig,
        withColumn(await generatedCrd(), "KubectlNewer"),
        "kubectl",
        {
          force: true,
        },
      );
      await helm("upgrade", release, CHART, "--namespace", ns.name, "--reuse-values");
      assert.equal(await releaseStatus(release), "deployed");
      assert.ok(
        (await columns()).includes("KubectlNewer"),
        `printer columns: ${(await columns()).join(", ")}`,
      );
      const manifest = parseAllDocuments(await helm("get", "manifest", release, "--namespace", ns.name));
      const crdNames = manifest
        .map((d) => d.toJSON() as Obj | null)
        .filter((o) => o?.kind === "CustomResourceDefinition")
        .map((o) => o?.metadata.name);
      assert.ok(!crdNames.includes(KDB_CRD_NAME), `helm still applies ${KDB_CRD_NAME}`);
    });

    it("keeps the CRD and the databases namespace on helm uninstall", async () => {
      await helm("uninstall", release, "--namespace", ns.name);
      await get(CRD_PATH);
      await get(`/api/v1/namespaces/${databases}`);
      await assert.rejects(
        get(`/apis/apps/v1/namespaces/${ns.name}/deployments/guru-time-series-guru-api`),
        (err: unknown) => err instanceof ApiError && err.code === 404,
      );
    });
  });

  describe("the CRD applied with kubectl first, then helm install and upgrade", function () {
    this.timeout(120_000);
    const release = "guru-kubectl";
    let databases: string;

    before(async function () {
      this.timeout(90_000);
      databases = `${ns.name}-kubectl`;
      await removeCrd();
    });
    after(async () => {
      if (!ns.ready) return;
      await helm("uninstall", release, "--namespace", ns.name).catch(() => undefined);
      await rawRequest(ns.cluster.kubeConfig, "DELETE", `/api/v1/namespaces/${databases}`).catch(
        () => undefined,
      );
      await applyManifest(ns.cluster.kubeConfig, await generatedCrd(), "e2e-chart");
    });

    it("installs and upgrades without --take-ownership or --force-conflicts, leaving the CRD to kubectl", async () => {
      // the first command of docs/operator.md: kubectl apply --server-side --force-conflicts -f crds/...
      await applyManifest(ns.cluster.kubeConfig, await generatedCrd(), "kubectl", { force: true });
      const policies = parseAllDocuments(await readFile(POLICIES_FILE, "utf8")).map(
        (d) => d.toJSON() as Manifest,
      );
      for (const policy of policies)
        await applyManifest(ns.cluster.kubeConfig, policy, "kubectl", { force: true });
      await helm(
        "install",
        release,
        CHART,
        "--namespace",
        ns.name,
        "--set",
        `databases.namespace=${databases}`,
      );
      assert.equal(await releaseStatus(release), "deployed");
      await helm(
        "upgrade",
        release,
        CHART,
        "--namespace",
        ns.name,
        "--reuse-values",
        "--set",
        "operator.replicaCount=1",
      );
      assert.equal(await releaseStatus(release), "deployed");
      const manifest = await helm("get", "manifest", release, "--namespace", ns.name);
      assert.doesNotMatch(
        manifest,
        /kind: (CustomResourceDefinition|ValidatingAdmissionPolicy|MutatingAdmissionPolicy)/,
      );
      const crd = await rawRequest<Manifest>(ns.cluster.kubeConfig, "GET", CRD_PATH);
      assert.equal(
        (crd.metadata.annotations as Record<string, string> | undefined)?.["meta.helm.sh/release-name"],
        undefined,
      );
      // a newer CRD from kubectl still applies, and the next upgrade still works
      await applyManifest(
        ns.cluster.kubeConfig,
        withColumn(await generatedCrd(), "KubectlNewer"),
        "kubectl",
        {
          force: true,
        },
      );
      await helm("upgrade", release, CHART, "--namespace", ns.name, "--reuse-values");
      assert.equal(await releaseStatus(release), "deployed");
    });
  });
});
