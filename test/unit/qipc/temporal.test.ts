import assert from "node:assert/strict";
import fc from "fast-check";
import {
  dateFromString,
  dateToString,
  INT_INF,
  INT_NULL,
  LONG_INF,
  LONG_NULL,
  monthFromString,
  monthToString,
  timespanFromString,
  timespanToString,
  timestampFromString,
  timestampFromUnixNs,
  timestampFromUnixNumber,
  timestampToString,
  timestampToUnixNs,
} from "../../../qipc/src/index.js";

describe("qipc temporal conversions", () => {
  describe("timestamps and RFC 3339", () => {
    const exact: [bigint, string][] = [
      [0n, "2000-01-01T00:00:00.000000000Z"],
      [1n, "2000-01-01T00:00:00.000000001Z"],
      [-1n, "1999-12-31T23:59:59.999999999Z"],
      [757_479_845_123_456_789n, "2024-01-02T03:04:05.123456789Z"],
      [-946_684_800_000_000_000n, "1970-01-01T00:00:00.000000000Z"],
      [5_097_600_000_000_000n, "2000-02-29T00:00:00.000000000Z"],
      [LONG_INF - 1n, "2292-04-10T23:47:16.854775806Z"],
      [-LONG_INF + 1n, "1707-09-22T00:12:43.145224194Z"],
    ];
    for (const [ns, text] of exact) {
      it(`${ns} <-> ${text}`, () => {
        assert.equal(timestampToString(ns), text);
        assert.equal(timestampFromString(text), ns);
      });
    }

    it("maps null to null and infinities to q's 0W / -0W", () => {
      assert.equal(timestampToString(LONG_NULL), null);
      assert.equal(timestampToString(LONG_INF), "0W");
      assert.equal(timestampToString(-LONG_INF), "-0W");
      assert.equal(timestampFromString("0W"), LONG_INF);
      assert.equal(timestampFromString("-0W"), -LONG_INF);
    });

    it("parses 0 to 9 fraction digits, lowercase t/z and UTC offsets", () => {
      assert.equal(timestampFromString("2000-01-01T00:00:00Z"), 0n);
      assert.equal(timestampFromString("2000-01-01T00:00:00.5Z"), 500_000_000n);
      assert.equal(timestampFromString("2000-01-01t00:00:00.000001z"), 1000n);
      assert.equal(timestampFromString("2000-01-01T01:30:00+01:30"), 0n);
      assert.equal(timestampFromString("1999-12-31T19:00:00.000000001-05:00"), 1n);
    });

    const invalid = [
      "2024-01-02",
      "2024-01-02T03:04:05",
      "2024-01-02 03:04:05Z",
      "2024-01-02T03:04:05.1234567890Z",
      "2024-13-01T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T23:60:00Z",
      "2016-12-31T23:59:60Z",
      "2024-01-01T00:00:00+24:00",
      "2293-01-01T00:00:00Z",
      "1707-09-22T00:00:00Z",
      " 2024-01-01T00:00:00Z",
      "",
    ];
    for (const text of invalid) {
      it(`rejects ${JSON.stringify(text)} with a clear error`, () => {
        assert.throws(
          () => timestampFromString(text),
          (e) => e instanceof RangeError && e.message.length > 10,
        );
      });
    }

    it("round-trips any finite timestamp exactly", () => {
      const finite = fc.bigInt({ min: -LONG_INF + 1n, max: LONG_INF - 1n });
      fc.assert(fc.property(finite, (ns) => timestampFromString(timestampToString(ns)!) === ns));
    });
  });

  describe("timestamps and Unix time", () => {
    it("converts exactly with BigInt", () => {
      assert.equal(timestampToUnixNs(0n), 946_684_800_000_000_000n);
      assert.equal(timestampFromUnixNs(1_704_067_200_000_000_001n), 757_382_400_000_000_001n);
      assert.equal(timestampToUnixNs(LONG_NULL), null);
      assert.throws(() => timestampToUnixNs(LONG_INF), RangeError);
    });

    it("accepts JSON numbers only as integers in the unit the caller names", () => {
      assert.equal(timestampFromUnixNumber(1_704_067_200, "s"), 757_382_400_000_000_000n);
      assert.equal(timestampFromUnixNumber(1_704_067_200_123, "ms"), 757_382_400_123_000_000n);
      assert.equal(timestampFromUnixNumber(1_704_067_200_123_456, "us"), 757_382_400_123_456_000n);
      assert.equal(timestampFromUnixNumber(-1, "ns"), -946_684_800_000_000_001n);
      assert.throws(() => timestampFromUnixNumber(1.5, "s"), /safe integer/);
      assert.throws(() => timestampFromUnixNumber(2 ** 53, "ns"), /safe integer/);
      assert.throws(() => timestampFromUnixNumber(Number.NaN, "ms"), /safe integer/);
      assert.throws(() => timestampFromUnixNumber(1, "h" as "s"), /precision/);
      assert.throws(() => timestampFromUnixNumber(9_000_000_000_000, "s"), /range/);
    });
  });

  describe("dates and months", () => {
    const dates: [number, string][] = [
      [0, "2000-01-01"],
      [-1, "1999-12-31"],
      [-10957, "1970-01-01"],
      [59, "2000-02-29"],
      [8766, "2024-01-01"],
      [-730119, "0001-01-01"],
      [2_921_939, "9999-12-31"],
    ];
    for (const [days, text] of dates) {
      it(`date ${days} <-> ${text}`, () => {
        assert.equal(dateToString(days), text);
        assert.equal(dateFromString(text), days);
      });
    }

    const months: [number, string][] = [
      [0, "2000-01"],
      [-1, "1999-12"],
      [-12, "1999-01"],
      [-13, "1998-12"],
      [289, "2024-02"],
    ];
    for (const [m, text] of months) {
      it(`month ${m} <-> ${text} (floor division before 2000)`, () => {
        assert.equal(monthToString(m), text);
        assert.equal(monthFromString(text), m);
      });
    }

    it("nulls, infinities and invalid text", () => {
      assert.equal(dateToString(INT_NULL), null);
      assert.equal(monthToString(INT_NULL), null);
      assert.equal(dateToString(INT_INF), "0W");
      assert.equal(dateFromString("-0W"), -INT_INF);
      assert.equal(monthToString(-INT_INF), "-0W");
      assert.throws(() => dateFromString("2023-02-29"), /no such date/);
      assert.throws(() => dateFromString("2024-1-01"), /ISO date/);
      assert.throws(() => monthFromString("2024-13"), /ISO month/);
    });
  });

  describe("timespans", () => {
    const spans: [bigint, string][] = [
      [0n, "0D00:00:00.000000000"],
      [300_000_000_000n, "0D00:05:00.000000000"],
      [-1n, "-0D00:00:00.000000001"],
      [90_061_000_000_001n, "1D01:01:01.000000001"],
      [-86_400_000_000_000n, "-1D00:00:00.000000000"],
    ];
    for (const [ns, text] of spans) {
      it(`${ns} <-> ${text}`, () => {
        assert.equal(timespanToString(ns), text);
        assert.equal(timespanFromString(text), ns);
      });
    }

    it("nulls, infinities, short fractions and invalid text", () => {
      assert.equal(timespanToString(LONG_NULL), null);
      assert.equal(timespanToString(LONG_INF), "0W");
      assert.equal(timespanFromString("0D00:00:01.5"), 1_500_000_000n);
      assert.equal(timespanFromString("0D00:00:01"), 1_000_000_000n);
      assert.throws(() => timespanFromString("00:05:00"), /timespan/);
      assert.throws(() => timespanFromString("0D24:00:00"), /time of day/);
    });
  });
});
