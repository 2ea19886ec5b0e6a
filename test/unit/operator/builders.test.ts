/**
 * The operator's pure builders, object by object: for a given spec, the exact children.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  buildClientService,
  buildConfigMap,
  buildContainer,
  buildCredentialsSecret,
  buildHeadlessService,
  buildNetworkPolicy,
  buildPodDisruptionBudget,
  buildStatefulSet,
  claimTemplates,
  contentHash,
  endpoint,
  names,
  type PodInputs,
  parTxt,
  templateInputsHash,
} from "../../../operator/src/index.js";
import { database, LABELS, OWNER } from "./fixtures.js";

const inputs: PodInputs = {
  image: "ghcr.io/time-series-guru/guru-engine:0.1.0",
  configHash: "c0ffee0000000001",
  credentialsHash: "c0ffee0000000002",
};

const metadata = (name: string) => ({ name, namespace: "markets", labels: LABELS, ownerReferences: OWNER });

describe("operator builders", () => {
  const engineDb = () =>
    database({
      storage: { stripes: 2, size: "100Gi" },
      compute: {
        nodeGroup: "kdb-standard",
        instanceTypes: ["r5.2xlarge"],
        tolerations: [{ key: "dedicated", operator: "Equal", value: "kdb", effect: "NoSchedule" }],
        resources: { requests: { cpu: 2, memory: "16Gi" }, limits: { memory: "16Gi" } },
      },
    });

  describe("StatefulSet", () => {
    it("gives a pod without compute.resources requests and a memory limit from its stripes (never BestEffort)", () => {
      const container = (spec: Parameters<typeof database>[0]) =>
        buildStatefulSet(database(spec), inputs).spec!.template.spec!.containers[0]!;
      assert.deepEqual(container({ storage: { stripes: 2, size: "100Gi" } }).resources, {
        requests: { cpu: "1000m", memory: "4Gi" },
        limits: { memory: "4Gi" },
      });
      assert.deepEqual(container({ storage: { stripes: 16, size: "1Gi" } }).resources, {
        requests: { cpu: "4000m", memory: "16Gi" },
        limits: { memory: "16Gi" },
      });
      assert.deepEqual(
        container({ storage: { stripes: 1, size: "1Gi" }, compute: { resources: {} } }).resources,
        { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } },
      );
      // growing the volumes changes nothing in the pod: the defaults depend on stripes only
      assert.deepEqual(
        container({ storage: { stripes: 2, size: "100Gi" } }),
        container({ storage: { stripes: 2, size: "200Gi" } }),
      );
      // given resources are used as written, in any quantity form
      assert.deepEqual(
        container({
          storage: { stripes: 1, size: "1Gi" },
          compute: { resources: { requests: { cpu: "0.5", memory: "1.5Gi" }, limits: { cpu: "3500m" } } },
        }).resources,
        { requests: { cpu: "0.5", memory: "1.5Gi" }, limits: { cpu: "3500m" } },
      );
    });

    it("has one claim template per stripe, mounted at /data/stripe-N, and the engine container", () => {
      const selector = {
        matchLabels: {
          "app.kubernetes.io/component": "database",
          "app.kubernetes.io/managed-by": "guru-operator",
        },
      };
      assert.deepEqual(buildStatefulSet(engineDb(), inputs), {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: {
          ...metadata("trades"),
          annotations: { "timeseries.guru/template-inputs": templateInputsHash(engineDb(), inputs) },
        },
        spec: {
          replicas: 1,
          serviceName: "trades-hl",
          selector: { matchLabels: { "timeseries.guru/database": "trades" } },
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          revisionHistoryLimit: 5,
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          template: {
            metadata: {
              labels: LABELS,
              annotations: {
                "timeseries.guru/template-inputs": templateInputsHash(engineDb(), inputs),
                "timeseries.guru/config-hash": "c0ffee0000000001",
                "timeseries.guru/credentials-hash": "c0ffee0000000002",
              },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: 60,
              securityContext: {
                runAsUser: 10001,
                runAsGroup: 10001,
                runAsNonRoot: true,
                fsGroup: 10001,
                fsGroupChangePolicy: "OnRootMismatch",
                seccompProfile: { type: "RuntimeDefault" },
              },
              nodeSelector: { "eks.amazonaws.com/nodegroup": "kdb-standard" },
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [
                          { key: "node.kubernetes.io/instance-type", operator: "In", values: ["r5.2xlarge"] },
                        ],
                      },
                    ],
                  },
                },
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: selector, namespaceSelector: {}, topologyKey: "kubernetes.io/hostname" },
                  ],
                },
              },
              tolerations: [{ key: "dedicated", operator: "Equal", value: "kdb", effect: "NoSchedule" }],
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: selector,
                },
              ],
              containers: [
                {
                  name: "database",
                  image: "ghcr.io/time-series-guru/guru-engine:0.1.0",
                  imagePullPolicy: "IfNotPresent",
                  ports: [
                    { name: "q", containerPort: 5000, protocol: "TCP" },
                    { name: "http", containerPort: 8081, protocol: "TCP" },
                  ],
                  envFrom: [{ configMapRef: { name: "trades-config" } }],
                  resources: { requests: { cpu: "2", memory: "16Gi" }, limits: { memory: "16Gi" } },
                  volumeMounts: [
                    { name: "stripe-0", mountPath: "/data/stripe-0" },
                    { name: "stripe-1", mountPath: "/data/stripe-1" },
                    { name: "credentials", mountPath: "/etc/guru/secret", readOnly: true },
                    { name: "config", mountPath: "/etc/guru/config", readOnly: true },
                  ],
                  readinessProbe: {
                    httpGet: { path: "/readyz", port: "http" },
                    periodSeconds: 5,
                    timeoutSeconds: 2,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    tcpSocket: { port: "q" },
                    periodSeconds: 10,
                    timeoutSeconds: 5,
                    failureThreshold: 6,
                  },
                  startupProbe: {
                    tcpSocket: { port: "q" },
                    periodSeconds: 5,
                    timeoutSeconds: 5,
                    failureThreshold: 120,
                  },
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
              ],
              volumes: [
                {
                  name: "credentials",
                  secret: {
                    secretName: "trades-credentials",
                    items: [{ key: "credentials", path: "credentials" }],
                    defaultMode: 0o440,
                  },
                },
                { name: "config", configMap: { name: "trades-config" } },
              ],
            },
          },
          volumeClaimTemplates: [0, 1].map((i) => ({
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: {
              name: `stripe-${i}`,
              labels: {
                "timeseries.guru/database": "trades",
                "timeseries.guru/stripe": String(i),
                "app.kubernetes.io/managed-by": "guru-operator",
                "app.kubernetes.io/part-of": "time-series-guru",
              },
            },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: "gp3",
              volumeMode: "Filesystem",
              resources: { requests: { storage: "100Gi" } },
            },
          })),
        },
      });
    });

    it("runs kdb with its licence mounted, /dev/shm in memory and the image's q health check", () => {
      const db = database({
        engine: "kdb",
        licenseSecret: { name: "kdb-licence", key: "k4.lic" },
        storage: { stripes: 1, size: "10Gi" },
      });
      const sts = buildStatefulSet(db, { ...inputs, image: "guru-kdb:4.1", licenseHash: "c0ffee0000000003" });
      const pod = sts.spec!.template.spec!;
      const container = pod.containers[0]!;
      assert.deepEqual(container.ports, [{ name: "q", containerPort: 5000, protocol: "TCP" }]);
      assert.deepEqual(container.readinessProbe, {
        exec: { command: ["/usr/local/bin/guru-kdb", "health"] },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3,
      });
      assert.deepEqual(container.livenessProbe?.tcpSocket, { port: "q" });
      assert.deepEqual(container.volumeMounts?.slice(-2), [
        { name: "license", mountPath: "/opt/kx/lic", readOnly: true },
        { name: "shm", mountPath: "/dev/shm" },
      ]);
      assert.deepEqual(pod.volumes?.slice(-2), [
        {
          name: "license",
          secret: {
            secretName: "kdb-licence",
            items: [{ key: "k4.lic", path: "k4.lic" }],
            defaultMode: 0o440,
          },
        },
        { name: "shm", emptyDir: { medium: "Memory" } },
      ]);
      assert.equal(
        sts.spec!.template.metadata!.annotations!["timeseries.guru/license-hash"],
        "c0ffee0000000003",
      );
      // no node group asked for: no nodeSelector, no node affinity; one pod per node still
      assert.equal(pod.nodeSelector, undefined);
      assert.deepEqual(Object.keys(pod.affinity!), ["podAntiAffinity"]);
    });

    it("scales to zero when hibernating, and keeps the claim size it is given while volumes grow", () => {
      const db = database({ storage: { stripes: 3, size: "200Gi" }, hibernate: true });
      const sts = buildStatefulSet(db, inputs, { claimSize: "100Gi" });
      assert.equal(sts.spec!.replicas, 0);
      assert.deepEqual(
        sts.spec!.volumeClaimTemplates!.map((t) => t.spec!.resources!.requests!.storage),
        ["100Gi", "100Gi", "100Gi"],
      );
    });

    it("changes the template inputs hash only when the pod would change", () => {
      const base = templateInputsHash(engineDb(), inputs);
      const grown = database({ ...engineDb().spec, storage: { ...engineDb().spec.storage, size: "500Gi" } });
      assert.equal(
        templateInputsHash(grown, inputs),
        base,
        "a size change is a volume change, not a pod change",
      );
      const hibernated = database({ ...engineDb().spec, hibernate: true });
      assert.equal(templateInputsHash(hibernated, inputs), base);
      assert.notEqual(templateInputsHash(engineDb(), { ...inputs, image: "other:1" }), base);
      assert.notEqual(templateInputsHash(engineDb(), { ...inputs, credentialsHash: "0" }), base);
      const moved = database({
        ...engineDb().spec,
        compute: { ...engineDb().spec.compute, nodeGroup: "kdb-large" },
      });
      assert.notEqual(templateInputsHash(moved, inputs), base);
    });

    it("keeps every generated name a valid label value for any valid database name and stripe count", () => {
      const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/),
          fc.integer({ min: 1, max: 16 }),
          (name, stripes) => {
            const db = database({ storage: { stripes, size: "10Gi" } }, name);
            const sts = buildStatefulSet(db, inputs);
            // the StatefulSet controller names pods <sts>-0, claims <template>-<sts>-0 and
            // labels pods controller-revision-hash=<sts>-<10 characters>
            for (const label of [`${name}-0123456789`, names.headlessService(name), names.pod(name)])
              assert.ok(label.length <= 63 && dnsLabel.test(label), label);
            for (const template of sts.spec!.volumeClaimTemplates!)
              assert.ok(`${template.metadata!.name}-${name}-0`.length <= 253);
            assert.equal(claimTemplates(db).length, stripes);
          },
        ),
      );
    });
  });

  describe("ConfigMap", () => {
    it("lists one segment per stripe in par.txt and sets guru-engine's environment", () => {
      const db = database({ storage: { stripes: 3, size: "10Gi" }, retention: { days: 30 } });
      assert.deepEqual(buildConfigMap(db), {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: metadata("trades-config"),
        data: {
          "par.txt": "/data/stripe-0/db\n/data/stripe-1/db\n/data/stripe-2/db\n",
          GURU_SEGMENTS: "/data/stripe-0/db,/data/stripe-1/db,/data/stripe-2/db",
          GURU_HOST: "0.0.0.0",
          GURU_PORT: "5000",
          GURU_HTTP_HOST: "0.0.0.0",
          GURU_HTTP_PORT: "8081",
          GURU_CREDENTIALS_FILE: "/etc/guru/secret/credentials",
          GURU_DUCKDB_THREADS: "3",
          GURU_QUERY_TIMEOUT_MS: "30000",
          GURU_MAX_ROWS: "1000000",
          GURU_RETENTION_DAYS: "30",
        },
      });
    });

    it("sets kdb's environment: stripes, -s threads, -T timeout, savedown", () => {
      const db = database({
        engine: "kdb",
        licenseSecret: { name: "kdb-licence" },
        storage: { stripes: 2, size: "10Gi" },
        compute: { threads: 8 },
        settings: { timeoutSeconds: 60, maxRows: 5000, savedownSeconds: 600 },
      });
      assert.deepEqual(buildConfigMap(db).data, {
        "par.txt": "/data/stripe-0/db\n/data/stripe-1/db\n",
        GURU_STRIPES: "/data/stripe-0 /data/stripe-1",
        GURU_PORT: "5000",
        GURU_CREDENTIALS_FILE: "/etc/guru/secret/credentials",
        GURU_THREADS: "8",
        GURU_TIMEOUT_SECONDS: "60",
        GURU_MAX_ROWS: "5000",
        GURU_SAVEDOWN_SECONDS: "600",
      });
    });

    it("never ends a segment with a slash", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 16 }), (stripes) => {
          const lines = parTxt(database({ storage: { stripes, size: "1Gi" } }))
            .split("\n")
            .filter(Boolean);
          assert.equal(lines.length, stripes);
          for (const [i, line] of lines.entries()) assert.equal(line, `/data/stripe-${i}/db`);
        }),
      );
    });
  });

  describe("Services, Secret, PodDisruptionBudget, NetworkPolicy", () => {
    it("gives a headless Service for the pod's DNS name and a client Service for the endpoint", () => {
      const db = engineDb();
      const ports = [
        { name: "q", port: 5000, targetPort: "q", protocol: "TCP" },
        { name: "http", port: 8081, targetPort: "http", protocol: "TCP" },
      ];
      const selector = { "timeseries.guru/database": "trades" };
      assert.deepEqual(buildHeadlessService(db), {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata("trades-hl"),
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports },
      });
      assert.deepEqual(buildClientService(db), {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata("trades"),
        spec: { type: "ClusterIP", selector, ports },
      });
      assert.equal(endpoint(db), "trades.markets.svc:5000");
    });

    it("generates credentials with a random password in both forms", () => {
      const secret = buildCredentialsSecret(engineDb(), "s3cret-password");
      assert.deepEqual(secret, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: metadata("trades-credentials"),
        type: "Opaque",
        stringData: { username: "guru", password: "s3cret-password", credentials: "guru:s3cret-password\n" },
      });
      const a = buildCredentialsSecret(engineDb()).stringData!.password!;
      const b = buildCredentialsSecret(engineDb()).stringData!.password!;
      assert.notEqual(a, b);
      assert.match(a, /^[A-Za-z0-9_-]{32}$/);
      const named = database({ storage: { stripes: 1, size: "1Gi" }, credentialsSecret: { name: "logins" } });
      assert.equal(buildCredentialsSecret(named).metadata!.name, "logins");
    });

    it("admits no voluntary eviction unless allowEviction", () => {
      assert.deepEqual(buildPodDisruptionBudget(engineDb()), {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: metadata("trades"),
        spec: {
          maxUnavailable: 0,
          selector: { matchLabels: { "timeseries.guru/database": "trades" } },
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
      });
      const evictable = database({ storage: { stripes: 1, size: "1Gi" }, compute: { allowEviction: true } });
      assert.equal(buildPodDisruptionBudget(evictable).spec!.maxUnavailable, 1);
    });

    it("admits only guru-api pods, and its own backup pods, to the q port", () => {
      assert.deepEqual(buildNetworkPolicy(engineDb()), {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata("trades"),
        spec: {
          podSelector: { matchLabels: { "timeseries.guru/database": "trades" } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {},
                  podSelector: { matchLabels: { "app.kubernetes.io/name": "guru-api" } },
                },
                { podSelector: { matchLabels: { "timeseries.guru/backup-of": "trades" } } },
              ],
              ports: [{ protocol: "TCP", port: 5000 }],
            },
            { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 8081 }] },
          ],
        },
      });
      const kdb = database({
        engine: "kdb",
        licenseSecret: { name: "l" },
        storage: { stripes: 1, size: "1Gi" },
      });
      assert.equal(buildNetworkPolicy(kdb).spec.ingress.length, 1);
    });
  });

  it("hashes content independently of key order", () => {
    assert.equal(
      contentHash({ a: 1, b: [1, { c: 2, d: 3 }] }),
      contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    assert.notEqual(contentHash({ a: 1 }), contentHash({ a: 2 }));
    assert.equal(buildContainer(engineDb(), inputs, []).name, "database");
  });
});
