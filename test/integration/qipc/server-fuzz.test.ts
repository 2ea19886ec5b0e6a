/**
 * Property-based: whatever bytes a peer sends (random streams, truncated or corrupted valid
 * messages, with or without a handshake), the server neither crashes nor leaks a connection,
 * and keeps serving well-behaved clients.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { QClient } from "../../../qipc/src/client.js";
import { encodeMessage } from "../../../qipc/src/encode.js";
import { MsgType, type QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import { type EchoServer, HOST, noConnections, rawPeer, startEchoServer } from "./helpers.js";

const HANDSHAKE = Buffer.from("fuzz:pw\x03\x00");

/** Small requests of a few shapes, enough to make headers, vectors and lists. */
const request: fc.Arbitrary<QValue> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => q.list(q.symbol("echo"), q.long(n))),
  fc
    .array(
      fc.string({ maxLength: 8 }).filter((s) => !s.includes("\0")),
      { maxLength: 20 },
    )
    .map((s) => q.symbols(s)),
  fc.array(fc.double(), { maxLength: 300 }).map((xs) => q.list(q.symbol("echo"), q.floats(xs))),
);

const message: fc.Arbitrary<Buffer> = fc
  .tuple(request, fc.constantFrom(MsgType.sync, MsgType.async), fc.boolean())
  .map(([value, type, compress]) => encodeMessage(value, type, { compress }));

/** How the peer leaves: a polite FIN, or an abrupt reset. */
const leave = fc.constantFrom("end", "destroy");

async function sendAndLeave(echo: EchoServer, bytes: Buffer, how: string): Promise<void> {
  const peer = await rawPeer(echo.port);
  if (how === "end") {
    peer.socket.end(bytes);
    await peer.closed;
  } else {
    await new Promise<void>((resolve) => peer.socket.write(bytes, () => resolve()));
    peer.socket.destroy();
  }
  await noConnections(echo.server);
}

describe("qipc server under random input (fast-check)", function () {
  this.timeout(30_000);
  let echo: EchoServer;

  before(async () => {
    echo = await startEchoServer({ maxMessageBytes: 64 * 1024, handshakeTimeoutMs: 2000 });
  });

  afterEach(async () => {
    // After every property the server still answers a real client.
    const client = await QClient.connect({ host: HOST, port: echo.port });
    assert.deepEqual(await client.call("echo", q.long(1n)), q.long(1n));
    await client.close();
    await noConnections(echo.server);
  });

  after(() => echo.close());

  it("survives random bytes in place of the handshake", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), leave, (bytes, how) =>
        sendAndLeave(echo, Buffer.from(bytes), how),
      ),
      { numRuns: 60 },
    );
  });

  it("survives random bytes after a valid handshake", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), leave, (bytes, how) =>
        sendAndLeave(echo, Buffer.concat([HANDSHAKE, bytes]), how),
      ),
      { numRuns: 80 },
    );
  });

  it("survives valid messages cut short, or followed by garbage", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.uint8Array({ maxLength: 64 }),
        leave,
        (messages, cut, garbage, how) => {
          const stream = Buffer.concat(messages);
          const kept = stream.subarray(0, Math.floor(stream.length * cut));
          return sendAndLeave(echo, Buffer.concat([HANDSHAKE, kept, garbage]), how);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("survives single corrupted bytes in a valid message", async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.nat(), fc.integer({ min: 1, max: 255 }), leave, (bytes, at, flip, how) => {
        const corrupted = Buffer.from(bytes);
        const i = at % corrupted.length;
        corrupted[i] = (corrupted[i] ?? 0) ^ flip;
        return sendAndLeave(echo, Buffer.concat([HANDSHAKE, corrupted]), how);
      }),
      { numRuns: 80 },
    );
  });
});
