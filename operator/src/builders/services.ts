/**
 * The Services of a database: a headless one that gives the StatefulSet's pod its stable DNS name
 * (published before it is ready, so probes and humans can reach a starting database), and a
 * ClusterIP one that clients (guru-api) connect to: `<name>.<namespace>.svc:5000`.
 */
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import { childMetadata, ENGINE_HTTP_PORT, names, Q_PORT, selectorLabels } from "./names.js";

export function servicePorts(db: KdbDatabase): V1ServicePort[] {
  const ports: V1ServicePort[] = [{ name: "q", port: Q_PORT, targetPort: "q", protocol: "TCP" }];
  if (db.spec.engine === "guru-engine")
    ports.push({ name: "http", port: ENGINE_HTTP_PORT, targetPort: "http", protocol: "TCP" });
  return ports;
}

export function buildHeadlessService(db: KdbDatabase): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMetadata(db, names.headlessService(db.metadata.name)),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels(db),
      ports: servicePorts(db),
    },
  };
}

export function buildClientService(db: KdbDatabase): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMetadata(db, names.clientService(db.metadata.name)),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(db),
      ports: servicePorts(db),
    },
  };
}
