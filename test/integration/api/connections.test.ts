import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { pino } from "pino";
import { DatabaseConnections } from "../../../api/src/data/connections.js";
import { DependencyError } from "../../../api/src/errors/errors.js";
import type { Provisioner, ProvisionTarget } from "../../../api/src/provisioning/provisioner.js";
import { QConnectionError, QFail } from "../../../qipc/src/errors.js";
import { createQServer, type QServer } from "../../../qipc/src/server.js";
import { q } from "../../../qipc/src/values.js";

const db: ProvisionTarget = {
  accountId: "a1",
  name: "metrics",
  uid: "u1",
  region: "local",
  engine: "guru-engine",
  size: "dev",
  storage: { stripes: 1, stripeSizeGiB: 1 },
  generation: 1,
};
const COOLDOWN_MS = 5000;

/**
 * The circuit breaker of a database's connections, on a real q server, with an injected clock:
 * once open and cooled down, one request probes; whatever that probe meets (a q error, a
 * timeout, a write refused by the in-flight cap) it must not leave the breaker stuck half-open.
 */
describe("database connections: the circuit breaker's probe", () => {
  let server: QServer;
  let connections: DatabaseConnections;
  let now = 0;
  /** how the server answers: a value, a q error, or never */
  let mode: "ok" | "error" | "hang" = "ok";
  /** while true, the endpoint refuses connections (a failure to reach the database) */
  let down = false;
  /** while true, the provisioner says the engine is starting (it has no endpoint, and knows why) */
  let starting = false;
  /** while true, reaching the engine fails as a refused connection does, without a new pool */
  let refused = false;
  let hung: (() => void)[] = [];
  /** called when a request reaches the server and hangs there */
  let onHung = () => {};
  let servingAgain: (uid: string) => void = () => {};
  /** the provisioner's endpoint questions */
  let asked = 0;

  beforeEach(async () => {
    mode = "ok";
    down = false;
    starting = false;
    refused = false;
    asked = 0;
    const deadPort = await closedPort();
    server = createQServer({
      handle: () => {
        if (mode === "error") throw new QFail("guru.boom");
        if (mode === "hang")
          return new Promise((resolve) => {
            hung.push(() => resolve(q.long(0n)));
            onHung();
          });
        return q.long(1n);
      },
    });
    const { port } = await server.listen(0, "127.0.0.1");
    const provisioner = {
      endpoint: async () => {
        asked++;
        if (starting) throw new DependencyError("DATABASE_UNAVAILABLE", "database metrics is starting");
        if (refused) throw new QConnectionError("connection refused");
        return { host: "127.0.0.1", port: down ? deadPort : port, user: "u", password: "p" };
      },
      onServing: (listener: (uid: string) => void) => {
        servingAgain = listener;
      },
    } as unknown as Provisioner;
    connections = new DatabaseConnections({
      provisioner,
      logger: pino({ level: "silent" }),
      poolSize: 2, // a request hung on one leaves the other free
      requestTimeoutMs: 30_000,
      endpointTtlMs: 0, // ask for the endpoint every time, so `down` applies at once
      acquireTimeoutMs: 300, // how long a refused endpoint is retried before the request fails
      maxWritesInFlight: 1,
      breaker: { threshold: 3, cooldownMs: COOLDOWN_MS, now: () => now },
    });
  });
  afterEach(async () => {
    for (const resolve of hung) resolve();
    hung = [];
    await connections.close();
    await server.close();
  });

  const read = (timeoutMs?: number) => connections.request(db, "f", [], { kind: "read", timeoutMs });
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => "ok",
      (err: { code?: string; message: string }) =>
        `${err.code}${err.message.includes("down") ? " (breaker)" : ""}`,
    );
  /** failures to reach it until the breaker opens */
  const open = async () => {
    refused = true;
    for (let i = 0; (await code(read())) !== "DATABASE_UNAVAILABLE (breaker)"; i++) assert.ok(i < 3);
    refused = false;
  };
  /** open, then the cooldown passes: the next request is the probe */
  const openAndCoolDown = async () => {
    await open();
    now += COOLDOWN_MS;
  };

  it("is not opened by a provisioner saying the engine is starting: that is an answer", async () => {
    starting = true;
    for (let i = 0; i < 6; i++) assert.equal(await code(read()), "DATABASE_UNAVAILABLE");
    starting = false;
    assert.equal(await code(read()), "ok");
  });

  it("closes at once when the provisioner says the engine serves again, without the cooldown", async () => {
    await open();
    assert.equal(await code(read()), "DATABASE_UNAVAILABLE (breaker)");
    servingAgain(db.uid);
    assert.equal(await code(read()), "ok");
  });

  it("does not count the failures of requests still waiting on the engine that was replaced", async () => {
    down = true;
    // each waits for a connection the dead port refuses, all on one pool
    const waiting = [code(read()), code(read()), code(read())];
    down = false;
    servingAgain(db.uid);
    assert.deepEqual(await Promise.all(waiting), ["ok", "ok", "ok"]);
    assert.equal(await code(read()), "ok");
  });

  it("gives concurrent first calls one pool: one question to the provisioner, no pool left open", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => code(read())));
    assert.deepEqual(results, Array(6).fill("ok"));
    assert.equal(asked, 1);
    assert.ok(server.connections <= 2, `${server.connections} connections for a pool of 2`);
  });

  it("closes when the probe meets a q error: the database answered", async () => {
    await openAndCoolDown();
    mode = "error";
    assert.equal(await code(read()), "DATABASE_ERROR");
    assert.equal(await code(read()), "DATABASE_ERROR");
    mode = "ok";
    assert.equal(await code(read()), "ok");
  });

  it("lets another request probe after the probe timed out", async () => {
    await openAndCoolDown();
    mode = "hang";
    assert.equal(await code(read(50)), "DATABASE_TIMEOUT");
    mode = "ok";
    assert.equal(await code(read()), "ok");
  });

  it("does not give the probe to a write refused by the in-flight cap", async () => {
    mode = "hang";
    const reached = new Promise<void>((resolve) => {
      onHung = resolve;
    });
    const inFlight = code(connections.request(db, "w", [], { kind: "write" }));
    await reached; // in flight at the database, not still asking for its endpoint
    await openAndCoolDown();
    assert.equal(await code(connections.request(db, "w", [], { kind: "write" })), "DATABASE_OVERLOADED");
    mode = "ok";
    assert.equal(await code(read()), "ok");
    for (const resolve of hung) resolve();
    assert.equal(await inFlight, "ok");
  });
});

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
