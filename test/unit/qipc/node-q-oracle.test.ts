import assert from "node:assert/strict";
import {
  decodeMessage,
  encodeMessage,
  INF,
  MsgType,
  NULL,
  type QValue,
  q,
  timestampFromString,
} from "../../../qipc/src/index.js";
import { Long, nodeq, nodeqTyped as nq } from "./support.js";

/** What node-q's deserializer makes of our encoding, with its default options unless given. */
function nodeqReads(value: QValue, ...options: (boolean | undefined)[]): unknown {
  return nodeq.deserialize(encodeMessage(value, MsgType.response), ...options);
}

function weRead(nodeqInput: unknown): QValue {
  return decodeMessage(nodeq.serialize(nodeqInput)).value;
}

const utc = (iso: string) => new Date(iso);

describe("qipc against node-q 2.7 (an independent codec)", () => {
  describe("node-q decodes what we encode", () => {
    const cases: [string, QValue, unknown][] = [
      ["boolean", q.boolean(true), true],
      ["guid", q.guid("0a369037-75d3-b24d-6721-5a1d44d4bed5"), "0a369037-75d3-b24d-6721-5a1d44d4bed5"],
      ["null guid", q.guid(NULL.guid), null],
      ["byte", q.byte(200), 200],
      ["short", q.short(-5), -5],
      ["int", q.int(123456), 123456],
      ["int null", q.int(NULL.int), null],
      ["int infinity", q.int(INF.int), Number.POSITIVE_INFINITY],
      ["long", q.long(1234567890123n), 1234567890123],
      ["long null", q.long(NULL.long), null],
      ["real", q.real(1.5), 1.5],
      ["float", q.float(-2.25), -2.25],
      ["float null", q.float(NULL.float), null],
      ["char", q.char("x"), "x"],
      ["symbol", q.symbol("abc"), "abc"],
      ["char vector (UTF-8)", q.string("héllo"), "héllo"],
      ["date", q.date(-1), utc("1999-12-31")],
      ["datetime", q.datetime(1.5), utc("2000-01-02T12:00:00Z")],
      ["timestamp", q.timestamp("2024-01-02T03:04:05.123Z"), utc("2024-01-02T03:04:05.123Z")],
      ["month after 2000", q.month(13), utc("2001-02-01")],
      ["generic null", q.nil, null],
      ["ints with nulls", q.ints([1, NULL.int, -INF.int]), [1, null, Number.NEGATIVE_INFINITY]],
      ["floats", q.floats([0.5, Number.NaN]), [0.5, null]],
      ["symbols", q.symbols(["a", "bb", "ü"]), ["a", "bb", "ü"]],
      ["general list", q.list(q.long(1n), q.symbol("s"), q.string("t")), [1, "s", "t"]],
      ["dictionary", q.dictOf({ a: q.long(1n), b: q.floats([2]) }), { a: 1, b: [2] }],
      [
        "table, as rows",
        q.table({ a: q.longs([1n, 2n]), s: q.symbols(["x", "y"]) }),
        [
          { a: 1, s: "x" },
          { a: 2, s: "y" },
        ],
      ],
      [
        "lambda, as its source",
        { type: 100, raw: new Uint8Array(Buffer.from("000a000500000078202b2079", "hex")) },
        "x + y",
      ],
    ];
    for (const [name, value, expected] of cases) {
      it(name, () => assert.deepEqual(nodeqReads(value), expected));
    }

    it("a table with flipTables:false, as columns", () => {
      const table = q.table({ a: q.longs([1n, 2n]), f: q.floats([0.5, 1]) });
      assert.deepEqual(nodeqReads(table, true, false), { a: [1, 2], f: [0.5, 1] });
    });

    it("a timestamp with nanos2date:false, as (lossy) ns since 1970", () => {
      const ns = timestampFromString("2024-01-01T00:00:00Z");
      assert.equal(nodeqReads(q.timestamp(ns), false), 1_704_067_200_000_000_000);
    });

    it("longs beyond 2^53 exactly with long2number:false", () => {
      const read = nodeqReads(q.long(2n ** 53n + 1n), true, true, true, false) as { toString(): string };
      assert.equal(read.toString(), "9007199254740993");
    });

    it("errors, as a thrown Error with the word", () => {
      assert.throws(() => nodeqReads(q.error("guru.series.unknown")), /guru\.series\.unknown/);
    });

    it("a large compressed table", () => {
      const rows = 5000;
      const table = q.table({
        sym: q.symbols(Array.from({ length: rows }, (_, i) => `s${i % 10}`)),
        size: q.longs(Array.from({ length: rows }, (_, i) => BigInt(i % 100))),
      });
      const msg = encodeMessage(table, MsgType.response, { compress: true });
      assert.equal(msg[2], 1);
      const read = nodeq.deserialize(msg, true, false) as { sym: string[]; size: number[] };
      assert.equal(read.sym[4321], "s1");
      assert.equal(read.size[4321], 21);
      assert.equal(read.size.length, rows);
    });

    // Pinned quirks (kdb-ipc.md §2.4, §2.6): if node-q changes, these tell us.
    it("quirk: months before 2000 come out a year early", () => {
      assert.deepEqual(nodeqReads(q.month(-1)), utc("1998-12-01"));
    });

    it("quirk: sorted dictionaries decode as the string func", () => {
      assert.equal(nodeqReads({ type: 127, keys: q.symbols(["a"]), values: q.ints([1]) }), "func");
    });

    it("quirk: keyed tables decode as a two-element array", () => {
      const keyed = q.keyedTable(q.table({ k: q.symbols(["a"]) }), q.table({ v: q.longs([1n]) }));
      assert.deepEqual(nodeqReads(keyed), [[{ k: "a" }], [{ v: 1 }]]);
    });

    it("quirk: an empty symbol and a space char decode as null", () => {
      assert.equal(nodeqReads(q.symbol("")), null);
      assert.equal(nodeqReads(q.char(" ")), null);
    });
  });

  describe("we decode what node-q encodes, with the right q types", () => {
    const cases: [string, unknown, QValue][] = [
      ["a JS number, as a float", 1, q.float(1)],
      ["true", true, q.boolean(true)],
      ["a string, as a char vector", "abc", q.string("abc")],
      ["a backtick string, as a symbol", "`abc", q.symbol("abc")],
      ["null, as ::", null, q.nil],
      ["a number array, as a float vector", [1, 2], q.floats([1, 2])],
      ["an empty array, as an empty general list", [], q.list()],
      ["a mixed array, as a general list", [1, "a"], q.list(q.float(1), q.string("a"))],
      [
        "an object, as a symbol-keyed dictionary",
        { a: 1, b: 2 },
        q.dict(q.symbols(["a", "b"]), q.floats([1, 2])),
      ],
      ["a Date, as a datetime", utc("2000-01-02T12:00:00Z"), q.datetime(1.5)],
      ["nodeq.int", nq.int!(7), q.int(7)],
      ["nodeq.short", nq.short!(-3), q.short(-3)],
      ["nodeq.real", nq.real!(0.5), q.real(0.5)],
      ["nodeq.long", nq.long!(Long.fromString("9007199254740993")), q.long(9007199254740993n)],
      ["nodeq.symbols", nq.symbols!(["a", "b"]), q.symbols(["a", "b"])],
      ["nodeq.ints", nq.ints!([1, 2]), q.ints([1, 2])],
      [
        "nodeq.guid",
        nq.guid!("0a369037-75d3-b24d-6721-5a1d44d4bed5"),
        q.guid("0a369037-75d3-b24d-6721-5a1d44d4bed5"),
      ],
      ["nodeq.date", nq.date!(utc("2000-01-03")), q.date(2)],
      ["nodeq.month", nq.month!(utc("2001-02-01")), q.month(13)],
      [
        "nodeq.timestamp (exact at ms)",
        nq.timestamp!(utc("2000-01-01T00:00:01Z")),
        q.timestamp(1_000_000_000n),
      ],
      ["nodeq.timespan", nq.timespan!(utc("2000-01-01T00:00:01Z")), q.timespan(1_000_000_000n)],
      ["nodeq.minute", nq.minute!(utc("2000-01-01T01:30:00Z")), q.minute(90)],
      ["nodeq.second", nq.second!(utc("2000-01-01T00:01:01Z")), q.second(61)],
      ["nodeq.time", nq.time!(utc("2000-01-01T00:00:01.5Z")), q.time(1500)],
      ["nodeq.char", nq.char!("z"), q.char("z")],
      ["nodeq.byte", nq.byte!(9), q.byte(9)],
      [
        "a request shape: function name as a string, then typed arguments",
        [".guru.query", nq.symbol!("cpu"), nq.long!(Long.fromString("5"))],
        q.list(q.string(".guru.query"), q.symbol("cpu"), q.long(5n)),
      ],
    ];
    for (const [name, input, expected] of cases) {
      it(name, () => assert.deepEqual(weRead(input), expected));
    }

    it("quirk: nodeq.timestamp rounds through a double (tens of ns off)", () => {
      const value = weRead(nq.timestamp!(utc("2023-08-17T04:08:00.595Z"))) as { value: bigint };
      assert.equal(value.value, 745_560_480_595_000_064n);
      assert.notEqual(value.value, timestampFromString("2023-08-17T04:08:00.595Z"));
    });
  });
});
