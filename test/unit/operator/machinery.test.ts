/**
 * The operator's machinery without a cluster: the work queue, configuration, MicroTime, error
 * helper and the KdbDatabase update filter.
 */
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiException } from "@kubernetes/client-node";
import { isApiError, loadConfig, microTime, WorkQueue } from "../../../operator/src/index.js";
import { apiErrorMessage, describeError } from "../../../operator/src/kube/api-error.js";
import { specOrLifecycleChanged } from "../../../operator/src/operator.js";
import { database } from "./fixtures.js";

const options = { workers: 4, baseDelayMs: 20, maxDelayMs: 200, qps: 1000, burst: 1000 };

describe("operator machinery", () => {
  describe("work queue", () => {
    it("never runs one key twice at once, and runs it again when added while in flight", async () => {
      let running = 0;
      let maxRunning = 0;
      let runs = 0;
      const queue = new WorkQueue(async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(30);
        running--;
        return {};
      }, options);
      queue.start();
      queue.add("ns/a");
      await sleep(5);
      queue.add("ns/a"); // in flight: marked dirty
      queue.add("ns/a"); // still one more run, not two
      await queue.drained();
      assert.equal(maxRunning, 1);
      assert.equal(runs, 2);
    });

    it("dedupes waiting keys and runs different keys in parallel up to the worker count", async () => {
      const seen: string[] = [];
      let running = 0;
      let maxRunning = 0;
      const queue = new WorkQueue(async (key) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        seen.push(key);
        await sleep(20);
        running--;
        return {};
      }, options);
      for (const key of ["a", "b", "a", "c", "d", "e", "b", "f"]) queue.add(`ns/${key}`);
      assert.equal(queue.depth, 6);
      queue.start();
      await queue.drained();
      assert.deepEqual(seen.sort(), ["ns/a", "ns/b", "ns/c", "ns/d", "ns/e", "ns/f"]);
      assert.equal(maxRunning, 4);
    });

    it("retries failures with exponential backoff and forgets them after a success", async () => {
      const at: number[] = [];
      const queue = new WorkQueue(async () => {
        at.push(Date.now());
        if (at.length < 4) throw new Error("API down");
        return {};
      }, options);
      queue.start();
      queue.add("ns/a");
      await sleep(400);
      await queue.drained();
      assert.equal(at.length, 4);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // 20, 40, 80 ms (timers may fire a little late, never early)
      assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, gaps.join(","));
      assert.ok(gaps[2]! > gaps[0]!);
      assert.equal(queue.failures("ns/a"), 0);
    });

    it("requeues after the delay a handler asks for, and reports outcomes", async () => {
      const outcomes: string[] = [];
      let calls = 0;
      const queue = new WorkQueue(
        async () => {
          calls++;
          return calls === 1 ? { requeueAfterMs: 50 } : {};
        },
        options,
        { onDone: (_key, outcome) => outcomes.push(outcome) },
      );
      queue.start();
      const started = Date.now();
      queue.add("ns/a");
      await sleep(10);
      assert.equal(calls, 1);
      await sleep(80);
      assert.equal(calls, 2);
      assert.ok(Date.now() - started >= 50);
      assert.deepEqual(outcomes, ["requeue", "success"]);
    });

    it("limits the overall retry rate with a token bucket", async () => {
      let calls = 0;
      const queue = new WorkQueue(
        async () => {
          calls++;
          throw new Error("fail");
        },
        { workers: 10, baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 },
      );
      queue.start();
      for (let i = 0; i < 10; i++) queue.add(`ns/${i}`);
      await sleep(250);
      await queue.shutdown();
      // 10 first runs, then retries at 10/s after a burst of 2: about 4 in 250 ms, never 10+
      assert.ok(calls >= 10 && calls <= 16, String(calls));
    });

    it("waits for runs in flight on shutdown and takes nothing after", async () => {
      let finished = false;
      const queue = new WorkQueue(async () => {
        await sleep(40);
        finished = true;
        return {};
      }, options);
      queue.start();
      queue.add("ns/a");
      await sleep(5);
      await queue.shutdown();
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
