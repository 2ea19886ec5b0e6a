import { strict as assert } from "node:assert";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { pino } from "pino";
import request from "supertest";
import { createAdminToken } from "../../api/src/bootstrap.js";
import { loadConfig } from "../../api/src/config.js";
import { KubernetesProvisioner, resourceName } from "../../api/src/provisioning/kubernetes-provisioner.js";
import type { ProvisionTarget } from "../../api/src/provisioning/provisioner.js";
import { type ApiRuntime, createRuntime } from "../../api/src/server.js";
import type { KdbDatabase } from "../../crds/src/index.js";
import { useTestNamespace } from "../cluster/index.js";
import { testCredentials } from "../services/index.js";
import { cloudApiEnv } from "../support/cloud-api-env.js";
import { eventually } from "../support/eventually.js";
import { apiKubeConfig, installKdbCrd, kdbRef } from "./support.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * guru-api's Kubernetes provisioner against the local control plane: it writes KdbDatabase
 * resources (as a service account with only the rights the API needs), reads the status back
 * (written here through the status subresource, as guru-operator would) and deletes them.
 */
describe("e2e: guru-api's Kubernetes provisioner", function () {
  this.timeout(60_000);
  const ns = useTestNamespace("api-provisioner");
  let custom: CustomObjectsApi;
  let provisioner: KubernetesProvisioner;

  before(async function () {
    this.timeout(90_000);
    const { kubeConfig } = ns.cluster;
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    await installKdbCrd(kubeConfig, "e2e-api");
    const asApi = await apiKubeConfig(ns, "e2e-api");
    provisioner = new KubernetesProvisioner({
      clusters: { "us-east-1": asApi },
      namespace: ns.name,
      storageClass: ns.cluster.storageClass,
      kdbLicenseSecret: undefined,
      logger: pino({ level: "silent" }),
    });
  });

  const ref = (name: string) => kdbRef(ns.name, name);
  const read = async (name: string) => (await custom.getNamespacedCustomObject(ref(name))) as KdbDatabase;
  /** What guru-operator would write once the database serves at its current generation. */
  const reportReady = async (name: string) => {
    const db = await read(name);
    const at = new Date().toISOString();
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...ref(name),
        body: {
          status: {
            observedGeneration: db.metadata.generation,
            phase: "Ready",
            endpoint: `${name}.${ns.name}.svc:5000`,
            credentialsSecret: `${name}-credentials`,
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "Available",
                message: "serving",
                lastTransitionTime: at,
              },
              {
                type: "Progressing",
                status: "False",
                reason: "Reconciled",
                message: "in place",
                lastTransitionTime: at,
              },
            ],
          },
        },
      },
      mergePatch,
    );
  };
  const gone = (name: string) =>
    eventually(`${name} deleted`, 20_000, async () => {
      try {
        await read(name);
        return undefined;
      } catch (err) {
        return err instanceof ApiException && err.code === 404 ? true : undefined;
      }
    });

  it("writes a KdbDatabase with the database's spec, reads its status back and deletes it", async () => {
    const target: ProvisionTarget = {
      accountId: "k3m9x2q7pa",
      name: "ticks",
      uid: "u1",
      region: "us-east-1",
      engine: "guru-engine",
      size: "medium",
      storage: { stripes: 4, stripeSizeGiB: 50 },
      generation: 1,
    };
    const name = resourceName(target);
    assert.equal(name, "k3m9x2q7pa-ticks");
    await provisioner.apply(target);
    const written = await read(name);
    assert.equal(written.spec.engine, "guru-engine");
    assert.deepEqual(
      {
        stripes: written.spec.storage.stripes,
        size: written.spec.storage.size,
        reclaim: written.spec.storage.reclaimPolicy,
      },
      { stripes: 4, size: "50Gi", reclaim: "Delete" },
    );
    assert.equal(written.spec.storage.storageClassName, ns.cluster.storageClass);
    assert.deepEqual(written.spec.compute.resources?.requests, { cpu: "4", memory: "16Gi" });
    assert.equal(written.spec.compute.threads, 4);
    assert.equal(written.metadata.labels?.["timeseries.guru/account"], "k3m9x2q7pa");
    assert.equal(written.metadata.labels?.["timeseries.guru/database"], "ticks");
    assert.equal(written.metadata.annotations?.["timeseries.guru/uid"], "u1");

    assert.deepEqual(await provisioner.status(target), {
      state: "progressing",
      detail: "waiting for guru-operator",
    });
    await reportReady(name);
    assert.deepEqual(await provisioner.status(target), { state: "ready" });

    await ns.cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name: `${name}-credentials` },
        stringData: { username: "guru", password: "s3cret" },
      },
    });
    assert.deepEqual(await provisioner.endpoint(target), {
      host: `${name}.${ns.name}.svc`,
      port: 5000,
      user: "guru",
      password: "s3cret",
    });

    // growing storage: a new generation, progressing until the operator reports it
    const grown = {
      ...target,
      size: "large" as const,
      storage: { stripes: 4, stripeSizeGiB: 80 },
      generation: 2,
    };
    await provisioner.apply(grown);
    assert.equal((await read(name)).spec.storage.size, "80Gi");
    assert.equal((await provisioner.status(grown)).state, "progressing");
    await reportReady(name);
    assert.deepEqual(await provisioner.status(grown), { state: "ready" });

    // the CRD's own rules still hold for what the API writes: stripes are immutable
    await assert.rejects(
      provisioner.apply({ ...grown, storage: { stripes: 5, stripeSizeGiB: 80 } }),
      (err: unknown) => {
        assert.ok(err instanceof ApiException && err.code === 422);
        return true;
      },
    );

    await provisioner.remove(grown);
    await gone(name);
    assert.deepEqual(await provisioner.status(grown), { state: "absent" });
    await provisioner.remove(grown); // idempotent
    assert.equal(provisioner.health().status, "ok");
  });

  it("drives a database created through the REST API: pending → ready → deleted", async function () {
    this.timeout(60_000);
    const config = loadConfig({
      ...(await cloudApiEnv(`guru-e2e-${Date.now()}`)),
      GURU_API_KUBECONFIGS: "us-east-1=unused",
      GURU_API_RECONCILE_INTERVAL_MS: "100",
    });
    const runtime: ApiRuntime = await createRuntime(config, {
      provisioner,
      awsCredentials: testCredentials.credentials,
    });
    try {
      const admin = await createAdminToken(runtime.services, { accountName: "e2e" });
      const auth = { Authorization: `Bearer ${admin.token}` };
      const created = await request(runtime.app)
        .post("/v1/databases")
        .set(auth)
        .send({ name: "orders", size: "small", storage: { stripes: 2, stripeSizeGiB: 20 } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const name = `${admin.accountId}-orders`;
      const resource = await eventually("the KdbDatabase written", 20_000, async () => read(name));
      assert.equal(resource.spec.storage.size, "20Gi");
      const status = async () =>
        (await request(runtime.app).get("/v1/databases/orders").set(auth)).body.status;
      assert.equal(await status(), "provisioning");
      await reportReady(name);
      await eventually("the API reports ready", 20_000, async () =>
        (await status()) === "ready" ? true : undefined,
      );

      assert.equal((await request(runtime.app).delete("/v1/databases/orders").set(auth)).status, 202);
      await gone(name);
      await eventually("the API forgets the database", 20_000, async () => {
        const res = await request(runtime.app).get("/v1/databases/orders").set(auth);
        return res.status === 404 ? true : undefined;
      });
    } finally {
      await runtime.close();
    }
  });
});
