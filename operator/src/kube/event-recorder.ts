/**
 * Kubernetes Events (events.k8s.io/v1) about KdbDatabases: `kubectl describe kdb NAME` and
 * `kubectl events` show them. The same reason and note about the same object within
 * `dedupeMs` is recorded once, so a failing reconcile retried with backoff does not flood etcd.
 * Recording never fails the caller.
 */
import type { EventsV1Api, EventsV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { describeError } from "./api-error.js";
import { microTime } from "./micro-time.js";

export const REPORTING_CONTROLLER = "timeseries.guru/guru-operator";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  instance: string;
  dedupeMs: number;
  log: Logger;
}

const MAX_NOTE = 1024;

export class EventRecorder {
  readonly #api: EventsV1Api;
  readonly #options: EventRecorderOptions;
  readonly #recent = new Map<string, number>();

  constructor(api: EventsV1Api, options: EventRecorderOptions) {
    this.#api = api;
    this.#options = options;
  }

  normal(target: EventTarget, reason: string, action: string, note: string): Promise<void> {
    return this.record(target, "Normal", reason, action, note);
  }

  warning(target: EventTarget, reason: string, action: string, note: string): Promise<void> {
    return this.record(target, "Warning", reason, action, note);
  }

  async record(
    target: EventTarget,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    const { name, namespace, uid } = target.metadata;
    if (!namespace) return;
    const key = `${uid ?? `${namespace}/${name}`}|${type}|${reason}|${note}`;
    const now = Date.now();
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < this.#options.dedupeMs) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) this.#prune(now);
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      // as client-go names them: <object>.<unix nanoseconds in hex> (generateName refuses a trailing ".")
      metadata: { name: `${name}.${eventSuffix(now)}`, namespace },
      eventTime: microTime(new Date(now)),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.#options.instance,
      action,
      reason,
      note: note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note,
      type,
      regarding: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name,
        namespace,
        uid,
        resourceVersion: target.metadata.resourceVersion,
      },
    } as unknown as EventsV1Event;
    try {
      await this.#api.createNamespacedEvent({ namespace, body });
    } catch (err) {
      this.#options.log.warn(
        { namespace, name, reason, err: describeError(err) },
        "Could not record an event.",
      );
    }
  }

  #prune(now: number): void {
    for (const [key, at] of this.#recent) if (now - at >= this.#options.dedupeMs) this.#recent.delete(key);
  }
}

let sequence = 0;

/** Unix time in nanoseconds, hex, made unique within the process. */
function eventSuffix(nowMs: number): string {
  sequence = (sequence + 1) % 1_000_000;
  return (BigInt(nowMs) * 1_000_000n + BigInt(sequence)).toString(16);
}
