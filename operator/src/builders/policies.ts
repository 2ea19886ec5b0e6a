/**
 * The PodDisruptionBudget and the NetworkPolicy of a database.
 *
 * - PDB: a database is one pod, so the budget either admits no voluntary eviction (default: a
 *   node drain waits for a human) or one (spec.compute.allowEviction).
 * - NetworkPolicy: only guru-api pods (label app.kubernetes.io/name=guru-api, any namespace)
 *   reach the q port; guru-engine's HTTP side port (health and metrics, no data) is open to the
 *   cluster for Prometheus. Kubelet probes are not subject to it.
 */
import type { V1LabelSelector, V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import {
  API_CLIENT_LABEL,
  childMetadata,
  ENGINE_HTTP_PORT,
  LABELS,
  names,
  Q_PORT,
  selectorLabels,
} from "./names.js";

/**
 * A NetworkPolicy as sent to the API server. Not client-node's V1NetworkPolicy: its model calls
 * the `from` field `_from`, which only its own serializer renames back.
 */
export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ReturnType<typeof childMetadata>;
  spec: {
    podSelector: V1LabelSelector;
    policyTypes: string[];
    ingress: IngressRule[];
  };
}

export interface IngressRule {
  from: { namespaceSelector?: V1LabelSelector; podSelector?: V1LabelSelector }[];
  ports: { protocol: "TCP"; port: number }[];
}

export function buildPodDisruptionBudget(db: KdbDatabase): V1PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: childMetadata(db, names.podDisruptionBudget(db.metadata.name)),
    spec: {
      maxUnavailable: db.spec.compute.allowEviction ? 1 : 0,
      selector: { matchLabels: selectorLabels(db) },
      // a pod that is not ready serves nobody: evicting it must stay possible
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

export function buildNetworkPolicy(db: KdbDatabase): NetworkPolicy {
  const ingress: IngressRule[] = [
    {
      from: [
        { namespaceSelector: {}, podSelector: { matchLabels: { ...API_CLIENT_LABEL } } },
        // its backup Jobs' pods, in its own namespace (operator/src/builders/backup-job.ts)
        { podSelector: { matchLabels: { [LABELS.backupOf]: db.metadata.name } } },
      ],
      ports: [{ protocol: "TCP", port: Q_PORT }],
    },
  ];
  if (db.spec.engine === "guru-engine")
    ingress.push({ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: ENGINE_HTTP_PORT }] });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: childMetadata(db, names.networkPolicy(db.metadata.name)),
    spec: {
      podSelector: { matchLabels: selectorLabels(db) },
      policyTypes: ["Ingress"],
      ingress,
    },
  };
}
