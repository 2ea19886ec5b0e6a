/**
 * The operator's machinery without a cluster: the work queue, configuration, MicroTime, error
 * helper and the KdbDatabase update filter.
 */
import { strict as assert } from "node:assert";
import { ApiException } from "@kubernetes/client-node";
import { requeueOnConflict } from "../../../operator/src/controller/reconciler.js";
import { isApiError, loadConfig, microTime, WorkQueue } from "../../../operator/src/index.js";
import {
  apiErrorMessage,
  ConflictError,
  describeError,
  ownWrite,
  statusWritten,
} from "../../../operator/src/kube/api-error.js";
import { specOrLifecycleChanged } from "../../../operator/src/watches.js";
import { database } from "./fixtures.js";
import { ManualClock, settle } from "./manual-clock.js";

const options = { workers: 4, baseDelayMs: 20, maxDelayMs: 200, qps: 1000, burst: 1000 };

/** Handler runs that wait at a gate until the test opens it, and tell the test when they arrive. */
function gates() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const arrivals: (() => void)[] = [];
  let count = 0;
  return {
    get count() {
      return count;
    },
    async enter(): Promise<void> {
      count++;
      for (const arrived of arrivals.splice(0)) arrived();
      await opened;
    },
    async entered(n: number): Promise<void> {
      while (count < n) await new Promise<void>((resolve) => arrivals.push(resolve));
    },
    open,
  };
}

describe("operator machinery", () => {
  describe("work queue", () => {
    it("never runs one key twice at once, and runs it again when added while in flight", async () => {
      let running = 0;
      let maxRunning = 0;
      const runs = gates();
      const queue = new WorkQueue(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await runs.enter();
        running--;
        return {};
      }, options);
      queue.start();
      queue.add("ns/a");
      await runs.entered(1);
      queue.add("ns/a"); // in flight: marked dirty
      queue.add("ns/a"); // still one more run, not two
      runs.open();
      await queue.drained();
      assert.equal(maxRunning, 1);
      assert.equal(runs.count, 2);
    });

    it("dedupes waiting keys and runs different keys in parallel up to the worker count", async () => {
      const seen: string[] = [];
      const runs = gates();
      const queue = new WorkQueue(async (key) => {
        seen.push(key);
        await runs.enter();
        return {};
      }, options);
      for (const key of ["a", "b", "a", "c", "d", "e", "b", "f"]) queue.add(`ns/${key}`);
      assert.equal(queue.depth, 6);
      queue.start();
      await runs.entered(4);
      await settle();
      assert.equal(queue.inFlight, 4, "as many runs at once as workers, no more");
      assert.equal(queue.depth, 2);
      runs.open();
      await queue.drained();
      assert.deepEqual(seen.sort(), ["ns/a", "ns/b", "ns/c", "ns/d", "ns/e", "ns/f"]);
    });

    it("retries failures with exponential backoff and forgets them after a success", async () => {
      const clock = new ManualClock();
      const at: number[] = [];
      const queue = new WorkQueue(
        async () => {
          at.push(clock.now());
          if (at.length < 4) throw new Error("API down");
          return {};
        },
        { ...options, clock },
      );
      queue.start();
      queue.add("ns/a");
      for (const backoff of [20, 40, 80]) {
        const runs = at.length;
        await clock.advance(backoff - 1);
        assert.equal(at.length, runs, `no retry before ${backoff} ms`);
        await clock.advance(1);
        assert.equal(at.length, runs + 1, `a retry at ${backoff} ms`);
      }
      await settle();
      assert.deepEqual(
        at.slice(1).map((t, i) => t - at[i]!),
        [20, 40, 80],
      );
      assert.equal(queue.failures("ns/a"), 0);
    });

    it("requeues after the delay a handler asks for, and reports outcomes", async () => {
      const clock = new ManualClock();
      const outcomes: string[] = [];
      let calls = 0;
      const queue = new WorkQueue(
        async () => {
          calls++;
          return calls === 1 ? { requeueAfterMs: 50 } : {};
        },
        { ...options, clock },
        { onDone: (_key, outcome) => outcomes.push(outcome) },
      );
      queue.start();
      assert.equal(queue.scheduledIn("ns/a"), undefined);
      queue.add("ns/a");
      await clock.advance(49);
      assert.equal(calls, 1);
      assert.equal(queue.scheduledIn("ns/a"), 1);
      await clock.advance(1);
      assert.equal(calls, 2);
      assert.equal(queue.scheduledIn("ns/a"), undefined);
      assert.deepEqual(outcomes, ["requeue", "success"]);
    });

    it("limits the overall retry rate with a token bucket", async () => {
      const clock = new ManualClock();
      let calls = 0;
      const queue = new WorkQueue(
        async () => {
          calls++;
          throw new Error("fail");
        },
        { workers: 10, baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2, clock },
      );
      queue.start();
      for (let i = 0; i < 10; i++) queue.add(`ns/${i}`);
      await clock.advance(1000);
      await queue.shutdown();
      // 10 first runs, then retries at 10/s after a burst of 2 (a 1 ms backoff alone: 10 000)
      assert.ok(calls - 10 >= 10 && calls - 10 <= 13, String(calls));
    });

    it("waits for runs in flight on shutdown and takes nothing after", async () => {
      let finished = false;
      const runs = gates();
      const queue = new WorkQueue(async () => {
        await runs.enter();
        finished = true;
        return {};
      }, options);
      queue.start();
      queue.add("ns/a");
      await runs.entered(1);
      let shutDown = false;
      const shutdown = queue.shutdown().then(() => {
        shutDown = true;
      });
      await settle();
      assert.equal(shutDown, false, "shutdown waits for the run in flight");
      runs.open();
      await shutdown;
      assert.ok(finished);
      queue.add("ns/b");
      assert.equal(queue.depth, 0);
    });
  });

  describe("configuration", () => {
    it("has defaults for everything", () => {
      const config = loadConfig({});
      assert.equal(config.namespace, "guru-system");
      assert.equal(config.leaderElection, true);
      assert.equal(config.workers, 8);
      assert.equal(config.leaseDurationSeconds, 15);
      assert.equal(config.httpPort, 8080);
      assert.equal(config.watchNamespace, undefined);
    });

    it("reads the environment, and lists every bad variable by name", () => {
      const config = loadConfig({
        GURU_OPERATOR_WATCH_NAMESPACE: "markets",
        GURU_OPERATOR_LEADER_ELECTION: "false",
        GURU_OPERATOR_WORKERS: "16",
        GURU_OPERATOR_GURU_ENGINE_IMAGE: "registry/engine:2",
        KUBECONFIG: "/tmp/kubeconfig",
      });
      assert.deepEqual(
        [
          config.watchNamespace,
          config.leaderElection,
          config.workers,
          config.guruEngineImage,
          config.kubeconfig,
        ],
        ["markets", false, 16, "registry/engine:2", "/tmp/kubeconfig"],
      );
      assert.throws(
        () => loadConfig({ GURU_OPERATOR_WORKERS: "many", GURU_LOG_LEVEL: "loud" }),
        (err: Error) => /GURU_OPERATOR_WORKERS/.test(err.message) && /GURU_LOG_LEVEL/.test(err.message),
      );
    });
  });

  it("formats MicroTime with exactly six fractional digits", () => {
    assert.equal(microTime(new Date("2026-11-26T12:34:56.789Z")), "2026-11-26T12:34:56.789000Z");
    assert.match(microTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("recognises API errors by code and reads their Status message", () => {
    const notFound = new ApiException(
      404,
      "Not Found",
      '{"kind":"Status","message":"kdbdatabases \\"x\\" not found"}',
      {},
    );
    assert.ok(isApiError(notFound, 404));
    assert.ok(isApiError(notFound));
    assert.ok(!isApiError(notFound, 409));
    assert.ok(!isApiError(new Error("x"), 404));
    assert.equal(apiErrorMessage(notFound), 'HTTP 404: kdbdatabases "x" not found');
    const wrapped = new Error("while reading KdbDatabase a/x", { cause: notFound });
    assert.equal(
      describeError(wrapped),
      'while reading KdbDatabase a/x: HTTP 404: kdbdatabases "x" not found',
    );
  });

  it("ends a status write to an object deleted meanwhile quietly, and fails any other refusal", async () => {
    const refusal = (code: number) => () => Promise.reject(new ApiException(code, "", "{}", {}));
    assert.equal(await statusWritten(() => Promise.resolve({})), true);
    // a database deleted mid-reconcile: its status is gone with it, nothing to retry
    assert.equal(await statusWritten(refusal(404)), false);
    await assert.rejects(statusWritten(refusal(500)), /while writing status/);
    await assert.rejects(statusWritten(refusal(403)), /while writing status/);
    await assert.rejects(statusWritten(refusal(409)), ConflictError);
  });

  it("turns a write that met a newer version of its object into a quiet requeue, and fails any other refusal", async () => {
    const refusal = (code: number) => () => Promise.reject(new ApiException(code, "", "{}", {}));
    const finalizer = (code: number) =>
      requeueOnConflict(async () => {
        await ownWrite("while removing the finalizer", refusal(code));
        return {};
      });
    // a finalizer patch on a stale resourceVersion: read it again at once, no backoff
    assert.deepEqual(await finalizer(409), { requeueAfterMs: 0 });
    assert.deepEqual(await finalizer(404), {});
    await assert.rejects(finalizer(500), /while removing the finalizer/);
    assert.deepEqual(await requeueOnConflict(async () => ({ requeueAfterMs: 5 })), { requeueAfterMs: 5 });
    assert.equal(await ownWrite("while patching", async () => "patched"), "patched");
  });

  it("reconciles on spec, deletion and finalizer changes, not on status writes", () => {
    const db = database({ storage: { stripes: 1, size: "1Gi" } });
    const statusOnly = { ...db, status: { phase: "Ready" as const } };
    assert.equal(specOrLifecycleChanged(db, statusOnly), false);
    assert.equal(specOrLifecycleChanged(db, { ...db, metadata: { ...db.metadata, generation: 4 } }), true);
    assert.equal(
      specOrLifecycleChanged(db, {
        ...db,
        metadata: { ...db.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
      }),
      true,
    );
    assert.equal(
      specOrLifecycleChanged(db, { ...db, metadata: { ...db.metadata, finalizers: ["x"] } }),
      true,
    );
  });
});
