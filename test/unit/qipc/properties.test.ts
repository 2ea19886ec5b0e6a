import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compress,
  decodeMessage,
  decompress,
  encodeMessage,
  HEADER_SIZE,
  MsgType,
  QDecodeError,
  type QValue,
  q,
} from "../../../qipc/src/index.js";
import { message, qvalue } from "./support.js";

/** Decoding hostile bytes may fail, but only with QDecodeError. */
function decodesOrRefuses(msg: Buffer): void {
  try {
    decodeMessage(msg);
  } catch (e) {
    if (!(e instanceof QDecodeError)) throw e;
  }
}

/** A message whose header is valid, so the body's own checks are what gets exercised. */
function framed(body: Uint8Array, compressed = 0): Buffer {
  return message(Buffer.from(body), MsgType.sync, compressed);
}

describe("qipc properties (fast-check)", () => {
  it("any value round-trips exactly through encode and decode", () => {
    fc.assert(
      fc.property(qvalue, fc.constantFrom(0, 1, 2) as fc.Arbitrary<MsgType>, (value, msgType) => {
        assert.deepEqual(decodeMessage(encodeMessage(value, msgType)), { msgType, value });
      }),
      { numRuns: 400 },
    );
  });

  it("any value round-trips through compression, whether or not it was worth compressing", () => {
    // Repeating a value makes messages large and compressible; a single draw is usually neither.
    const repeated = fc
      .tuple(qvalue, fc.integer({ min: 1, max: 200 }))
      .map(([v, n]) => q.list(...Array(n).fill(v)));
    fc.assert(
      fc.property(repeated, (value: QValue) => {
        const plain = encodeMessage(value, MsgType.response);
        const packed = encodeMessage(value, MsgType.response, { compress: true });
        if (packed[2] === 1) {
          assert.ok(plain.length > 2000 && packed.length < plain.length / 2);
          assert.deepEqual(decompress(packed), plain);
        } else {
          assert.equal(compress(plain), null);
          assert.deepEqual(packed, plain);
        }
        assert.deepEqual(decodeMessage(packed).value, value);
      }),
      { numRuns: 100 },
    );
  });

  it("random bodies never throw anything but QDecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (body) => decodesOrRefuses(framed(body))),
      { numRuns: 3000 },
    );
  });

  it("mutated valid messages never throw anything but QDecodeError", () => {
    const mutated = fc
      .tuple(qvalue, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
      .map(([value, flips]) => {
        const msg = encodeMessage(value, MsgType.sync);
        for (const [at, byte] of flips)
          msg[HEADER_SIZE + (at % Math.max(1, msg.length - HEADER_SIZE))] = byte;
        return msg;
      });
    fc.assert(fc.property(mutated, decodesOrRefuses), { numRuns: 1000 });
  });

  it("truncated messages always fail with QDecodeError", () => {
    fc.assert(
      fc.property(qvalue, fc.nat(), (value, cut) => {
        const msg = encodeMessage(value, MsgType.sync);
        const short = Buffer.from(msg.subarray(0, HEADER_SIZE + (cut % (msg.length - HEADER_SIZE))));
        short.writeInt32LE(short.length, 4);
        assert.throws(() => decodeMessage(short), QDecodeError);
      }),
      { numRuns: 500 },
    );
  });

  it("random compressed streams never hang, overrun or throw anything but QDecodeError", () => {
    const stream = fc.tuple(fc.integer({ min: 9, max: 5000 }), fc.uint8Array({ maxLength: 200 }));
    fc.assert(
      fc.property(stream, ([size, bytes]) => {
        const body = Buffer.alloc(4 + bytes.length);
        body.writeInt32LE(size, 0);
        body.set(bytes, 4);
        decodesOrRefuses(framed(body, 1));
      }),
      { numRuns: 3000 },
    );
  });

  it("compressed messages may not claim more than the caller's maximum or their stream allows", () => {
    const big = encodeMessage(q.symbols(Array(5000).fill("q")), MsgType.response);
    const packed = compress(big)!;
    assert.throws(() => decompress(packed, big.length - 1), /declares/);
    assert.throws(() => decodeMessage(packed, { maxSize: 1000 }), QDecodeError);
    assert.deepEqual(decompress(packed, big.length), big);
    const lying = Buffer.from(packed);
    lying.writeInt32LE(2 ** 31 - 1, 8);
    assert.throws(
      () => decompress(lying),
      (e) => e instanceof QDecodeError && /limit/.test(e.message),
    );
  });

  it("truncated compressed messages fail with QDecodeError", () => {
    const big = encodeMessage(
      q.symbols(Array.from({ length: 3000 }, (_, i) => `s${i % 50}`)),
      MsgType.response,
    );
    const packed = compress(big)!;
    for (let n = HEADER_SIZE; n < packed.length; n += 7) {
      const short = Buffer.from(packed.subarray(0, n));
      short.writeInt32LE(n, 4);
      assert.throws(() => decodeMessage(short), QDecodeError, `cut at ${n}`);
    }
  });
});
