import assert from "node:assert/strict";
import { NULL, q } from "../../../qipc/src/index.js";

describe("qipc value constructors", () => {
  it("build atoms with their q type codes", () => {
    assert.deepEqual(q.long(1n), { type: -7, value: 1n });
    assert.deepEqual(q.timestamp(5n), { type: -12, value: 5n });
    assert.deepEqual(q.timestamp("2000-01-01T00:00:00.000000005Z"), { type: -12, value: 5n });
    assert.deepEqual(q.symbol("a"), { type: -11, value: "a" });
    assert.deepEqual(
      q.guid("0A369037-75D3-B24D-6721-5A1D44D4BED5").value,
      "0a369037-75d3-b24d-6721-5a1d44d4bed5",
    );
    assert.deepEqual(q.nil, { type: 101, raw: Uint8Array.of(0) });
    assert.deepEqual(q.error("access"), { type: -128, value: "access" });
  });

  it("check integral inputs instead of wrapping them", () => {
    assert.throws(() => q.int(2 ** 31), RangeError);
    assert.throws(() => q.short(1.5), RangeError);
    assert.throws(() => q.byte(256), RangeError);
    assert.throws(() => q.long(2n ** 63n), RangeError);
    assert.throws(() => q.ints([1, 2 ** 40]), RangeError);
    assert.throws(() => q.longs([-(2n ** 63n) - 1n]), RangeError);
    assert.throws(() => q.timestamp("yesterday"), RangeError);
    assert.equal(q.int(NULL.int).value, -(2 ** 31));
  });

  it("keep typed arrays as given and convert plain arrays", () => {
    const floats = new Float64Array([1, 2]);
    assert.equal(q.floats(floats).value, floats);
    assert.deepEqual(q.floats([1, 2]).value, floats);
    assert.deepEqual(q.shorts([NULL.short]).value, Int16Array.of(-32768));
    assert.deepEqual(q.longs([1n]).value, BigInt64Array.of(1n));
    assert.deepEqual(q.timestamps(["2000-01-01T00:00:00Z", 1n]).value, BigInt64Array.of(0n, 1n));
    assert.deepEqual(q.booleans([true, false]).value, Uint8Array.of(1, 0));
    assert.deepEqual(q.string("é").value, Uint8Array.of(0xc3, 0xa9));
  });

  it("build dictionaries with symbol keys and a general list of values", () => {
    assert.deepEqual(q.dictOf({ a: q.long(1n), b: q.symbol("x") }), {
      type: 99,
      keys: { type: 11, attr: 0, value: ["a", "b"] },
      values: { type: 0, attr: 0, value: [q.long(1n), q.symbol("x")] },
    });
  });

  it("build tables from equal-length columns and refuse ragged ones", () => {
    const t = q.table({ a: q.longs([1n, 2n]), s: q.symbols(["x", "y"]) });
    assert.deepEqual(t.columns, ["a", "s"]);
    assert.equal(t.data.length, 2);
    assert.throws(() => q.table({ a: q.longs([1n]), s: q.symbols(["x", "y"]) }), /column s has 2 rows/);
    assert.throws(() => q.table({ a: q.long(1n) }), /vector or a general list/);
  });
});
