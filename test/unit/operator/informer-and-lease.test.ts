/**
 * The informer wrapper against a loopback server speaking the Kubernetes list/watch protocol to
 * the real client library (a failing watch, a silent one), and leader election against an
 * in-memory Lease store with resourceVersion preconditions.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiException, type CoordinationV1Api, KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { pino } from "pino";
import { ResourceInformer } from "../../../operator/src/kube/informer.js";
import { LeaderElector } from "../../../operator/src/kube/leader-election.js";
import { ManualClock } from "./manual-clock.js";

const log = pino({ level: "silent" });

interface Thing {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion: string };
}
const thing = (name: string, rv: string): Thing => ({
  apiVersion: "example.com/v1",
  kind: "Thing",
  metadata: { name, namespace: "ns", resourceVersion: rv },
});

function kubeConfigFor(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "loopback", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "loopback", user: "u" }],
    currentContext: "c",
  });
  return kc;
}

/** Resolves once `check` holds, looking again each time `changed()` is called. */
function conditions() {
  const waiting = new Set<() => void>();
  return {
    changed(): void {
      for (const look of [...waiting]) look();
    },
    until(check: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const look = () => {
          if (!check()) return;
          waiting.delete(look);
          resolve();
        };
        waiting.add(look);
        look();
      });
    },
  };
}

describe("operator informer (loopback list/watch server, manual clock)", () => {
  let server: Server;
  let port: number;
  const watches: URLSearchParams[] = [];
  let onWatch: (n: number, res: ServerResponse) => void = () => undefined;
  const open: ServerResponse[] = [];
  const seen = conditions();

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.searchParams.get("watch") === "true") {
        watches.push(url.searchParams);
        open.push(res);
        onWatch(watches.length, res);
        seen.changed();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const res of open) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    watches.length = 0;
  });

  const informer = (events: string[], restarts: string[], clock: ManualClock, staleMs = 60_000) =>
    new ResourceInformer<Thing>({
      resource: "things",
      kubeConfig: kubeConfigFor(port),
      path: "/apis/example.com/v1/things",
      list: async () => ({
        apiVersion: "v1",
        kind: "List",
        metadata: { resourceVersion: "7" },
        items: [thing("a", "7")],
      }),
      resyncMs: 60_000,
      staleMs,
      log,
      clock,
      onEvent: (event, o) => {
        events.push(`${event} ${o.metadata.name}`);
        seen.changed();
      },
      onRestart: (resource) => {
        restarts.push(resource);
        seen.changed();
      },
    });

  it("restarts a failed watch with backoff from the last resourceVersion", async () => {
    onWatch = (n, res) => {
      if (n === 2) {
        res.writeHead(500).end(); // the watch after a normal close fails
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(
        `${JSON.stringify({ type: "ADDED", object: thing(n === 1 ? "b" : "c", n === 1 ? "8" : "9") })}\n`,
      );
      if (n === 1) res.end(); // the API server closes a watch now and then
    };
    const events: string[] = [];
    const restarts: string[] = [];
    const clock = new ManualClock();
    const things = informer(events, restarts, clock);
    await things.start();
    try {
      await seen.until(() => restarts.length === 1); // the second watch failed
      const backoff = clock.pendingDelays().filter((ms) => ms >= 800 && ms <= 1200);
      assert.equal(backoff.length, 1, "the restart waits the first backoff: 1 s with ±20% jitter");
      await clock.advance(1200);
      await seen.until(() => events.includes("add c"));
      assert.deepEqual(events, ["add a", "add b", "add c"]);
      assert.deepEqual(restarts, ["things"]);
      assert.deepEqual(
        watches.map((w) => w.get("resourceVersion")),
        ["7", "8", "8"],
        "each watch resumes from the last resourceVersion, no relist",
      );
      assert.deepEqual(
        things
          .list()
          .map((t) => t.metadata.name)
          .sort(),
        ["a", "b", "c"],
      );
      assert.ok(things.synced);
    } finally {
      await things.stop();
    }
  });

  it("restarts a watch that has gone silent", async () => {
    onWatch = (_n, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("\n"); // headers out, then nothing: a half-open watch
    };
    const restarts: string[] = [];
    const clock = new ManualClock();
    const things = informer([], restarts, clock, 300);
    await things.start();
    try {
      await seen.until(() => watches.length === 1);
      await clock.advance(1000); // one stale check, 1000 ms after the last sign of life
      assert.deepEqual(restarts, ["things"]);
      await seen.until(() => watches.length === 2);
    } finally {
      await things.stop();
    }
  });
});

/** A Lease store with the API server's semantics: 404, 409 on create of an existing one and on a stale resourceVersion. */
function leaseStore() {
  let lease: V1Lease | undefined;
  let version = 0;
  const conflict = () => new ApiException(409, "Conflict", "{}", {});
  const api = {
    async readNamespacedLease() {
      if (!lease) throw new ApiException(404, "Not Found", "{}", {});
      return structuredClone(lease);
    },
    async createNamespacedLease({ body }: { body: V1Lease }) {
      if (lease) throw conflict();
      lease = {
        ...structuredClone(body),
        metadata: { ...body.metadata, resourceVersion: String(++version) },
      };
      return lease;
    },
    async replaceNamespacedLease({ body }: { body: V1Lease }) {
      if (!lease || body.metadata?.resourceVersion !== lease.metadata?.resourceVersion) throw conflict();
      lease = {
        ...structuredClone(body),
        metadata: { ...body.metadata, resourceVersion: String(++version) },
      };
      return lease;
    },
  };
  return { api: api as unknown as CoordinationV1Api, current: () => lease };
}

describe("operator leader election (in-memory Lease, manual clock)", () => {
  const elector = (
    api: CoordinationV1Api,
    identity: string,
    state: { leading: boolean; lost: number },
    clock: ManualClock,
  ) =>
    new LeaderElector(api, {
      namespace: "guru-system",
      name: "guru-operator",
      identity,
      leaseDurationSeconds: 1,
      renewDeadlineMs: 600,
      retryPeriodMs: 50,
      log,
      clock,
      onStartedLeading: () => {
        state.leading = true;
      },
      onStoppedLeading: () => {
        state.leading = false;
        state.lost++;
      },
    });

  it("elects one leader, writes MicroTime, and hands over at once when the leader releases", async () => {
    const clock = new ManualClock();
    const store = leaseStore();
    const a = { leading: false, lost: 0 };
    const b = { leading: false, lost: 0 };
    const first = elector(store.api, "a", a, clock);
    const second = elector(store.api, "b", b, clock);
    first.start();
    await clock.advance(0);
    assert.equal(a.leading, true);
    second.start();
    await clock.advance(3000); // many retry periods, past the Lease's duration: a renews it
    assert.deepEqual([a.leading, b.leading], [true, false]);
    const spec = store.current()?.spec as unknown as {
      holderIdentity: string;
      renewTime: string;
      acquireTime: string;
    };
    assert.equal(spec.holderIdentity, "a");
    assert.match(spec.renewTime, /\.\d{6}Z$/);
    assert.match(spec.acquireTime, /\.\d{6}Z$/);

    await first.stop(); // releases: the standby need not wait for the Lease to expire
    await clock.advance(50); // one retry period
    assert.equal(b.leading, true);
    assert.equal(store.current()?.spec?.holderIdentity, "b");
    assert.equal(store.current()?.spec?.leaseTransitions, 0, "a released Lease is taken, not stolen");
    await second.stop();
  });

  it("steps down when it cannot renew, and the Lease is taken over once expired", async () => {
    const clock = new ManualClock();
    const store = leaseStore();
    let cut = false;
    const flaky = new Proxy(store.api, {
      get(target, property) {
        const method = Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          if (cut) throw new Error("connection refused");
          return method.apply(target, args);
        };
      },
    });
    const a = { leading: false, lost: 0 };
    const first = elector(flaky, "a", a, clock);
    first.start();
    await clock.advance(0);
    assert.equal(a.leading, true);
    cut = true; // the leader loses the API server right after renewing
    await clock.advance(600);
    assert.deepEqual([a.leading, a.lost], [true, 0], "leading until renewDeadlineMs has passed");
    await clock.advance(50);
    assert.deepEqual([a.leading, a.lost], [false, 1]);

    const b = { leading: false, lost: 0 };
    const second = elector(store.api, "b", b, clock);
    second.start();
    await clock.advance(350); // 1000 ms since a's last renewal: the Lease is not yet expired
    assert.equal(b.leading, false);
    await clock.advance(50);
    assert.equal(b.leading, true);
    assert.equal(store.current()?.spec?.holderIdentity, "b");
    assert.equal(store.current()?.spec?.leaseTransitions, 1);
    await Promise.all([first.stop(), second.stop()]);
  });
});
