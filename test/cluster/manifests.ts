import { type RequestOptions, request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** A Kubernetes object as written in a manifest (YAML or JSON), sent to the API server untouched. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An API server answer that is not 2xx. */
export class ApiError extends Error {
  readonly code: number;
  readonly status: { message?: string; reason?: string } | undefined;

  constructor(code: number, status: ApiError["status"], method: string, path: string) {
    super(`${method} ${path}: HTTP ${code}${status?.message ? `: ${status.message}` : ""}`);
    this.code = code;
    this.status = status;
  }
}

/**
 * One HTTP call to the API server with the KubeConfig's credentials, the body sent as JSON
 * exactly as given. The typed clients of @kubernetes/client-node serialise through their models,
 * which rename or drop keys they do not know (`x-kubernetes-validations` in a CRD schema becomes
 * `x_kubernetes_validations` in the TypeScript model): manifests such as crds/*.yaml go through here.
 */
export async function rawRequest<T = unknown>(
  kubeConfig: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the KubeConfig has no current cluster");
  const url = new URL(path, cluster.server);
  const options: RequestOptions = { method, headers: { Accept: "application/json" } };
  await kubeConfig.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) options.headers = { ...options.headers, "Content-Type": contentType };
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(payload);
  });
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (status < 200 || status > 299) {
    throw new ApiError(status, parsed as { message?: string } | undefined, method, url.pathname);
  }
  return parsed as T;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const discovery = new WeakMap<KubeConfig, Map<string, Promise<ApiResourceList>>>();

/** The REST path of a manifest's object, its resource found by discovery (cached per KubeConfig). */
export async function resourcePath(kubeConfig: KubeConfig, manifest: Manifest): Promise<string> {
  const groupVersion = manifest.apiVersion;
  const base = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  let cache = discovery.get(kubeConfig);
  if (!cache) {
    cache = new Map();
    discovery.set(kubeConfig, cache);
  }
  let list = cache.get(base);
  if (!list) {
    list = rawRequest<ApiResourceList>(kubeConfig, "GET", base);
    cache.set(base, list);
    // A group that does not exist yet (a CRD just applied) is looked up again next time.
    list.catch(() => cache.delete(base));
  }
  const resource = (await list).resources.find((r) => r.kind === manifest.kind && !r.name.includes("/"));
  if (!resource) {
    cache.delete(base);
    throw new Error(`no resource of kind ${manifest.kind} in ${groupVersion}`);
  }
  const { name, namespace } = manifest.metadata;
  if (!resource.namespaced) return `${base}/${resource.name}/${encodeURIComponent(name)}`;
  if (!namespace) throw new Error(`${manifest.kind} ${name} is namespaced: set metadata.namespace`);
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.name}/${encodeURIComponent(name)}`;
}

/** Server-side apply of a manifest, untouched, as `fieldManager`; returns the object the server holds. */
export async function applyManifest<T = Manifest>(
  kubeConfig: KubeConfig,
  manifest: Manifest,
  fieldManager: string,
  { force = true }: { force?: boolean } = {},
): Promise<T> {
  const path = await resourcePath(kubeConfig, manifest);
  const query = new URLSearchParams({ fieldManager, force: String(force) });
  return rawRequest<T>(kubeConfig, "PATCH", `${path}?${query}`, manifest, "application/apply-patch+yaml");
}

/** Deletes a manifest's object; absent is fine. */
export async function deleteManifest(
  kubeConfig: KubeConfig,
  manifest: Manifest,
  propagationPolicy: "Background" | "Foreground" | "Orphan" = "Background",
): Promise<void> {
  const path = await resourcePath(kubeConfig, manifest);
  try {
    await rawRequest(kubeConfig, "DELETE", `${path}?propagationPolicy=${propagationPolicy}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}
