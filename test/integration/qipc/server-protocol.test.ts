import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { QClient } from "../../../qipc/src/client.js";
import { decodeMessage } from "../../../qipc/src/decode.js";
import { encodeMessage } from "../../../qipc/src/encode.js";
import { QRemoteError } from "../../../qipc/src/errors.js";
import { MsgType, type QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import {
  type EchoServer,
  HOST,
  loggedInPeer,
  noConnections,
  rawPeer,
  startEchoServer,
  waitFor,
} from "./helpers.js";

const error = (word: string): QValue => ({ type: -128, value: word });
const syncMessage = (value: QValue): Buffer => encodeMessage(value, MsgType.sync);
const reply = (value: QValue): Buffer => encodeMessage(value, MsgType.response);

/** `(\`echo; 42j)` as the old KX Java client would send it: big-endian throughout. */
const BIG_ENDIAN_ECHO_42 = Buffer.from(
  // biome-ignore format: one field per group
  "00010000" + "0000001d" + "0000" + "00000002" + "f5" + "6563686f00" + "f9" + "000000000000002a",
  "hex",
);

describe("qipc server: wire protocol", () => {
  let echo: EchoServer;

  afterEach(async () => {
    await noConnections(echo.server);
    await echo.close();
  });

  it("answers the handshake with exactly one byte and then stays silent", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    // replies come in order: whatever the server sent after the handshake byte comes before this one
    peer.socket.write(syncMessage(q.list(q.symbol("echo"), q.long(1n))));
    const expected = reply(q.long(1n));
    await peer.bytes(1 + expected.length);
    assert.deepEqual(peer.received(), Buffer.concat([Buffer.of(3), expected]));
    peer.socket.destroy();
  });

  it("answers min(capability, 3) and capability 0 to a client that sends none", async () => {
    echo = await startEchoServer();
    const six = await rawPeer(echo.port);
    six.socket.write(Buffer.from("u:p\x06\x00"));
    assert.deepEqual(await six.bytes(1), Buffer.of(3));
    const none = await rawPeer(echo.port);
    none.socket.write(Buffer.from("u:p\x00"));
    assert.deepEqual(await none.bytes(1), Buffer.of(0));
    six.socket.destroy();
    none.socket.destroy();
  });

  it("reads big-endian requests and replies little-endian", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(BIG_ENDIAN_ECHO_42);
    const expected = reply(q.long(42n));
    assert.deepEqual((await peer.bytes(1 + expected.length)).subarray(1), expected);
    peer.socket.destroy();
  });

  it("never answers async messages or response messages, only sync ones", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(encodeMessage(q.list(q.symbol("echo"), q.long(1n)), MsgType.async));
    peer.socket.write(encodeMessage(q.long(2n), MsgType.response));
    peer.socket.write(syncMessage(q.list(q.symbol("echo"), q.long(3n))));
    const expected = reply(q.long(3n));
    // replies come in order: an answer to the async or response message would come before this one
    await peer.bytes(1 + expected.length);
    assert.deepEqual(peer.received().subarray(1), expected);
    assert.equal(echo.asyncReceived.length, 1);
    peer.socket.destroy();
  });

  it("answers a well-framed but undecodable sync message with 'badmsg, then closes (as kdb+)", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(Buffer.from("010100000a0000007700", "hex"));
    peer.socket.write(syncMessage(q.list(q.symbol("echo"), q.long(5n))));
    await peer.closed;
    assert.deepEqual(peer.received().subarray(1), reply(error("badmsg")));
    assert.equal(echo.contexts.length, 0, "the request after it was not run");
  });

  it("closes without a word after an undecodable async message", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(Buffer.from("010000000a0000007700", "hex"));
    await peer.closed;
    assert.deepEqual(peer.received(), Buffer.of(3));
  });

  it("answers a sync message with a broken header with 'badmsg, then closes", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(Buffer.from("0101000005000000", "hex"));
    await peer.closed;
    assert.deepEqual(peer.received().subarray(1), reply(error("badmsg")));
  });

  it("closes without a word on a stream that is not q IPC at all", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await peer.closed;
    assert.deepEqual(peer.received(), Buffer.of(3));
  });

  it("replies 'limit to an oversize message, closes, and keeps serving others", async () => {
    echo = await startEchoServer({ maxMessageBytes: 1000 });
    const client = await QClient.connect({ host: HOST, port: echo.port });
    const big = q.longs(Array.from({ length: 200 }, (_, i) => BigInt(i)));
    await assert.rejects(
      client.call("echo", big),
      (e: unknown) => e instanceof QRemoteError && e.word === "limit",
    );
    await waitFor(() => client.closed);
    const other = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await other.call("echo", q.long(1n)), q.long(1n));
    await other.close();
  });

  it("refuses a compressed message that would expand past the limit before reading its body", async () => {
    echo = await startEchoServer({ maxMessageBytes: 1000 });
    const peer = await loggedInPeer(echo.port);
    const header = Buffer.from("01010100" + "64000000" + "40420f00", "hex");
    peer.socket.write(header);
    await peer.closed;
    assert.deepEqual(peer.received().subarray(1), reply(error("limit")));
  });

  it("compresses large replies when forced, even on loopback", async () => {
    echo = await startEchoServer({ compression: "always" });
    const peer = await loggedInPeer(echo.port);
    peer.socket.write(syncMessage(q.list(q.symbol("til"), q.long(10_000n))));
    await waitFor(() => {
      const got = peer.received();
      return got.length >= 9 && got.length >= 1 + got.readInt32LE(5);
    });
    const message = peer.received().subarray(1);
    assert.equal(message[2], 1, "compressed flag");
    assert.ok(message.length < 40_000);
    const expected = q.longs(Array.from({ length: 10_000 }, (_, i) => BigInt(i)));
    assert.deepEqual(decodeMessage(message).value, expected);
    const client = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await client.call("til", q.long(10_000n)), expected);
    await client.close();
    peer.socket.destroy();
  });

  it("does not compress on loopback by default, nor for a capability-0 client", async () => {
    for (const [compression, hello] of [
      ["auto", "u:p\x03\x00"],
      ["always", "u:p\x00"],
    ] as const) {
      const server = await startEchoServer({ compression });
      const peer = await rawPeer(server.port);
      peer.socket.write(hello);
      await peer.bytes(1);
      peer.socket.write(syncMessage(q.list(q.symbol("til"), q.long(10_000n))));
      const got = await peer.bytes(1 + 8 + 6 + 80_000);
      assert.equal(got[1 + 2], 0, `${compression} ${JSON.stringify(hello)}`);
      peer.socket.destroy();
      await noConnections(server.server);
      await server.close();
    }
    echo = await startEchoServer();
  });

  it("answers a request sent together with the client's FIN, then closes", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.end(syncMessage(q.list(q.symbol("echo"), q.long(9n))));
    await peer.closed;
    assert.deepEqual(peer.received().subarray(1), reply(q.long(9n)));
  });

  it("survives clients that vanish mid-message or mid-handshake", async () => {
    echo = await startEchoServer();
    const message = syncMessage(q.list(q.symbol("echo"), q.long(1n)));
    const half = await loggedInPeer(echo.port);
    half.socket.write(message.subarray(0, 12));
    await delay(20);
    half.socket.destroy();
    const finned = await loggedInPeer(echo.port);
    finned.socket.end(message.subarray(0, 5));
    const shy = await rawPeer(echo.port);
    shy.socket.end("user:pa");
    await Promise.all([finned.closed, shy.closed]);
    await noConnections(echo.server);
    const client = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await client.call("echo", q.long(2n)), q.long(2n));
    await client.close();
  });

  it("handles one message at a time: a reader that stops reading stalls its own requests", async () => {
    echo = await startEchoServer();
    const peer = await loggedInPeer(echo.port);
    peer.socket.pause();
    const request = syncMessage(q.list(q.symbol("til"), q.long(2_000_000n)));
    for (let i = 0; i < 3; i++) peer.socket.write(request);
    await delay(200);
    assert.equal(echo.contexts.length, 1, "the next request waits for the reply to be written");
    peer.socket.resume();
    const replyBytes = 8 + 6 + 16_000_000;
    await peer.bytes(1 + 3 * replyBytes, 10_000);
    assert.equal(echo.contexts.length, 3);
    peer.socket.destroy();
  });
});

describe("qipc server: deadlines and timeouts", () => {
  let echo: EchoServer;

  afterEach(async () => {
    await noConnections(echo.server);
    await echo.close();
  });

  it("answers 'stop past the request deadline, aborts the handler, and keeps the connection", async () => {
    echo = await startEchoServer({ requestTimeoutMs: 100 });
    const client = await QClient.connect({ host: HOST, port: echo.port });
    const started = Date.now();
    await assert.rejects(
      client.call("sleep", q.long(5000n)),
      (e: unknown) => e instanceof QRemoteError && e.word === "stop",
    );
    assert.ok(Date.now() - started < 2000);
    assert.equal(echo.contexts[0]?.signal.aborted, true);
    assert.deepEqual(await client.call("echo", q.long(1n)), q.long(1n));
    await client.close();
  });

  it("drops a connection that never completes its handshake", async () => {
    echo = await startEchoServer({ handshakeTimeoutMs: 100 });
    const silent = await rawPeer(echo.port);
    const chatty = await rawPeer(echo.port);
    chatty.socket.write(Buffer.alloc(2000, 0x41));
    await Promise.all([silent.closed, chatty.closed]);
    assert.equal(silent.received().length + chatty.received().length, 0);
  });

  it("drops an idle connection, but not one whose request is running", async () => {
    echo = await startEchoServer({ idleTimeoutMs: 150 });
    const client = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await client.call("sleep", q.long(400n)), { type: 101, raw: Uint8Array.of(0) });
    const closed = new Promise((resolve) => client.once("close", resolve));
    await closed;
    assert.equal(client.closed, true);
  });
});
