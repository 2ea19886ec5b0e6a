import assert from "node:assert/strict";
import * as net from "node:net";
import { QClient } from "../../../qipc/src/client.js";
import { encodeMessage } from "../../../qipc/src/encode.js";
import { QConnectionError } from "../../../qipc/src/errors.js";
import { MsgType } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import { HOST, noConnections, selfSignedCertificate, startEchoServer } from "./helpers.js";

/** A hand-written server: completes the handshake, then answers each request with `answer()`. */
async function fakeServer(answer: () => Buffer[]): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.once("data", () => {
      socket.write(Buffer.of(3));
      socket.on("data", () => {
        for (const bytes of answer()) socket.write(bytes);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("qipc client", () => {
  it("gives up connecting after connectTimeoutMs when the handshake never completes", async () => {
    // Reads (so it sees the client hang up) but never answers the handshake.
    const server = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const { port } = server.address() as net.AddressInfo;
    await assert.rejects(
      QClient.connect({ host: HOST, port, connectTimeoutMs: 100 }),
      (e: unknown) => e instanceof QConnectionError && /timed out/.test(e.message),
    );
    await new Promise((resolve) => server.close(resolve));
  });

  it("skips async messages pushed by the server and still matches replies in order", async () => {
    const push = encodeMessage(q.list(q.symbol("upd"), q.symbol("trade"), q.long(1n)), MsgType.async);
    const fake = await fakeServer(() => [push, encodeMessage(q.long(7n), MsgType.response)]);
    const client = await QClient.connect({ host: HOST, port: fake.port });
    assert.deepEqual(await client.sync(q.long(0n)), q.long(7n));
    assert.deepEqual(await client.sync(q.long(0n)), q.long(7n));
    client.destroy();
    await fake.close();
  });

  it("drops the connection on a reply nobody asked for", async () => {
    const reply = encodeMessage(q.long(1n), MsgType.response);
    const fake = await fakeServer(() => [reply, reply]);
    const client = await QClient.connect({ host: HOST, port: fake.port });
    const closed = new Promise<Error | undefined>((resolve) => client.once("close", resolve));
    await client.async(q.long(0n));
    const reason = await closed;
    assert.ok(reason instanceof QConnectionError && /unsolicited/.test(reason.message));
    await fake.close();
  });

  it("rejects a value it cannot encode without touching the connection", async () => {
    const echo = await startEchoServer();
    const client = await QClient.connect({ host: HOST, port: echo.port });
    await assert.rejects(client.sync(q.list({ type: -7, value: 2n ** 70n })), TypeError);
    assert.deepEqual(await client.call("echo", q.long(1n)), q.long(1n));
    await client.close();
    await echo.close();
  });

  describe("over TLS", () => {
    let key: Buffer;
    let cert: Buffer;

    before(() => {
      ({ key, cert } = selfSignedCertificate());
    });

    it("runs the q handshake and requests inside TLS, with credentials", async () => {
      const users: string[] = [];
      const echo = await startEchoServer({
        tls: { key, cert },
        authenticate: (user, password) => {
          users.push(user);
          return password === "pw";
        },
      });
      const client = await QClient.connect({
        host: HOST,
        port: echo.port,
        user: "tls-user",
        password: "pw",
        tls: { ca: cert },
      });
      assert.deepEqual(await client.call("echo", q.string("secret data")), q.string("secret data"));
      assert.deepEqual(users, ["tls-user"]);
      await client.close();
      await noConnections(echo.server);
      await echo.close();
    });

    it("refuses a server certificate it does not trust", async () => {
      const echo = await startEchoServer({ tls: { key, cert } });
      await assert.rejects(QClient.connect({ host: HOST, port: echo.port, tls: {} }), QConnectionError);
      await echo.close();
    });
  });
});
