/**
 * client-node 1.x builds a new https.Agent for every request, so every API call opens a new TLS
 * connection: at a few hundred calls a second the handshakes cost the operator and the API server
 * more CPU than the calls. This makes a KubeConfig reuse one keep-alive agent per cluster. The
 * agent's TLS options (CA, client certificate) are fixed by the kubeconfig; a bearer token is a
 * header, read per request as before.
 */
import type { Agent } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";

type CreateAgent = (cluster: { server?: string } | null, options: Record<string, unknown>) => Agent;

export function withKeepAlive(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kubeConfig);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = cluster?.server ?? "";
    let agent = agents.get(key);
    if (!agent) {
      agent = original(cluster, { ...options, keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 32 });
      agents.set(key, agent);
    }
    return agent;
  };
  return kubeConfig;
}
