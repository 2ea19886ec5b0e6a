/**
 * docs/q-api.md `.guru.query`, aggregates: every function on every type it takes, with its
 * result type; nulls skipped; groups sorted by symbol text; the one-row rule; refusals.
 */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { NULL, q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { aggregate } from "./support/options.js";
import { at, NULL_TIME, SECOND } from "./support/time.js";
import { assertSame, asTable, sliceRows, strings } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const HALF = SECOND / 2n;
const NAN = Number.NaN;
const NI = NULL.int;
const NJ = NULL.long;
const P = at("2023-01-01T00:00:00Z");

/**
 * Group a: five rows (one all-null) whose numbers 7 1 - 5 3 give exact results (avg 4, population
 * dev √5, med 4); group B: 10 then a null; group c: one null row. Tags sort B < a < c by bytes,
 * not in the order written.
 */
const SERIES = "tag:s* bv:b iv:i jv:j ev:e fv:f sv:s cv:C pv:p nv:n";
const ROWS = q.table({
  time: q.timestamps(
    [0n, SECOND, 2n * SECOND, 3n * SECOND, 4n * SECOND, HALF, 3n * HALF, 5n * HALF].map((t) => T0 + t),
  ),
  tag: q.symbols(["a", "a", "a", "a", "a", "B", "B", "c"]),
  bv: q.booleans([true, false, false, true, true, true, false, false]),
  iv: q.ints([7, 1, NI, 5, 3, 10, NI, NI]),
  jv: q.longs([7n, 1n, NJ, 5n, 3n, 10n, NJ, NJ]),
  ev: q.reals([7, 1, NAN, 5, 3, 10, NAN, NAN]),
  fv: q.floats([7, 1, NAN, 5, 3, 10, NAN, NAN]),
  sv: q.symbols(["x", "y", "", "z", "w", "q", "", ""]),
  cv: strings(["first", "two", "", "four", "last", "bee", "", ""]),
  pv: q.timestamps([P + 7n, P + 1n, NULL_TIME, P + 5n, P + 3n, P + 10n, NULL_TIME, NULL_TIME]),
  nv: q.timespans([7n, 1n, NJ, 5n, 3n, 10n, NJ, NJ]),
});
/** written out of time order, so first/last must go by time */
const WRITE_ORDER = [4, 7, 0, 5, 2, 6, 1, 3];

const SQRT5 = Math.sqrt(5);

/** A vector of one type from numbers, null standing for the type's null. */
type Make = (values: readonly (number | null)[]) => QValue;
const ints: Make = (v) => q.ints(v.map((x) => x ?? NI));
const longs: Make = (v) => q.longs(v.map((x) => (x === null ? NJ : BigInt(x))));
const timespans: Make = (v) => q.timespans(v.map((x) => (x === null ? NJ : BigInt(x))));
const reals: Make = (v) => q.reals(v.map((x) => x ?? NAN));
const floats: Make = (v) => q.floats(v.map((x) => x ?? NAN));

const numeric = (make: Make) => ({
  first: make([10, 7, null]),
  last: make([null, 3, null]),
  min: make([10, 1, null]),
  max: make([10, 7, null]),
  avg: floats([10, 4, null]),
  dev: floats([0, SQRT5, null]),
  med: floats([10, 4, null]),
  count: longs([1, 4, 0]),
});

/** Expected outputs per column, for the groups in result order B, a, c. */
const EXPECTED: Readonly<Record<string, Record<string, QValue>>> = {
  iv: { ...numeric(ints), sum: longs([10, 16, 0]) },
  jv: { ...numeric(longs), sum: longs([10, 16, 0]) },
  ev: { ...numeric(reals), sum: floats([10, 16, 0]) },
  fv: { ...numeric(floats), sum: floats([10, 16, 0]) },
  nv: { ...numeric(timespans), sum: timespans([10, 16, 0]) },
  bv: {
    first: q.booleans([true, true, false]),
    last: q.booleans([false, true, false]),
    min: q.booleans([false, false, false]),
    max: q.booleans([true, true, false]),
    sum: longs([1, 3, 0]),
    avg: floats([0.5, 0.6, 0]),
    count: longs([2, 5, 1]),
  },
  pv: {
    first: q.timestamps([P + 10n, P + 7n, NULL_TIME]),
    last: q.timestamps([NULL_TIME, P + 3n, NULL_TIME]),
    min: q.timestamps([P + 10n, P + 1n, NULL_TIME]),
    max: q.timestamps([P + 10n, P + 7n, NULL_TIME]),
    count: longs([1, 4, 0]),
  },
  sv: {
    first: q.symbols(["q", "x", ""]),
    last: q.symbols(["", "w", ""]),
    count: longs([1, 4, 0]),
  },
  cv: {
    first: strings(["bee", "first", ""]),
    last: strings(["", "last", ""]),
    count: longs([2, 5, 1]),
  },
  time: {
    first: q.timestamps([T0 + HALF, T0, T0 + 5n * HALF]),
    last: q.timestamps([T0 + 3n * HALF, T0 + 4n * SECOND, T0 + 5n * HALF]),
    min: q.timestamps([T0 + HALF, T0, T0 + 5n * HALF]),
    max: q.timestamps([T0 + 3n * HALF, T0 + 4n * SECOND, T0 + 5n * HALF]),
    count: longs([2, 5, 1]),
  },
};

/** Functions a column type does not take: guru.arg. */
const NOT_TAKEN: readonly [string, string][] = [
  ["sum", "sv"],
  ["avg", "cv"],
  ["min", "sv"],
  ["max", "cv"],
  ["med", "bv"],
  ["dev", "bv"],
  ["sum", "pv"],
  ["avg", "pv"],
  ["dev", "pv"],
  ["med", "pv"],
  ["mean", "fv"],
];

const out = (fn: string) => `x${fn}`;

describe(".guru.query: aggregates", () => {
  const c = useContract();
  let name: string;

  before(async () => {
    name = await c.create("agg", SERIES);
    await c.call(".guru.write", q.symbol(name), sliceRows(ROWS, WRITE_ORDER));
  });
  const query = (options: Record<string, QValue>) => c.call(".guru.query", q.symbol(name), q.dictOf(options));

  describe("by tag: every function, its result type, nulls skipped", () => {
    for (const [col, expected] of Object.entries(EXPECTED)) {
      it(col, async () => {
        const fns = Object.keys(expected);
        const agg = aggregate(Object.fromEntries(fns.map((fn) => [out(fn), [fn, col] as const])));
        const result = await query({ by: q.symbol("tag"), agg });
        const columns = Object.fromEntries(fns.map((fn) => [out(fn), expected[fn] as QValue]));
        assertSame(result, q.table({ tag: q.symbols(["B", "a", "c"]), ...columns }));
      });
    }
  });

  it("without by: exactly one row over all matching rows", async () => {
    const agg = aggregate({ n: ["count", "time"], s: ["sum", "jv"], lo: ["min", "fv"], f: ["first", "sv"] });
    assertSame(
      await query({ agg }),
      q.table({ n: q.longs([8n]), s: q.longs([26n]), lo: q.floats([1]), f: q.symbols(["x"]) }),
    );
  });

  it("sums longs and timespans exactly up to 2^63-1, and past it (or at -2^63, the null): guru.overflow", async () => {
    const big = await c.create("aggbig", "v:j w:j n:n");
    const M = 2n ** 62n;
    const data = q.table({
      time: q.timestamps([T0, T0 + 1n, T0 + 2n]),
      v: q.longs([M, M - 1n, 1n]),
      w: q.longs([-M, -M, 0n]),
      n: q.timespans([M, M - 1n, 1n]),
    });
    await c.call(".guru.write", q.symbol(big), data);
    const sum = (col: string, rows: bigint) =>
      c.call(
        ".guru.query",
        q.symbol(big),
        q.dictOf({ end: q.timestamp(T0 + rows), agg: aggregate({ s: ["sum", col] }) }),
      );
    assertSame(await sum("v", 2n), q.table({ s: q.longs([2n ** 63n - 1n]) }));
    assertSame(await sum("n", 2n), q.table({ s: q.timespans([2n ** 63n - 1n]) }));
    await rejectsWith(sum("v", 3n), "guru.overflow");
    await rejectsWith(sum("n", 3n), "guru.overflow");
    await rejectsWith(sum("w", 2n), "guru.overflow");
  });

  it("without by and nothing matched: one row, count and sum 0, all else null", async () => {
    const agg = aggregate({
      n: ["count", "fv"],
      s: ["sum", "iv"],
      se: ["sum", "ev"],
      sn: ["sum", "nv"],
      a: ["avg", "fv"],
      d: ["dev", "jv"],
      m: ["med", "iv"],
      lo: ["min", "iv"],
      hi: ["max", "pv"],
      f: ["first", "cv"],
      l: ["last", "sv"],
    });
    const result = await query({ start: q.timestamp(T0 + 100n * SECOND), agg });
    assertSame(
      result,
      q.table({
        n: q.longs([0n]),
        s: q.longs([0n]),
        se: q.floats([0]),
        sn: q.timespans([0n]),
        a: q.floats([NAN]),
        d: q.floats([NAN]),
        m: q.floats([NAN]),
        lo: q.ints([NI]),
        hi: q.timestamps([NULL_TIME]),
        f: strings([""]),
        l: q.symbols([""]),
      }),
    );
  });

  it("with by and nothing matched: no rows", async () => {
    const result = await query({
      start: q.timestamp(T0 + 100n * SECOND),
      by: q.symbol("tag"),
      agg: aggregate({ n: ["count", "time"] }),
    });
    assertSame(result, q.table({ tag: q.symbols([]), n: q.longs([]) }));
  });

  it("applies start, end and where before aggregating", async () => {
    const where = q.list(q.list(q.symbol("fv"), q.symbol(">"), q.float(1)));
    const result = await query({
      end: q.timestamp(T0 + 4n * SECOND),
      where,
      by: q.symbol("tag"),
      agg: aggregate({ s: ["sum", "fv"] }),
    });
    assertSame(result, q.table({ tag: q.symbols(["B", "a"]), s: q.floats([10, 12]) }));
  });

  it("puts the by columns in the order given, then the outputs in the dict's order, sorted by the by columns", async () => {
    const multi = await c.create("aggby", "host:s* region:s* v:j");
    const time = q.timestamps([T0, T0 + 1n, T0 + 2n, T0 + 3n]);
    const data = q.table({
      time,
      host: q.symbols(["h2", "h1", "h2", "h1"]),
      region: q.symbols(["us", "us", "eu", "us"]),
      v: q.longs([1n, 2n, 3n, 4n]),
    });
    await c.call(".guru.write", q.symbol(multi), data);
    const result = await c.call(
      ".guru.query",
      q.symbol(multi),
      q.dictOf({ by: q.symbols(["region", "host"]), agg: aggregate({ z: ["sum", "v"], a: ["count", "v"] }) }),
    );
    assertSame(
      result,
      q.table({
        region: q.symbols(["eu", "us", "us"]),
        host: q.symbols(["h2", "h1", "h2"]),
        z: q.longs([3n, 6n, 1n]),
        a: q.longs([1n, 2n, 1n]),
      }),
    );
  });

  it("takes 64 outputs", async () => {
    const outputs = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [`o${i}`, ["count", "time"] as const]),
    );
    assert.equal(asTable(await query({ agg: aggregate(outputs) })).columns.length, 64);
  });

  describe("refusals", () => {
    for (const [fn, col] of NOT_TAKEN) {
      it(`${fn} of ${col}: guru.arg`, async () => {
        await rejectsWith(query({ agg: aggregate({ o: [fn, col] }) }), "guru.arg");
      });
    }

    const ARG: readonly [string, Record<string, QValue>][] = [
      ["an output named time", { agg: aggregate({ time: ["count", "fv"] }) }],
      ["an output named as a by column", { by: q.symbol("tag"), agg: aggregate({ tag: ["count", "fv"] }) }],
      ["an invalid output name", { agg: aggregate({ "1x": ["count", "fv"] }) }],
      ["a reserved output name", { agg: aggregate({ sum: ["sum", "fv"] }) }],
      ["a 65-character output name", { agg: aggregate({ ["o".repeat(65)]: ["sum", "fv"] }) }],
      [
        "duplicate outputs",
        { agg: q.dict(q.symbols(["o", "o"]), q.list(q.symbols(["sum", "fv"]), q.symbols(["max", "fv"]))) },
      ],
      [
        "65 outputs",
        {
          agg: aggregate(
            Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`o${i}`, ["count", "time"] as const])),
          ),
        },
      ],
      ["by without agg", { by: q.symbol("tag") }],
      ["bucket without agg", { bucket: q.timespan(SECOND) }],
      ["columns with agg", { columns: q.symbol("fv"), agg: aggregate({ o: ["sum", "fv"] }) }],
      ["by a field", { by: q.symbol("sv"), agg: aggregate({ o: ["sum", "fv"] }) }],
      ["by a tag twice", { by: q.symbols(["tag", "tag"]), agg: aggregate({ o: ["sum", "fv"] }) }],
    ];
    for (const [what, options] of ARG) {
      it(`${what}: guru.arg`, async () => {
        await rejectsWith(query(options), "guru.arg");
      });
    }

    const TYPE: readonly [string, Record<string, QValue>, string][] = [
      ["agg as a symbol vector", { agg: q.symbols(["sum", "fv"]) }, "options.agg"],
      [
        "a function named by a string",
        { agg: q.dictOf({ o: q.list(q.string("sum"), q.symbol("fv")) }) },
        "options.agg",
      ],
      ["by as a string", { by: q.string("tag"), agg: aggregate({ o: ["sum", "fv"] }) }, "options.by"],
    ];
    for (const [what, options, path] of TYPE) {
      it(`${what}: guru.type: ${path}`, async () => {
        await rejectsWith(query(options), "guru.type", path);
      });
    }

    it("guru.column.unknown for an unknown agg or by column", async () => {
      await rejectsWith(query({ agg: aggregate({ o: ["sum", "nope"] }) }), "guru.column.unknown");
      await rejectsWith(
        query({ by: q.symbol("nope"), agg: aggregate({ o: ["sum", "fv"] }) }),
        "guru.column.unknown",
      );
    });
  });
});
