/**
 * Server-side apply of a database's children, skipped when the same object was applied within
 * the resync period (and, for the StatefulSet, still exists): re-applying an unchanged object
 * costs the API server work for nothing. A child changed by someone else or deleted is forgotten
 * on its informer's event (childChanged), so the next reconcile repairs it at once.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { contentHash } from "../builders/config-map.js";
import type { Applicable, Kube } from "../kube/client.js";
import type { OperatorMetrics } from "../metrics.js";
import { InvalidSpecError, isInvalid } from "./invalid-spec.js";

export class ChildApplier {
  readonly #kube: Kube;
  readonly #metrics: OperatorMetrics;
  readonly #resyncMs: number;
  /**
   * children applied recently, by kind/namespace/name: hash of what was sent, when, and the
   * resourceVersion it produced (a later one means someone else changed the child)
   */
  readonly #applied = new Map<string, { hash: string; at: number; resourceVersion?: string }>();

  constructor(kube: Kube, metrics: OperatorMetrics, resyncSeconds: number) {
    this.#kube = kube;
    this.#metrics = metrics;
    this.#resyncMs = resyncSeconds * 1000;
  }

  /** The applied object, or undefined when the apply was skipped. */
  async apply(object: Applicable, { mustExist = true }: { mustExist?: boolean } = {}): Promise<unknown> {
    const kind = object.kind ?? "";
    const cacheKey = `${kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
    const hash = contentHash(object);
    const previous = this.#applied.get(cacheKey);
    const fresh = previous && Date.now() - previous.at < this.#resyncMs;
    if (fresh && previous.hash === hash && mustExist) return undefined;
    try {
      const result = (await this.#kube.apply(object)) as { metadata?: { resourceVersion?: string } };
      this.#applied.set(cacheKey, {
        hash,
        at: Date.now(),
        resourceVersion: result?.metadata?.resourceVersion,
      });
      this.#metrics.applies.inc({ kind });
      return result;
    } catch (err) {
      this.#applied.delete(cacheKey);
      if (isInvalid(err)) throw new InvalidSpecError(kind, object.metadata?.name, err);
      throw new Error(`while applying ${kind} ${object.metadata?.name}`, { cause: err });
    }
  }

  /**
   * An owned child was updated or deleted: unless it is the version our last apply produced, its
   * apply is no longer skipped, so the reconcile this event queues restores it.
   */
  childChanged(kind: string, child: KubernetesObject, event: "update" | "delete"): void {
    const { namespace = "", name = "", resourceVersion } = child.metadata ?? {};
    const applied = this.#applied.get(`${kind}/${namespace}/${name}`);
    if (event === "delete" || applied?.resourceVersion !== resourceVersion)
      this.forget(kind, namespace, name);
  }

  forget(kind: string, namespace: string, name: string): void {
    this.#applied.delete(`${kind}/${namespace}/${name}`);
  }

  /** Drops what is remembered about a deleted database's children. */
  forgetDatabase(namespace: string, name: string): void {
    for (const key of this.#applied.keys()) {
      const [, ns, child] = key.split("/");
      if (ns === namespace && (child === name || child?.startsWith(`${name}-`))) this.#applied.delete(key);
    }
  }
}
