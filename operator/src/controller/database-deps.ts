/** What the KdbDatabase reconcile's steps work with. */
import type { V1PersistentVolumeClaim, V1StatefulSet } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { OperatorConfig } from "../config.js";
import type { Kube } from "../kube/client.js";
import type { EventRecorder } from "../kube/event-recorder.js";
import type { OperatorMetrics } from "../metrics.js";
import type { ChildApplier } from "./child-applier.js";

/** Reads served from the informers' caches. */
export interface Caches {
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined;
  claims(namespace: string, database: string): V1PersistentVolumeClaim[];
}

export interface ControllerDeps {
  kube: Kube;
  caches: Caches;
  events: EventRecorder;
  config: OperatorConfig;
  log: Logger;
  metrics: OperatorMetrics;
}

/** The controller's dependencies and its applier of children, shared by every step. */
export interface DatabaseContext extends ControllerDeps {
  children: ChildApplier;
}
