import assert from "node:assert/strict";
import {
  decodeMessage,
  decodeValue,
  encodeMessage,
  encodeValue,
  HEADER_SIZE,
  INF,
  MsgType,
  messageLength,
  NULL,
  QDecodeError,
  type QValue,
  q,
} from "../../../qipc/src/index.js";
import { hex } from "./support.js";

function roundTrip(value: QValue): QValue {
  return decodeMessage(encodeMessage(value, MsgType.sync)).value;
}

function assertRoundTrip(value: QValue): void {
  assert.deepEqual(roundTrip(value), value);
}

/** A body after the 8-byte header, so vectors below read like the reference's dumps. */
function body(value: QValue): string {
  return encodeValue(value).toString("hex");
}

describe("qipc codec", () => {
  describe("atoms: bytes, nulls and infinities", () => {
    const cases: [string, QValue, string][] = [
      ["boolean", q.boolean(true), "ff01"],
      ["guid", q.guid("0a369037-75d3-b24d-6721-5a1d44d4bed5"), "fe0a36903775d3b24d67215a1d44d4bed5"],
      ["null guid", q.guid(NULL.guid), `fe${"00".repeat(16)}`],
      ["byte", q.byte(0xab), "fcab"],
      ["short", q.short(-2), "fbfeff"],
      ["short null", q.short(NULL.short), "fb0080"],
      ["short -inf", q.short(-INF.short), "fb0180"],
      ["int", q.int(1), "fa01000000"],
      ["int null", q.int(NULL.int), "fa00000080"],
      ["int inf", q.int(INF.int), "faffffff7f"],
      ["long 2^63-1", q.long(2n ** 63n - 1n), "f9ffffffffffffff7f"],
      ["long 2^53+1", q.long(2n ** 53n + 1n), "f90100000000002000"],
      ["long null", q.long(NULL.long), "f90000000000000080"],
      ["long -inf", q.long(-INF.long), "f90100000000000080"],
      ["real", q.real(1.5), "f80000c03f"],
      ["real inf", q.real(INF.real), "f80000807f"],
      ["float", q.float(1), "f7000000000000f03f"],
      ["float -inf", q.float(-INF.float), "f7000000000000f0ff"],
      ["char", q.char("a"), "f661"],
      ["char 0xe9", q.char("\u00e9"), "f6e9"],
      ["symbol", q.symbol("abc"), "f561626300"],
      ["empty symbol (null)", q.symbol(NULL.symbol), "f500"],
      ["utf-8 symbol", q.symbol("é"), "f5c3a900"],
      ["timestamp", q.timestamp(1n), "f40100000000000000"],
      ["timestamp from text", q.timestamp("2000-01-01T00:00:00.000000001Z"), "f40100000000000000"],
      ["month", q.month(-1), "f3ffffffff"],
      ["date", q.date(366), "f26e010000"],
      ["datetime", q.datetime(0.5), "f1000000000000e03f"],
      ["timespan", q.timespan(-1n), "f0ffffffffffffffff"],
      ["minute", q.minute(90), "ef5a000000"],
      ["second", q.second(59), "ee3b000000"],
      ["time", q.time(1000), "ede8030000"],
      ["error", q.error("type"), "807479706500"],
      ["generic null", q.nil, "6500"],
    ];
    for (const [name, value, bytes] of cases) {
      it(`${name} encodes to ${bytes} and back`, () => {
        assert.equal(body(value), bytes);
        assertRoundTrip(value);
      });
    }

    it("keeps float NaN (the null) and negative zero", () => {
      assert.ok(Number.isNaN((roundTrip(q.float(NULL.float)) as { value: number }).value));
      assert.ok(Object.is((roundTrip(q.float(-0)) as { value: number }).value, -0));
    });

    it("decodes longs beyond 2^53 exactly", () => {
      for (const v of [2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, -(2n ** 63n)]) {
        assert.equal((roundTrip(q.long(v)) as { value: bigint }).value, v);
      }
    });
  });

  describe("vectors", () => {
    const vectors: [string, QValue][] = [
      ["booleans", q.booleans([true, false, true])],
      ["guids", q.guids(["0a369037-75d3-b24d-6721-5a1d44d4bed5", NULL.guid])],
      ["bytes", q.bytes([0, 255])],
      ["shorts", q.shorts([NULL.short, INF.short, -INF.short, 0])],
      ["ints", q.ints([NULL.int, INF.int, -INF.int, 7])],
      ["longs", q.longs([NULL.long, INF.long, -INF.long, 2n ** 53n + 1n])],
      ["reals", q.reals([Number.NaN, INF.real, -INF.real, 0.25])],
      ["floats", q.floats([Number.NaN, INF.float, -INF.float, -0, 0.1])],
      ["char vector", q.string("héllo")],
      ["symbols", q.symbols(["a", "", "ü", "longer symbol with spaces"])],
      ["timestamps", q.timestamps([NULL.long, INF.long, 757_479_845_123_456_789n, "1970-01-01T00:00:00Z"])],
      ["months", q.months([NULL.int, -1, 0, 12])],
      ["dates", q.dates([NULL.int, -INF.int, -1, 0])],
      ["datetimes", q.datetimes([Number.NaN, -0.5, 0.5])],
      ["timespans", q.timespans([NULL.long, 1n, -1n])],
      ["minutes", q.minutes([NULL.int, 0, 1439])],
      ["seconds", q.seconds([NULL.int, 86_399])],
      ["times", q.times([NULL.int, 86_399_999])],
      ["empty floats", q.floats([])],
      ["empty symbols", q.symbols([])],
      ["sorted attribute", { type: 6, attr: 1, value: Int32Array.of(1, 2, 3) }],
      ["grouped attribute", { type: 11, attr: 4, value: ["a", "a"] }],
    ];
    for (const [name, value] of vectors) it(`${name} round-trip`, () => assertRoundTrip(value));

    it("writes the vector layout: type, attribute, count, items", () => {
      assert.equal(body(q.ints([1, 2])), "0600020000000100000002000000");
      assert.equal(body(q.symbols(["a", "bc"])), "0b00020000006100626300");
    });

    it("decodes aligned little-endian vectors as views of the message and others as copies", () => {
      const encoded = encodeMessage(q.list(q.shorts([7, 8, 9]), q.longs([1n, 2n])), MsgType.sync);
      const items = (msg: Buffer) =>
        (decodeMessage(msg).value as { value: { value: ArrayBufferView }[] }).value;
      // The long items sit at offset 32: 8-aligned in a buffer that starts on its own memory.
      const aligned = Buffer.alloc(encoded.length);
      encoded.copy(aligned);
      const [shorts, longs] = items(aligned);
      assert.equal(shorts!.value.buffer, aligned.buffer);
      assert.equal(longs!.value.buffer, aligned.buffer);
      assert.equal(longs!.value.byteOffset, 32);
      const shifted = Buffer.alloc(encoded.length + 1).subarray(1);
      encoded.copy(shifted);
      const copied = items(shifted)[1]!.value;
      assert.notEqual(copied.buffer, shifted.buffer);
      assert.deepEqual(copied, BigInt64Array.of(1n, 2n));
    });

    it("decodes long symbol vectors through the interning cache exactly", () => {
      // Long symbols that share their last 8 bytes force the byte-by-byte comparison path.
      const distinct = Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? `p${i}-same-tail` : `s${i % 97}`,
      );
      const syms = Array.from({ length: 5000 }, (_, i) => distinct[(i * 7) % distinct.length]!);
      syms[17] = "";
      syms[18] = "日本語のシンボル";
      assertRoundTrip(q.symbols(syms));
    });

    it("encodes non-ASCII strings after an ASCII prefix with their UTF-8 length", () => {
      const value = q.table({ s: q.symbols(["plain", "naïve", "Ω"]) });
      assertRoundTrip(value);
      assertRoundTrip(q.error("ошибка"));
    });
  });

  describe("lists, dictionaries and tables", () => {
    it("general lists, nested", () => {
      assertRoundTrip(q.list(q.long(1n), q.symbol("a"), q.list(q.string("x"), q.floats([1.5])), q.list()));
    });

    it("dictionaries and sorted dictionaries", () => {
      assertRoundTrip(q.dictOf({ a: q.long(1n), b: q.symbols(["x"]) }));
      assertRoundTrip({ type: 127, keys: { type: 11, attr: 1, value: ["a", "b"] }, values: q.ints([1, 2]) });
      assertRoundTrip(q.dict(q.ints([1, 2]), q.list(q.nil, q.error("e"))));
    });

    it("tables, with columns of every kind, and keyed tables", () => {
      const table = q.table({
        time: q.timestamps([1n, 2n]),
        sym: q.symbols(["a", "b"]),
        price: q.floats([1.5, Number.NaN]),
        size: q.longs([NULL.long, 3n]),
        text: q.list(q.string("ab"), q.string("")),
        id: q.guids([NULL.guid, "0a369037-75d3-b24d-6721-5a1d44d4bed5"]),
      });
      assertRoundTrip(table);
      assertRoundTrip({ ...table, attr: 1 });
      assertRoundTrip(q.keyedTable(q.table({ k: q.symbols(["a"]) }), q.table({ v: q.floats([1]) })));
      assertRoundTrip({ type: 127, keys: q.table({ k: q.ints([1]) }), values: q.table({ v: q.ints([2]) }) });
      assertRoundTrip(q.table({}));
    });
  });

  describe("functions stay opaque and round-trip", () => {
    const fns: [string, string][] = [
      ["lambda", "64 00 0a00 05000000 7b782b797d"],
      ["unary primitive", "65 02"],
      ["operator", "66 01"],
      ["iterator", "67 00"],
      ["projection", "68 02000000 64 00 0a00 05000000 7b782b797d f9 0100000000000000"],
      ["composition", "69 02000000 65 01 66 02"],
      ["each", "6a 66 01"],
      ["over of a projection", "6b 68 01000000 66 01"],
      ["each-left", "6f 65 03"],
    ];
    for (const [name, bytes] of fns) {
      it(name, () => {
        const value = decodeValue(hex(bytes));
        assert.equal(value.type, hex(bytes)[0]);
        assert.equal(encodeValue(value).toString("hex"), hex(bytes).toString("hex"));
      });
    }

    it("refuses dynamic-load functions (112) with nyi", () => {
      assert.throws(
        () => decodeValue(hex("70 00")),
        (e) => e instanceof QDecodeError && /nyi/.test(e.message),
      );
    });
  });

  describe("headers and big-endian input", () => {
    it("writes the header: little-endian, message type, uncompressed, total length", () => {
      const msg = encodeMessage(q.int(1), MsgType.response);
      assert.equal(msg.subarray(0, HEADER_SIZE).toString("hex"), "010200000d000000");
      assert.equal(messageLength(msg), 13);
    });

    it("reads lengths in the header's own byte order", () => {
      assert.equal(messageLength(hex("00010000 0000000d")), 13);
      assert.throws(() => messageLength(hex("01000000")), QDecodeError);
      assert.throws(() => messageLength(hex("02000000 0d000000")), /endianness/);
      assert.throws(() => messageLength(hex("01000000 05000000")), /length/);
    });

    const bigEndian: [string, string, QValue][] = [
      ["int atom", "00010000 0000000d fa 00000001", q.int(1)],
      ["long atom", "00010000 00000011 f9 0020000000000001", q.long(2n ** 53n + 1n)],
      ["short vector", "00010000 00000012 05 00 00000002 0001 8000", q.shorts([1, NULL.short])],
      ["float vector", "00010000 00000016 09 00 00000001 3ff8000000000000", q.floats([1.5])],
      ["timestamp vector", "00010000 00000016 0c 00 00000001 0000000000000001", q.timestamps([1n])],
      ["real atom", "00010000 0000000d f8 3fc00000", q.real(1.5)],
      [
        "guid (byte order is textual)",
        `00010000 00000019 fe 0a36903775d3b24d67215a1d44d4bed5`,
        q.guid("0a369037-75d3-b24d-6721-5a1d44d4bed5"),
      ],
      [
        "dictionary",
        "00010000 00000021 63 0b00 00000002 6100 6200 0600 00000002 00000002 00000003",
        q.dict(q.symbols(["a", "b"]), q.ints([2, 3])),
      ],
      [
        "table",
        "00010000 00000027 62 00 63 0b00 00000001 6100 0000 00000001 0700 00000001 0000000000000005",
        q.table({ a: q.longs([5n]) }),
      ],
      [
        "lambda, re-encoded little-endian",
        "00010000 00000015 64 00 0a00 00000005 7b782b797d",
        { type: 100, raw: new Uint8Array(hex("00 0a00 05000000 7b782b797d")) },
      ],
      [
        "projection, re-encoded little-endian",
        "00010000 00000014 68 00000002 66 01 fa 00000007",
        { type: 104, raw: new Uint8Array(hex("02000000 66 01 fa 07000000")) },
      ],
    ];
    for (const [name, bytes, value] of bigEndian) {
      it(`decodes a big-endian ${name}`, () => {
        assert.deepEqual(decodeMessage(hex(bytes)), { msgType: MsgType.sync, value });
      });
    }
  });

  describe("malformed input", () => {
    const good = encodeMessage(
      q.list(q.table({ s: q.symbols(["a", "b"]), f: q.floats([1, 2]) }), q.string("xyz"), q.guid(NULL.guid)),
      MsgType.sync,
    );

    it("every truncation of a valid message fails with QDecodeError", () => {
      for (let n = 0; n < good.length; n++) {
        const cut = Buffer.from(good.subarray(0, n));
        if (n >= 8) cut.writeInt32LE(n, 4);
        assert.throws(() => decodeMessage(cut), QDecodeError, `cut at ${n}`);
      }
    });

    const bad: [string, string, RegExp][] = [
      ["a length field that disagrees", "01000000 0e000000 fa 01000000", /header says 14/],
      ["an unknown message type", "01030000 0d000000 fa 01000000", /message type/],
      ["an enumeration", "01000000 0e000000 14 00 01000000", /enumeration/],
      ["an unknown type", "01000000 0a000000 4d 00", /unknown q type/],
      ["an unknown atom type", "01000000 0a000000 fd 00", /atom type/],
      ["trailing bytes", "01000000 0e000000 fa 01000000 00", /unexpected bytes/],
      ["a negative count", "01000000 0e000000 06 00 ffffffff", /negative count/],
      ["a count larger than the message", "01000000 0e000000 09 00 ffffff7f", /truncated/],
      ["a list count larger than the message", "01000000 0e000000 00 00 ffffff7f", /truncated/],
      ["an invalid attribute", "01000000 0e000000 06 09 00000000", /attribute/],
      ["a table without a dictionary", "01000000 0b000000 62 00 00", /dictionary/],
      [
        "a table of mismatched names and columns",
        "01000000 19000000 62 00 63 0b00 01000000 6100 0000 00000000",
        /table/,
      ],
      ["an unterminated symbol", "01000000 0b000000 f5 6162", /truncated/],
      ["an invalid compression flag", "01000200 0d000000 fa 01000000", /compression flag/],
    ];
    for (const [name, bytes, message] of bad) {
      it(`rejects ${name}`, () => {
        assert.throws(
          () => decodeMessage(hex(bytes)),
          (e) => e instanceof QDecodeError && message.test(e.message),
        );
      });
    }

    it("rejects nesting deeper than any real value, without exhausting the stack", () => {
      const depth = 100_000;
      const nested = Buffer.concat([Buffer.alloc(depth * 6, hex("000001000000")), hex("fa01000000")]);
      assert.throws(
        () => decodeValue(nested),
        (e) => e instanceof QDecodeError && /nested/.test(e.message),
      );
    });
  });

  describe("encoder validation", () => {
    const invalid: [string, unknown][] = [
      ["a symbol with NUL", q.symbol("a\0b")],
      ["a symbol vector item with NUL", q.symbols(["ok", "é\0"])],
      ["an int out of range", { type: -6, value: 2 ** 31 }],
      ["a fractional int", { type: -6, value: 1.5 }],
      ["a long that is a number", { type: -7, value: 1 }],
      ["a long beyond 64 bits", { type: -7, value: 2n ** 63n }],
      ["a vector with the wrong typed array", { type: 7, attr: 0, value: new Int32Array(1) }],
      ["a malformed guid", q.guid("not-a-guid")],
      ["a two-character char atom", { type: -10, value: "ab" }],
      [
        "a table with fewer columns than names",
        { type: 98, attr: 0, columns: ["a", "b"], data: [q.ints([1])] },
      ],
      ["an unknown type", { type: 42, value: 1 }],
      ["a function without raw bytes", { type: 104 }],
    ];
    for (const [name, value] of invalid) {
      it(`refuses ${name}`, () =>
        assert.throws(() => encodeMessage(value as QValue, MsgType.sync), TypeError));
    }
  });
});
