/**
 * The status the reconciler writes, computed from observations: conditions, reasons, phase.
 */
import { strict as assert } from "node:assert";
import type {
  V1ContainerStatus,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { KdbDatabase } from "../../../crds/src/index.js";
import {
  computeStatus,
  failedStatus,
  mergeConditions,
  type Observation,
  pausedStatus,
} from "../../../operator/src/index.js";
import { database } from "./fixtures.js";

const now = new Date("2026-11-26T12:00:00.123Z");

function claim(
  stripe: number,
  capacity: string,
  requested = capacity,
  conditions: string[] = [],
): V1PersistentVolumeClaim {
  return {
    metadata: { name: `stripe-${stripe}-trades-0`, labels: { "timeseries.guru/stripe": String(stripe) } },
    spec: { resources: { requests: { storage: requested } } },
    status: {
      phase: "Bound",
      capacity: { storage: capacity },
      conditions: conditions.map((type) => ({ type, status: "True" })),
    },
  };
}

function statefulSet(status: Partial<NonNullable<V1StatefulSet["status"]>>, replicas = 1): V1StatefulSet {
  return {
    metadata: { name: "trades", generation: 2 },
    spec: { replicas, selector: {}, serviceName: "trades-hl", template: {} },
    status: {
      observedGeneration: 2,
      replicas,
      readyReplicas: replicas,
      updatedReplicas: replicas,
      currentRevision: "trades-1",
      updateRevision: "trades-1",
      ...status,
    },
  };
}

/** The database pod as the StatefulSet controller made it: of `revision`, built from inputs "inputs-1". */
function pod({
  revision = "trades-1",
  ready = true,
  phase = "Running",
  ...extra
}: { revision?: string; ready?: boolean; phase?: string } & V1Pod["metadata"] = {}): V1Pod {
  return {
    metadata: {
      name: "trades-0",
      creationTimestamp: new Date("2026-11-26T11:00:00Z"),
      labels: { "controller-revision-hash": revision },
      annotations: { "timeseries.guru/template-inputs": "inputs-1" },
      ...extra,
    },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

const observe = (extra: Partial<Observation>): Observation => ({
  now,
  image: "guru-engine:0.1.0",
  replacingStatefulSet: false,
  claims: [claim(0, "10Gi"), claim(1, "10Gi")],
  pod: pod(),
  templateInputs: "inputs-1",
  ...extra,
});

const summary = (db: KdbDatabase, o: Observation) => {
  const status = computeStatus(db, o);
  return {
    phase: status.phase,
    conditions: Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`])),
  };
};

describe("operator status", () => {
  const db = () => database({ storage: { stripes: 2, size: "10Gi" } });

  it("is Ready with an endpoint, replicas and the storage provisioned", () => {
    const status = computeStatus(db(), observe({ statefulSet: statefulSet({}) }));
    assert.equal(status.phase, "Ready");
    assert.equal(status.observedGeneration, 3);
    assert.equal(status.endpoint, "trades.markets.svc:5000");
    assert.equal(status.credentialsSecret, "trades-credentials");
    assert.equal(status.image, "guru-engine:0.1.0");
    assert.deepEqual([status.replicas, status.readyReplicas, status.ready], [1, 1, "1/1"]);
    assert.deepEqual(status.storage, {
      requested: "10Gi",
      provisioned: "10Gi",
      total: "20Gi",
      volumes: [
        { name: "stripe-0-trades-0", stripe: 0, capacity: "10Gi", phase: "Bound" },
        { name: "stripe-1-trades-0", stripe: 1, capacity: "10Gi", phase: "Bound" },
      ],
    });
    assert.deepEqual(status.conditions, [
      {
        type: "Ready",
        status: "True",
        reason: "Available",
        message: "Serving the guru q API at trades.markets.svc:5000.",
        lastTransitionTime: "2026-11-26T12:00:00Z",
        observedGeneration: 3,
      },
      {
        type: "Progressing",
        status: "False",
        reason: "Reconciled",
        message: "Generation 3 is in place.",
        lastTransitionTime: "2026-11-26T12:00:00Z",
        observedGeneration: 3,
      },
      {
        type: "Degraded",
        status: "False",
        reason: "AsExpected",
        message: "Nothing is wrong.",
        lastTransitionTime: "2026-11-26T12:00:00Z",
        observedGeneration: 3,
      },
      {
        type: "StorageResizing",
        status: "False",
        reason: "VolumesMatch",
        message: "All 2 volumes provide 10Gi.",
        lastTransitionTime: "2026-11-26T12:00:00Z",
        observedGeneration: 3,
      },
      {
        type: "Paused",
        status: "False",
        reason: "Reconciling",
        message: "spec.paused is false: the operator reconciles.",
        lastTransitionTime: "2026-11-26T12:00:00Z",
        observedGeneration: 3,
      },
    ]);
  });

  it("reports a spec the API server refuses as InvalidSpec: phase Degraded, nothing progressing", () => {
    const message = "The API server refused StatefulSet trades built from this spec: HTTP 422: ...";
    const status = summary(
      db(),
      observe({ blocker: { reason: "InvalidSpec", message }, pod: undefined, templateInputs: undefined }),
    );
    assert.deepEqual(status, {
      phase: "Degraded",
      conditions: {
        Ready: "False InvalidSpec",
        Progressing: "False Blocked",
        Degraded: "True InvalidSpec",
        StorageResizing: "False VolumesMatch",
        Paused: "False Reconciling",
      },
    });
  });

  it("says Provisioning while the first pod starts, then Pending before the StatefulSet", () => {
    assert.deepEqual(summary(db(), observe({ claims: [], pod: undefined })), {
      phase: "Pending",
      conditions: {
        Ready: "False PodMissing",
        Progressing: "True Creating",
        Degraded: "False AsExpected",
        StorageResizing: "False VolumesMatch",
        Paused: "False Reconciling",
      },
    });
    const starting = observe({
      statefulSet: statefulSet({ readyReplicas: 0 }),
      pod: pod({ ready: false, phase: "Pending" }),
    });
    const s = summary(db(), starting);
    assert.equal(s.phase, "Provisioning");
    assert.equal(s.conditions.Ready, "False PodNotReady");
    assert.equal(s.conditions.Progressing, "True WaitingForPod");
  });

  it("names what blocks: an unschedulable pod, a failing container, a missing licence", () => {
    const unschedulable: V1Pod = {
      metadata: { name: "trades-0" },
      status: {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/6 nodes are available: 6 node(s) didn't match pod anti-affinity rules.",
          },
        ],
      },
    };
    const status = computeStatus(
      db(),
      observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: unschedulable }),
    );
    assert.equal(status.phase, "Degraded");
    const degraded = status.conditions?.find((c) => c.type === "Degraded");
    assert.equal(degraded?.reason, "PodUnschedulable");
    assert.match(degraded?.message ?? "", /pod trades-0 cannot be scheduled: 0\/6 nodes are available/);
    const progressing = status.conditions?.find((c) => c.type === "Progressing");
    assert.deepEqual([progressing?.status, progressing?.reason], ["False", "Stalled"]);

    const crashing: V1Pod = {
      metadata: { name: "trades-0" },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "database",
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
          },
        ],
      },
    };
    assert.equal(
      summary(db(), observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: crashing })).conditions
        .Ready,
      "False CrashLoopBackOff",
    );

    const blocked = summary(
      db(),
      observe({
        blocker: { reason: "LicenseMissing", message: "Secret kdb-licence does not exist." },
        pod: undefined,
        templateInputs: undefined,
      }),
    );
    assert.deepEqual(blocked, {
      phase: "Degraded",
      conditions: {
        Ready: "False LicenseMissing",
        Progressing: "False Blocked",
        Degraded: "True LicenseMissing",
        StorageResizing: "False VolumesMatch",
        Paused: "False Reconciling",
      },
    });
  });

  it("reports a restore init container that exited with an error as RestoreFailed, with its message", () => {
    const restoring = (restore: V1ContainerStatus): V1Pod => ({
      metadata: { name: "trades-0" },
      status: { phase: "Pending", initContainerStatuses: [restore] },
    });
    const base = { name: "restore", image: "x", imageID: "", ready: false };
    const failed = { exitCode: 1, message: "no manifest at s3://b/p/: the backup is missing or incomplete" };
    const crashLooping = restoring({
      ...base,
      restartCount: 3,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
      lastState: { terminated: failed },
    });
    const status = computeStatus(
      db(),
      observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: crashLooping }),
    );
    const degraded = status.conditions?.find((c) => c.type === "Degraded");
    assert.equal(status.phase, "Degraded");
    assert.equal(degraded?.reason, "RestoreFailed");
    assert.equal(
      degraded?.message,
      "the restore into pod trades-0 failed (exit 1, 3 restart(s)): no manifest at s3://b/p/: the backup is missing or incomplete",
    );
    // restored on a later try: what failed before is history
    const restored = restoring({
      ...base,
      restartCount: 3,
      state: { terminated: { exitCode: 0 } },
      lastState: { terminated: failed },
    });
    const after = computeStatus(
      db(),
      observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: restored }),
    );
    assert.notEqual(after.conditions?.find((c) => c.type === "Degraded")?.reason, "RestoreFailed");
    // still copying: nothing wrong
    const running = restoring({ ...base, restartCount: 0, state: { running: {} } });
    const copying = computeStatus(
      db(),
      observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: running }),
    );
    assert.equal(copying.conditions?.find((c) => c.type === "Degraded")?.status, "False");
  });

  it("reports a resize volume by volume, then the StatefulSet replacement", () => {
    const grown = database({ storage: { stripes: 2, size: "20Gi" } });
    const resizing = computeStatus(
      grown,
      observe({
        statefulSet: statefulSet({}),
        claims: [claim(0, "20Gi"), claim(1, "10Gi", "20Gi", ["FileSystemResizePending"])],
      }),
    );
    assert.equal(resizing.phase, "Resizing");
    const condition = resizing.conditions?.find((c) => c.type === "StorageResizing");
    assert.deepEqual(
      [condition?.status, condition?.reason, condition?.message],
      [
        "True",
        "FileSystemResizePending",
        "1 of 2 volumes provide 20Gi; waiting for stripe-1-trades-0 (10Gi)",
      ],
    );
    assert.equal(resizing.storage?.provisioned, "10Gi");
    const replacing = summary(
      grown,
      observe({ replacingStatefulSet: true, claims: [claim(0, "20Gi"), claim(1, "20Gi")] }),
    );
    assert.equal(replacing.conditions.StorageResizing, "True ReplacingStatefulSet");
    assert.equal(replacing.conditions.Progressing, "True ResizingVolumes");
  });

  it("says Hibernating while the pod stops and Hibernated once it is gone", () => {
    const sleepy = database({ storage: { stripes: 2, size: "10Gi" }, hibernate: true });
    const stopping = summary(
      sleepy,
      observe({ statefulSet: statefulSet({ replicas: 1, readyReplicas: 1 }, 0) }),
    );
    assert.equal(stopping.phase, "Hibernating");
    assert.equal(stopping.conditions.Progressing, "True Hibernating");
    const asleep = computeStatus(
      sleepy,
      observe({
        statefulSet: statefulSet({ replicas: 0, readyReplicas: 0, updatedReplicas: 0 }, 0),
        pod: undefined,
      }),
    );
    assert.equal(asleep.phase, "Hibernated");
    assert.equal(asleep.replicas, 0);
    assert.equal(asleep.conditions?.find((c) => c.type === "Ready")?.reason, "Hibernated");
    assert.equal(asleep.storage?.total, "20Gi", "the volumes are still there");
  });

  it("says Updating during a rolling update, and Degraded when a once-ready pod is lost", () => {
    const rolling = summary(
      db(),
      observe({ statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 0 }) }),
    );
    assert.equal(rolling.phase, "Updating");
    assert.equal(rolling.conditions.Progressing, "True RollingUpdate");
    const wasReady = { ...db(), status: { phase: "Ready" as const } };
    assert.equal(
      summary(
        wasReady,
        observe({ statefulSet: statefulSet({ readyReplicas: 0 }), pod: pod({ ready: false }) }),
      ).phase,
      "Degraded",
    );
  });

  it("is not Ready after a spec change until the StatefulSet has observed it and its pod is of the new revision", () => {
    const wasReady = { ...db(), status: computeStatus(db(), observe({ statefulSet: statefulSet({}) })) };
    const changed = { ...wasReady, metadata: { ...wasReady.metadata, generation: 4 } };
    // what the apply answers: the new generation, a status from before the controller saw it
    const unobserved = statefulSet({});
    unobserved.metadata!.generation = 3;
    const steps: [string, Partial<Observation>, string][] = [
      ["not observed", { statefulSet: unobserved }, "False RollingOut"],
      [
        "observed, the old pod still running",
        { statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 0 }) },
        "False RollingOut",
      ],
      [
        "the old pod terminating",
        {
          statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 0 }),
          pod: pod({ deletionTimestamp: now }),
        },
        "False RollingOut",
      ],
      [
        "the old pod gone",
        { statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 0 }), pod: undefined },
        "False RollingOut",
      ],
      [
        "the new pod starting",
        {
          statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 1, readyReplicas: 0 }),
          pod: pod({ revision: "trades-2", ready: false }),
        },
        "False PodNotReady",
      ],
      [
        "the new pod ready, the StatefulSet's counts behind",
        {
          statefulSet: statefulSet({ updateRevision: "trades-2", updatedReplicas: 1, readyReplicas: 0 }),
          pod: pod({ revision: "trades-2" }),
        },
        "False RollingOut",
      ],
      [
        "rolled out",
        {
          statefulSet: statefulSet({ currentRevision: "trades-2", updateRevision: "trades-2" }),
          pod: pod({ revision: "trades-2" }),
        },
        "True Available",
      ],
    ];
    for (const [what, observation, ready] of steps) {
      const s = summary(changed, observe(observation));
      assert.equal(s.conditions.Ready, ready, what);
      assert.equal(s.phase, ready === "True Available" ? "Ready" : "Updating", what);
      if (ready !== "True Available") assert.equal(s.conditions.Progressing, "True RollingUpdate", what);
    }
  });

  it("stays Ready while the StatefulSet is replaced around its running pod (online resize)", () => {
    const grown = database({ storage: { stripes: 2, size: "20Gi" } });
    const grownClaims = [claim(0, "20Gi"), claim(1, "20Gi")];
    const ready = computeStatus(grown, observe({ statefulSet: statefulSet({}), claims: grownClaims }));
    const wasReady = { ...grown, status: ready };
    const later = new Date("2026-11-26T12:05:00Z");
    // deleted orphaning the pod; then created anew, before and after it adopts the pod
    const recreated = statefulSet({
      observedGeneration: 0,
      replicas: 0,
      readyReplicas: 0,
      updatedReplicas: 0,
    });
    recreated.metadata = { name: "trades", generation: 1, uid: "new", creationTimestamp: later };
    const adopted = pod({
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "StatefulSet", name: "trades", uid: "new", controller: true },
      ],
    });
    for (const observation of [
      { replacingStatefulSet: true, statefulSet: undefined },
      { statefulSet: recreated },
      { statefulSet: recreated, pod: adopted },
    ]) {
      const status = computeStatus(wasReady, observe({ now: later, claims: grownClaims, ...observation }));
      const condition = status.conditions?.find((c) => c.type === "Ready");
      assert.deepEqual([condition?.status, condition?.lastTransitionTime], ["True", "2026-11-26T12:00:00Z"]);
    }
    const other = summary(
      wasReady,
      observe({ statefulSet: recreated, claims: grownClaims, templateInputs: "inputs-2" }),
    );
    assert.equal(
      other.conditions.Ready,
      "False RollingOut",
      "a pod built from other inputs is not what is wanted",
    );
  });

  it("keeps lastTransitionTime while a condition's status holds", () => {
    const earlier = [
      {
        type: "Ready",
        status: "True" as const,
        reason: "Available",
        message: "m",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
      {
        type: "Degraded",
        status: "False" as const,
        reason: "AsExpected",
        message: "m",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
    ];
    const merged = mergeConditions(
      earlier,
      {
        Ready: { status: "True", reason: "Available", message: "new message" },
        Degraded: { status: "True", reason: "PodUnschedulable", message: "x" },
      },
      7,
      now,
    );
    assert.deepEqual(
      merged.map((c) => [c.type, c.lastTransitionTime, c.message, c.observedGeneration]),
      [
        ["Ready", "2026-01-01T00:00:00Z", "new message", 7],
        ["Degraded", "2026-11-26T12:00:00Z", "x", 7],
      ],
    );
  });

  it("pauses by changing only the Paused condition, phase and observedGeneration", () => {
    const ready = { ...db(), status: computeStatus(db(), observe({ statefulSet: statefulSet({}) })) };
    const later = { ...ready, metadata: { ...ready.metadata, generation: 4 } };
    const paused = pausedStatus(later, new Date("2026-11-27T00:00:00Z"));
    assert.equal(paused.phase, "Paused");
    assert.equal(paused.observedGeneration, 4);
    assert.deepEqual(
      paused.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ["Ready", "True", "Available"],
        ["Progressing", "False", "Reconciled"],
        ["Degraded", "False", "AsExpected"],
        ["StorageResizing", "False", "VolumesMatch"],
        ["Paused", "True", "ReconcilePaused"],
      ],
    );
    const failed = failedStatus(ready, "while applying StatefulSet trades: HTTP 403", now);
    assert.equal(failed.conditions?.find((c) => c.type === "Degraded")?.reason, "ReconcileError");
    assert.equal(failed.phase, "Ready");
  });
});
