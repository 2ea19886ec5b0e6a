import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  compress,
  decodeMessage,
  decompress,
  encodeMessage,
  MsgType,
  type QValue,
  q,
} from "../../../qipc/src/index.js";
import { hex, message } from "./support.js";

/** kdb-ipc.md §1.6: whole messages from kdb+'s `-8!`, and the q values they hold. */
const SERIALIZED: [string, QValue, string][] = [
  ["1i", q.int(1), "01000000 0d000000 fa 01000000"],
  ["enlist 1i", q.ints([1]), "01000000 12000000 06 00 01000000 01000000"],
  ["`byte$til 5", q.bytes([0, 1, 2, 3, 4]), "01000000 13000000 04 00 05000000 0001020304"],
  [
    "`a`b!2 3i",
    q.dict(q.symbols(["a", "b"]), q.ints([2, 3])),
    "01000000 21000000 63 0b00 02000000 6100 6200 0600 02000000 02000000 03000000",
  ],
  [
    "`s#`a`b!2 3i",
    { type: 127, keys: { type: 11, attr: 1, value: ["a", "b"] }, values: q.ints([2, 3]) },
    "01000000 21000000 7f 0b01 02000000 6100 6200 0600 02000000 02000000 03000000",
  ],
  [
    "([]a:enlist 2i;b:enlist 3i)",
    q.table({ a: q.ints([2]), b: q.ints([3]) }),
    "01000000 2f000000 62 00 63 0b00 02000000 6100 6200 0000 02000000 0600 01000000 02000000 0600 01000000 03000000",
  ],
  [
    "([a:enlist 2i]b:enlist 3i)",
    q.keyedTable(q.table({ a: q.ints([2]) }), q.table({ b: q.ints([3]) })),
    "01000000 3f000000 63 62 00 63 0b00 01000000 6100 0000 01000000 0600 01000000 02000000 62 00 63 0b00 01000000 6200 0000 01000000 0600 01000000 03000000",
  ],
  [
    "{x+y}",
    { type: 100, raw: new Uint8Array(hex("00 0a00 05000000 7b782b797d")) },
    "01000000 15000000 64 00 0a00 05000000 7b782b797d",
  ],
  [
    "{x+y} in .d",
    { type: 100, raw: new Uint8Array(hex("6400 0a00 05000000 7b782b797d")) },
    "01000000 16000000 64 6400 0a00 05000000 7b782b797d",
  ],
];

/** kdb-ipc.md §1.8 (qPython tests/QCompressedExpressions3.out): compressed bodies produced by kdb+. */
const COMPRESSED_1000Q = "DE070000800B00E80300007171FFAA7171FF7171FF7171FF7171FF2A7171FF7171FF7171BF";
const COMPRESSED_TABLE_Q =
  "EF070000006200630B0001000034007100000001020B00E803570000710071FF0071FF0071FF005571FF0071FF0071FF0071FF000171BE";

function compressedMessage(body: string): Buffer {
  return message(hex(body), MsgType.response, 1);
}

/** Raw bytes compare in the assertion message as hex, which is what a reader wants to see. */
function assertBytes(actual: Buffer, expected: Buffer): void {
  assert.equal(actual.toString("hex"), expected.toString("hex"));
}

describe("qipc reference vectors", () => {
  describe("-8! serializations (§1.6)", () => {
    for (const [expr, value, bytes] of SERIALIZED) {
      it(`encodes ${expr} byte for byte`, () => {
        assertBytes(encodeMessage(value, MsgType.async), hex(bytes));
      });
      it(`decodes ${expr}`, () => {
        assert.deepEqual(decodeMessage(hex(bytes)), { msgType: MsgType.async, value });
      });
    }
  });

  describe("compressed messages from kdb+ (§1.8)", () => {
    it("1000#`q decompresses to the symbol vector and recompresses byte for byte", () => {
      const compressed = compressedMessage(COMPRESSED_1000Q);
      const plain = encodeMessage(q.symbols(Array(1000).fill("q")), MsgType.response);
      assertBytes(decompress(compressed), plain);
      assertBytes(compress(plain)!, compressed);
      assert.deepEqual(decodeMessage(compressed).value, q.symbols(Array(1000).fill("q")));
    });

    it("([] q:1000#`q) decompresses and recompresses byte for byte", () => {
      const compressed = compressedMessage(COMPRESSED_TABLE_Q);
      const plain = encodeMessage(q.table({ q: q.symbols(Array(1000).fill("q")) }), MsgType.response);
      assertBytes(decompress(compressed), plain);
      assertBytes(compress(plain)!, compressed);
    });

    it("([] a:til 200;b:25+til 200;c:200#`a) matches kdb+'s compressed message byte for byte", () => {
      const table = q.table({
        a: q.longs(Array.from({ length: 200 }, (_, i) => BigInt(i))),
        b: q.longs(Array.from({ length: 200 }, (_, i) => BigInt(25 + i))),
        c: q.symbols(Array(200).fill("a")),
      });
      const plain = encodeMessage(table, MsgType.response);
      assert.equal(plain.length, 3647);
      const compressed = compressedMessage(
        readFileSync(new URL("fixtures/compressed-til-200.hex", import.meta.url), "utf8"),
      );
      assert.equal(compressed.length, 1064);
      assertBytes(compress(plain)!, compressed);
      assertBytes(decompress(compressed), plain);
      assert.deepEqual(decodeMessage(compressed).value, table);
    });
  });
});
