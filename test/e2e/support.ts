import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { ApiException, type KubeConfig } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";
import { KDB_API_VERSION, KDB_KIND, KDB_PLURAL } from "../../crds/src/index.js";
import { crdFiles } from "../../crds/src/manifests.js";
import { applyManifest, type Manifest, rawRequest } from "../cluster/index.js";
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
export function rbacManifests(namespace: string): Manifest[] {
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
