import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  parseFloatBytes,
  parseIntegerBytes,
  readPlainDecimal,
  writeSafeInteger,
  writeUnixTime,
} from "../../../api/src/points/decimal-bytes.js";
import { unixToQTime } from "../../../api/src/points/point-values.js";
import { encodeMessage, encodeValue, q } from "../../../qipc/src/index.js";

const bytes = (text: string) => Buffer.from(text, "latin1");
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Float text as people and programs write it: digits, a point, an exponent, in any mix. */
const floatText = fc
  .tuple(
    fc.constantFrom("", "+", "-"),
    fc.stringMatching(/^\d{0,20}$/),
    fc.constantFrom("", "."),
    fc.stringMatching(/^\d{0,20}$/),
    fc.constantFrom("", "e", "E", "e-", "E+"),
    fc.stringMatching(/^\d{0,3}$/),
  )
  .map((parts) => parts.join(""));

/** The 64-bit value `write` puts at index 1, or undefined when it declines (returns false). */
function words64(write: (words: Int32Array) => unknown): bigint | undefined {
  const out = new BigInt64Array(2);
  return write(new Int32Array(out.buffer)) === false ? undefined : out[1];
}

describe("api: numbers read from bytes", () => {
  it("reads floats exactly as Number() does, and refuses what InfluxDB's syntax refuses (property)", () => {
    fc.assert(
      fc.property(fc.oneof(floatText, fc.double().map(String)), (text) => {
        const got = parseFloatBytes(bytes(text), 0, text.length);
        if (FLOAT_TEXT.test(text))
          assert.ok(Object.is(got, Number(text)), `${text}: ${got} vs ${Number(text)}`);
        else assert.ok(Number.isNaN(got), text);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads plain decimals while finding their end, exactly as Number() does, and declines every other form (property)", () => {
    const PLAIN = /^-?\d+(\.\d*)?/;
    const out = new Float64Array(1);
    fc.assert(
      fc.property(floatText, fc.constantFrom("", " ", ",", "\n", "i", "u", "x"), (text, after) => {
        const end = readPlainDecimal(bytes(text + after), 0, out);
        const plain = PLAIN.exec(text + after)?.[0];
        const significant = (plain ?? "").replace(/[-.]/g, "").replace(/^0+/, "").length;
        const decimals = plain?.split(".")[1]?.length ?? 0;
        const taken =
          plain !== undefined &&
          significant <= 15 &&
          decimals <= 22 &&
          !/[eE]/.test(text[plain.length] ?? "");
        if (!taken) return assert.equal(end, -1, text);
        assert.equal(end, plain.length, text);
        assert.ok(Object.is(out[0], Number(plain)), `${text}: ${out[0]} vs ${Number(plain)}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads integers up to 15 digits, and leaves longer ones to BigInt", () => {
    assert.equal(parseIntegerBytes(bytes("-123"), 0, 4, true), -123);
    assert.equal(parseIntegerBytes(bytes("-123"), 0, 4, false), null);
    assert.equal(parseIntegerBytes(bytes("999999999999999"), 0, 15, false), 999_999_999_999_999);
    assert.equal(parseIntegerBytes(bytes("1000000000000000"), 0, 16, false), undefined);
    assert.equal(parseIntegerBytes(bytes("+"), 0, 1, true), null);
    assert.equal(parseIntegerBytes(bytes("12x"), 0, 3, true), null);
  });

  it("writes safe integers as 64-bit words (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        assert.equal(
          words64((w) => writeSafeInteger(w, 1, n)),
          BigInt(n),
        );
      }),
    );
  });

  it("turns Unix times of every precision into q timestamps as the BigInt path does (property)", () => {
    const precision = fc.constantFrom("ns" as const, "us" as const, "ms" as const, "s" as const);
    const count = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }),
      fc.bigInt({ min: -1000n, max: 1000n }),
    );
    fc.assert(
      fc.property(count, precision, (n, p) => {
        const text = String(n);
        const got = words64((w) => writeUnixTime(bytes(text), 0, text.length, p, w, 1));
        let want: bigint | undefined;
        try {
          want = unixToQTime(n, p);
        } catch {
          want = undefined;
        }
        // the fast path may decline (then the caller takes the BigInt path), but never differs
        if (got !== undefined) assert.equal(got, want, `${text} ${p}`);
        if (n >= 0n && n < 4_000_000_000_000_000_000n && p === "ns") assert.notEqual(got, undefined);
      }),
      { numRuns: 20_000 },
    );
  });

  it("sends a value encoded beforehand exactly as the value itself", () => {
    const columns = q.dictOf({ time: q.timestamps([1n, 2n]), host: q.symbols(["a", "b"]) });
    const call = (x: ReturnType<typeof q.encoded> | typeof columns) => q.list(q.symbol(".guru.write"), x);
    assert.deepEqual(
      encodeMessage(call(q.encoded(encodeValue(columns))), 1),
      encodeMessage(call(columns), 1),
    );
  });
});
