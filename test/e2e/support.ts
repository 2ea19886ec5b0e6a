import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { ApiException, type KubeConfig } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";
import { CRD_FILE, KDB_CRD_NAME } from "../../crds/src/index.js";
import { applyManifest, type Manifest, rawRequest } from "../cluster/index.js";
import { eventually } from "../support/eventually.js";

/** Applies the checked-in KdbDatabase CRD, as a user would, and waits until it is served. */
export async function installKdbCrd(kubeConfig: KubeConfig, fieldManager: string): Promise<void> {
  await applyManifest(kubeConfig, parse(readFileSync(CRD_FILE, "utf8")) as Manifest, fieldManager);
  await eventually("the KdbDatabase CRD established", 30_000, async () => {
    const crd = await rawRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(
      kubeConfig,
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${KDB_CRD_NAME}`,
    );
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") || undefined;
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
