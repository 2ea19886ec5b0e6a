import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { QConnectionError } from "../../../qipc/src/errors.js";
import { backoffDelay, createQPool } from "../../../qipc/src/pool.js";
import { createQServer } from "../../../qipc/src/server.js";
import { q } from "../../../qipc/src/values.js";
import { HOST, noConnections, startEchoServer, waitFor } from "./helpers.js";

describe("qipc pool", () => {
  it("spreads concurrent requests over its connections", async () => {
    let running = 0;
    let most = 0;
    const server = createQServer({
      handle: async () => {
        most = Math.max(most, ++running);
        await delay(10);
        running--;
        return q.long(1n);
      },
    });
    const { port } = await server.listen(0, HOST);
    const pool = createQPool({ host: HOST, port, size: 3 });
    await waitFor(() => pool.connected === 3);
    const replies = await Promise.all(Array.from({ length: 30 }, () => pool.call("f", q.long(0n))));
    assert.equal(replies.length, 30);
    assert.equal(most, 3, "each connection handles one request at a time, all three are used");
    assert.equal(server.connections, 3);
    await pool.close();
    await noConnections(server);
    await server.close();
  });

  it("reconnects with backoff after the server comes back", async () => {
    const first = await startEchoServer();
    const port = first.port;
    const pool = createQPool({ host: HOST, port, size: 2, reconnectMinMs: 10, reconnectMaxMs: 50 });
    assert.deepEqual(await pool.call("echo", q.long(1n)), q.long(1n));
    await waitFor(() => pool.connected === 2);
    const pending = assert.rejects(pool.call("sleep", q.long(5000n)), QConnectionError);
    await waitFor(() => first.contexts.length === 2);
    await first.close();
    await pending;
    await waitFor(() => pool.connected === 0);
    const second = createQServer({ handle: () => q.symbol("back") });
    await second.listen(port, HOST);
    assert.deepEqual(await pool.call("anything"), q.symbol("back"));
    await waitFor(() => pool.connected === 2);
    await pool.close();
    await noConnections(second);
    await second.close();
  });

  it("fails a request when no connection comes up within acquireTimeoutMs", async () => {
    const gone = await startEchoServer();
    await gone.close();
    const pool = createQPool({
      host: HOST,
      port: gone.port,
      size: 1,
      acquireTimeoutMs: 100,
      reconnectMinMs: 20,
    });
    await assert.rejects(
      pool.call("echo", q.long(1n)),
      (e: unknown) => e instanceof QConnectionError && /within 100 ms/.test(e.message),
    );
    await pool.close();
    await assert.rejects(pool.call("echo", q.long(1n)), QConnectionError);
  });

  it("fails waiting requests on close", async () => {
    const gone = await startEchoServer();
    await gone.close();
    const pool = createQPool({ host: HOST, port: gone.port, size: 1, reconnectMinMs: 20 });
    const waiting = assert.rejects(pool.call("echo", q.long(1n)), QConnectionError);
    await pool.close();
    await waiting;
  });

  it("doubles its reconnect delay up to the cap, jittered in the upper half", () => {
    const top = (): number => 1;
    assert.equal(backoffDelay(1, 100, 5000, top), 100);
    assert.equal(backoffDelay(3, 100, 5000, top), 400);
    assert.equal(backoffDelay(50, 100, 5000, top), 5000);
    assert.equal(
      backoffDelay(3, 100, 5000, () => 0),
      200,
    );
  });
});
