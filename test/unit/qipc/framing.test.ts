import assert from "node:assert/strict";
import { FrameError, FrameReader, parseFrameHeader } from "../../../qipc/src/framing.js";

/** A message of `length` bytes: header, then a body of `fill` bytes. */
function frame(
  length: number,
  opts: { littleEndian?: boolean; msgType?: number; fill?: number } = {},
): Buffer {
  const bytes = Buffer.alloc(length, opts.fill ?? 0xab);
  bytes[0] = opts.littleEndian === false ? 0 : 1;
  bytes[1] = opts.msgType ?? 1;
  bytes[2] = 0;
  bytes[3] = 0;
  if (opts.littleEndian === false) bytes.writeInt32BE(length, 4);
  else bytes.writeInt32LE(length, 4);
  return bytes;
}

function split(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  out.push(bytes.subarray(at));
  return out;
}

describe("qipc framing", () => {
  it("cuts whole messages out of one chunk and returns views, not copies", () => {
    const reader = new FrameReader(1 << 20);
    const data = Buffer.concat([frame(10), frame(20, { msgType: 0 })]);
    reader.push(data);
    const a = reader.next();
    const b = reader.next();
    assert.equal(a?.bytes.length, 10);
    assert.equal(b?.bytes.length, 20);
    assert.equal(b?.header.msgType, 0);
    assert.equal(a?.bytes.buffer, data.buffer);
    assert.equal(reader.next(), null);
    assert.equal(reader.bufferedBytes, 0);
  });

  it("joins a message spread over many chunks, including a header split in two", () => {
    const reader = new FrameReader(1 << 20);
    const message = frame(1000, { fill: 7 });
    for (const chunk of split(message, [3, 2, 10, 500])) {
      assert.equal(reader.next(), null);
      reader.push(chunk);
    }
    const got = reader.next();
    assert.deepEqual(got?.bytes, message);
  });

  it("keeps the bytes after a message for the next one", () => {
    const reader = new FrameReader(1 << 20);
    const both = Buffer.concat([frame(12, { fill: 1 }), frame(15, { fill: 2 })]);
    for (const chunk of split(both, [5, 9])) reader.push(chunk);
    assert.deepEqual(reader.next()?.bytes, frame(12, { fill: 1 }));
    assert.deepEqual(reader.next()?.bytes, frame(15, { fill: 2 }));
    assert.equal(reader.bufferedBytes, 0);
  });

  it("reads the length big-endian when the endianness byte is 0", () => {
    const reader = new FrameReader(1 << 20);
    reader.push(frame(300, { littleEndian: false }));
    const got = reader.next();
    assert.equal(got?.header.littleEndian, false);
    assert.equal(got?.header.length, 300);
  });

  it("refuses a message over the limit as soon as its header arrives", () => {
    const reader = new FrameReader(100);
    reader.push(frame(101).subarray(0, 8));
    assert.throws(
      () => reader.next(),
      (e: unknown) => e instanceof FrameError && e.reason === "limit" && e.msgType === 1,
    );
  });

  it("refuses a compressed message whose expansion is over the limit", () => {
    const reader = new FrameReader(100);
    const bytes = frame(40);
    bytes[2] = 1;
    bytes.writeInt32LE(1_000_000, 8);
    reader.push(bytes.subarray(0, 12));
    assert.throws(
      () => reader.next(),
      (e: unknown) => e instanceof FrameError && e.reason === "limit",
    );
  });

  it("calls a header with a bad endianness, type or length a bad message", () => {
    const bad = [
      Buffer.from("0201000009000000", "hex"),
      Buffer.from("0105000009000000", "hex"),
      Buffer.from("0101020009000000", "hex"),
      Buffer.from("0101000008000000", "hex"),
      Buffer.from("01010000ffffffff", "hex"),
    ];
    for (const header of bad) {
      assert.throws(
        () => parseFrameHeader(header, 1 << 20),
        (e: unknown) => e instanceof FrameError && e.reason === "badmsg",
      );
    }
  });

  it("takes the handshake up to its NUL, even across chunks, and leaves the rest", () => {
    const reader = new FrameReader(1 << 20);
    const hello = Buffer.concat([Buffer.from("user:pw\x03\x00"), frame(10)]);
    for (const chunk of split(hello, [2, 4])) reader.push(chunk);
    assert.deepEqual(reader.takeUntilNul(64), Buffer.from("user:pw\x03"));
    assert.equal(reader.next()?.bytes.length, 10);
  });

  it("waits for the NUL, then gives up after the handshake limit", () => {
    const reader = new FrameReader(1 << 20);
    reader.push(Buffer.from("abc"));
    assert.equal(reader.takeUntilNul(8), null);
    reader.push(Buffer.from("defgh"));
    assert.throws(() => reader.takeUntilNul(8), FrameError);
  });

  it("reads back any split of a stream of messages", () => {
    const messages = [9, 17, 64, 200, 9, 1000].map((n, i) => frame(n, { fill: i, msgType: i % 3 }));
    const stream = Buffer.concat(messages);
    for (let step = 1; step <= 97; step += 8) {
      const reader = new FrameReader(1 << 20);
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += step) {
        reader.push(stream.subarray(at, at + step));
        for (let f = reader.next(); f !== null; f = reader.next()) got.push(f.bytes);
      }
      assert.deepEqual(got, messages);
    }
  });
});
