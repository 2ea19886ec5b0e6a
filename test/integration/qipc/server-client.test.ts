import assert from "node:assert/strict";
import { QClient } from "../../../qipc/src/client.js";
import { QConnectionError, QRemoteError, QTimeoutError } from "../../../qipc/src/errors.js";
import type { QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import {
  type EchoServer,
  HOST,
  noConnections,
  recordingLogger,
  startEchoServer,
  waitFor,
} from "./helpers.js";

describe("qipc: our client against our server", () => {
  let echo: EchoServer;
  let client: QClient;

  beforeEach(async () => {
    echo = await startEchoServer();
    client = await QClient.connect({ host: HOST, port: echo.port });
  });

  afterEach(async () => {
    client.destroy();
    await echo.close();
  });

  it("agrees on capability 3 and tells the handler who is calling", async () => {
    assert.equal(client.capability, 3);
    await client.call("echo", q.long(1n));
    const [ctx] = echo.contexts;
    assert.equal(ctx?.sync, true);
    assert.equal(ctx?.remoteAddress, "127.0.0.1");
    assert.equal(ctx?.user, "");
  });

  it("answers a sync call with the handler's value, keeping every q type", async () => {
    const value: QValue = {
      type: 99,
      keys: { type: 11, attr: 0, value: ["a", "b"] },
      values: q.list(q.long(-5n), { type: 12, attr: 1, value: BigInt64Array.of(1n, 2n) }),
    };
    assert.deepEqual(await client.call("echo", value), value);
    assert.deepEqual(await client.call("type", q.float(1)), q.short(-9));
  });

  it("accepts the function name as a symbol or as a char vector", async () => {
    assert.deepEqual(await client.sync(q.list(q.symbol("echo"), q.long(7n))), q.long(7n));
    assert.deepEqual(await client.sync(q.list(q.string("echo"), q.long(8n))), q.long(8n));
  });

  it("calls a function with no arguments as f[::]", async () => {
    assert.deepEqual(await client.call("echo"), q.nil);
  });

  it("echoes a value that is not a call", async () => {
    assert.deepEqual(await client.sync(q.long(42n)), q.long(42n));
  });

  it("turns QFail into the q error word and rejects with QRemoteError", async () => {
    const err = await client.call("fail", q.symbol("guru.series.unknown")).catch((e: unknown) => e);
    assert.ok(err instanceof QRemoteError);
    assert.equal(err.word, "guru.series.unknown");
    assert.equal(err.message, "'guru.series.unknown");
  });

  it("hides other handler errors behind 'internal and keeps the connection", async () => {
    await assert.rejects(
      client.call("boom"),
      (e: unknown) => e instanceof QRemoteError && e.word === "internal",
    );
    assert.deepEqual(await client.call("echo", q.long(1n)), q.long(1n));
  });

  it("sends async messages without a reply, in order with sync ones", async () => {
    await client.async(q.list(q.symbol("echo"), q.long(1n)));
    await client.async(q.list(q.symbol("fail"), q.symbol("ignored")));
    assert.deepEqual(await client.call("echo", q.long(2n)), q.long(2n));
    assert.equal(echo.asyncReceived.length, 2);
    assert.deepEqual(
      echo.contexts.map((c) => c.sync),
      [false, false, true],
    );
  });

  it("pipelines 1000 requests and matches every reply in order", async () => {
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => client.call("echo", q.long(BigInt(i)))),
    );
    replies.forEach((reply, i) => {
      assert.deepEqual(reply, q.long(BigInt(i)));
    });
  });

  it("fails a request past its deadline with QTimeoutError and every other pending one", async () => {
    const slow = assert.rejects(
      client.sync(q.list(q.symbol("sleep"), q.long(300n)), { timeoutMs: 50 }),
      QTimeoutError,
    );
    const queued = assert.rejects(client.call("echo", q.long(1n)), QConnectionError);
    await Promise.all([slow, queued]);
    assert.equal(client.closed, true);
    await assert.rejects(client.call("echo", q.long(1n)), QConnectionError);
    // Like kdb+, the server finishes the running request, fails to reply, and lets go.
    await noConnections(echo.server);
  });

  it("lets pending requests finish on close(), then refuses new ones", async () => {
    const pending = client.call("sleep", q.long(30n));
    const closing = client.close();
    await assert.rejects(client.call("echo", q.long(1n)), QConnectionError);
    assert.deepEqual(await pending, q.nil);
    await closing;
    await noConnections(echo.server);
  });

  it("fails pending requests when the server goes away, and the server closes cleanly", async () => {
    const failed = assert.rejects(client.call("sleep", q.long(5000n)), QConnectionError);
    await waitFor(() => echo.contexts.length === 1);
    const closed = new Promise((resolve) => client.once("close", resolve));
    await echo.close();
    await failed;
    await closed;
    assert.equal(echo.contexts[0]?.signal.aborted, true, "the handler hears that its client is gone");
    assert.equal(echo.server.connections, 0);
  });

  it("survives a client that disconnects while its request runs", async () => {
    void client.call("sleep", q.long(300n)).catch(() => undefined);
    await waitFor(() => echo.contexts.length === 1);
    client.destroy();
    await noConnections(echo.server);
    const again = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await again.call("echo", q.long(3n)), q.long(3n));
    await again.close();
  });

  it("compresses large requests when asked, and the server reads them", async () => {
    const compressing = await QClient.connect({ host: HOST, port: echo.port, compress: true });
    const big = q.longs(Array.from({ length: 20_000 }, (_, i) => BigInt(i % 7)));
    assert.deepEqual(await compressing.call("echo", big), big);
    await compressing.close();
  });
});

describe("qipc: login", () => {
  it("passes user and password to authenticate and refuses by closing", async () => {
    const seen: string[] = [];
    const logger = recordingLogger();
    const echo = await startEchoServer({
      logger,
      authenticate: (user, password, remote) => {
        seen.push(`${user}|${password}|${remote}`);
        return password === "s3cret:x";
      },
    });
    const ok = await QClient.connect({ host: HOST, port: echo.port, user: "alice", password: "s3cret:x" });
    assert.deepEqual(await ok.call("echo", q.long(1n)), q.long(1n));
    assert.equal(echo.contexts[0]?.user, "alice");
    await assert.rejects(
      QClient.connect({ host: HOST, port: echo.port, user: "mallory", password: "guess-0x5f" }),
      (e: unknown) => e instanceof QConnectionError && /login refused/.test(e.message),
    );
    assert.deepEqual(seen, ["alice|s3cret:x|127.0.0.1", "mallory|guess-0x5f|127.0.0.1"]);
    await ok.close();
    await noConnections(echo.server);
    await echo.close();
    const logged = JSON.stringify(logger.entries);
    assert.ok(logged.includes("mallory"));
    assert.ok(!logged.includes("s3cret") && !logged.includes("guess-0x5f"), "passwords are never logged");
  });

  it("refuses when authenticate throws or rejects, and logs the failure", async () => {
    const logger = recordingLogger();
    const echo = await startEchoServer({
      logger,
      authenticate: async () => {
        throw new Error("directory unavailable");
      },
    });
    await assert.rejects(
      QClient.connect({ host: HOST, port: echo.port, user: "u", password: "p" }),
      QConnectionError,
    );
    assert.ok(logger.entries.some((e) => e.level === "error"));
    await noConnections(echo.server);
    await echo.close();
  });

  it("fails to connect to a port nobody listens on", async () => {
    const echo = await startEchoServer();
    const port = echo.port;
    await echo.close();
    await assert.rejects(QClient.connect({ host: HOST, port }), QConnectionError);
  });
});
