/**
 * guru-operator's entry point: configuration from the environment, a pino logger, the operator,
 * and a graceful shutdown on SIGTERM/SIGINT (release the Lease, finish reconciles in flight).
 * Losing leadership exits (code 1), as client-go operators do: the pod restarts and campaigns again.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { loadConfig } from "./config.js";
import { startOperator } from "./operator.js";

const config = loadConfig();
const log = pino({
  name: "guru-operator",
  level: config.logLevel,
  redact: ["*.password", "*.token", "*.stringData", "*.data"],
});

const kubeConfig = new KubeConfig();
if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
else kubeConfig.loadFromCluster();

const operator = await startOperator({
  config,
  kubeConfig,
  log,
  onLostLeadership() {
    log.error("Leadership lost; exiting so that the pod restarts and campaigns again.");
    process.exit(1);
  },
});
log.info({ httpPort: operator.httpPort }, "guru-operator started.");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "Shutting down.");
    operator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "Shutdown failed.");
        process.exit(1);
      },
    );
  });
}
