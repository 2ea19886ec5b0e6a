/** What every part of a running operator is built from: its config, log, metrics, clock and API client. */
import type { Logger } from "pino";
import type { OperatorConfig } from "./config.js";
import type { Kube } from "./kube/client.js";
import type { Clock } from "./kube/clock.js";
import type { EventRecorder } from "./kube/event-recorder.js";
import type { OperatorMetrics } from "./metrics.js";

export interface OperatorContext {
  config: OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
  clock: Clock;
  kube: Kube;
  events: EventRecorder;
}
