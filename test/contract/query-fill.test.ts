/**
 * docs/q-api.md `.guru.query`, fill: which empty buckets appear (the range rules) and the exact
 * values of each mode, for outputs of every type.
 */
import type { QValue } from "../../qipc/src/types.js";
import { NULL, q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { aggregate } from "./support/options.js";
import { at, MINUTE, NS, SECOND } from "./support/time.js";
import { assertSame, strings } from "./support/values.js";

const T = at("2024-01-01T00:00:00Z");
const PB = at("2020-01-01T00:00:00Z");
const minute = (k: number) => T + BigInt(k) * MINUTE;
const NAN = Number.NaN;
const NJ = NULL.long;

/** One output of every type: count, sum, avg, and last of each column type (`i` is reserved). */
interface Out {
  n: bigint;
  s: bigint;
  a: number;
  f: number;
  e: number;
  w: number;
  j: bigint;
  p: bigint;
  d: bigint;
  b: boolean;
  y: string;
  c: string;
}
const AGG: Readonly<Record<keyof Out, readonly [string, string]>> = {
  n: ["count", "fv"],
  s: ["sum", "jv"],
  a: ["avg", "fv"],
  f: ["last", "fv"],
  e: ["last", "ev"],
  w: ["last", "iv"],
  j: ["last", "jv"],
  p: ["last", "pv"],
  d: ["last", "nv"],
  b: ["last", "bv"],
  y: ["last", "sv"],
  c: ["last", "cv"],
};

/** Host a's buckets 1 (one row) and 4 (two rows); host b's bucket 2. */
const A1: Out = {
  n: 1n,
  s: 100n,
  a: 1,
  f: 1,
  e: 1,
  w: 10,
  j: 100n,
  p: PB + 1000n,
  d: SECOND,
  b: true,
  y: "s1",
  c: "c1",
};
const A4: Out = {
  n: 2n,
  s: 140n,
  a: 1.75,
  f: 2,
  e: 2.5,
  w: 20,
  j: 90n,
  p: PB + 2001n,
  d: 0n,
  b: false,
  y: "s4",
  c: "c4",
};
const B2: Out = { n: 1n, s: 7n, a: 7, f: 7, e: 7, w: 7, j: 7n, p: PB + 7n, d: 7n, b: true, y: "b2", c: "b2" };
/** An empty group's values (fill null): count and sum 0, all else null. */
const NULLS: Out = {
  n: 0n,
  s: 0n,
  a: NAN,
  f: NAN,
  e: NAN,
  w: NULL.int,
  j: NJ,
  p: NJ,
  d: NJ,
  b: false,
  y: "",
  c: "",
};
/** fill linear outside the neighbours: null, `count` and `sum` too (as InfluxDB's fill(linear)). */
const LINEAR_NULLS: Out = { ...NULLS, n: NJ, s: NJ };
/** fill zero: 0 of each type; s, C and p outputs null. */
const ZEROS: Out = { n: 0n, s: 0n, a: 0, f: 0, e: 0, w: 0, j: 0n, p: NJ, d: 0n, b: false, y: "", c: "" };
/** fill linear between A1 (bucket 1) and A4 (bucket 4): floats in float arithmetic, the rest with div. */
const LINEAR2: Out = {
  ...NULLS,
  n: 1n,
  s: 113n,
  a: 1.25,
  f: 1 + 1 / 3,
  e: 1.5,
  w: 13,
  j: 96n,
  p: PB + 1333n,
  d: 666_666_666n,
};
const LINEAR3: Out = {
  ...NULLS,
  n: 1n,
  s: 126n,
  a: 1.5,
  f: 1 + 2 / 3,
  e: 2,
  w: 16,
  j: 93n,
  p: PB + 1667n,
  d: 333_333_333n,
};

type Row = readonly [bucket: number, host: string | null, values: Out];

function table(rows: readonly Row[], byHost: boolean): QValue {
  const col = <K extends keyof Out>(key: K) => rows.map(([, , v]) => v[key]);
  return q.table({
    time: q.timestamps(rows.map(([k]) => minute(k))),
    ...(byHost ? { host: q.symbols(rows.map(([, h]) => h ?? "")) } : {}),
    n: q.longs(col("n")),
    s: q.longs(col("s")),
    a: q.floats(col("a")),
    f: q.floats(col("f")),
    e: q.reals(col("e")),
    w: q.ints(col("w")),
    j: q.longs(col("j")),
    p: q.timestamps(col("p")),
    d: q.timespans(col("d")),
    b: q.booleans(col("b")),
    y: q.symbols(col("y")),
    c: strings(col("c")),
  });
}

/** Host a alone over buckets 0-5: the expected row per bucket for each mode. */
const HOST_A: Readonly<Record<string, readonly (Out | null)[]>> = {
  none: [null, A1, null, null, A4, null],
  null: [NULLS, A1, NULLS, NULLS, A4, NULLS],
  zero: [ZEROS, A1, ZEROS, ZEROS, A4, ZEROS],
  prev: [NULLS, A1, A1, A1, A4, A4],
  linear: [LINEAR_NULLS, A1, LINEAR2, LINEAR3, A4, LINEAR_NULLS],
};
const rowsOf = (values: readonly (Out | null)[], host: string | null): Row[] =>
  values.flatMap((v, k) => (v === null ? [] : [[k, host, v] as const]));

describe(".guru.query: fill", () => {
  const c = useContract();
  let name: string;

  before(async () => {
    name = await c.create("fill", "host:s* fv:f ev:e iv:i jv:j pv:p nv:n bv:b sv:s cv:C");
    const rows: [bigint, string, number, number, number, bigint, bigint, bigint, boolean, string, string][] =
      [
        [minute(1) + 10n * SECOND, "a", 1, 1, 10, 100n, PB + 1000n, SECOND, true, "s1", "c1"],
        [minute(4) + 10n * SECOND, "a", 1.5, 2, 15, 50n, PB + 3000n, 5n, true, "s3", "c3"],
        [minute(4) + 20n * SECOND, "a", 2, 2.5, 20, 90n, PB + 2001n, 0n, false, "s4", "c4"],
        [minute(2), "b", 7, 7, 7, 7n, PB + 7n, 7n, true, "b2", "b2"],
      ];
    const col = <T>(i: number) => rows.map((r) => r[i] as T);
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({
        time: q.timestamps(col(0)),
        host: q.symbols(col(1)),
        fv: q.floats(col(2)),
        ev: q.reals(col(3)),
        iv: q.ints(col(4)),
        jv: q.longs(col(5)),
        pv: q.timestamps(col(6)),
        nv: q.timespans(col(7)),
        bv: q.booleans(col(8)),
        sv: q.symbols(col(9)),
        cv: strings(col(10)),
      }),
    );
  });

  const agg = aggregate(AGG);
  const onlyA = q.list(q.symbols(["host", "=", "a"]));
  const query = (options: Record<string, QValue>) =>
    c.call(".guru.query", q.symbol(name), q.dictOf({ bucket: q.timespan(MINUTE), agg, ...options }));
  const range = (start: bigint, end: bigint) => ({ start: q.timestamp(start), end: q.timestamp(end) });

  describe("one group, buckets 0-5 from start and end", () => {
    for (const [mode, values] of Object.entries(HOST_A)) {
      it(mode, async () => {
        const result = await query({ ...range(minute(0), minute(6)), where: onlyA, fill: q.symbol(mode) });
        const noHost = rowsOf(values, null);
        assertSame(result, table(noHost, false));
      });
    }
  });

  describe("the bucket range", () => {
    const CASES: readonly [string, Record<string, QValue>, number[]][] = [
      ["without start and end: the first to the last bucket present", {}, [1, 2, 3, 4]],
      [
        "from bucket xbar start, start inside a bucket",
        { start: q.timestamp(minute(0) + 30n * SECOND) },
        [0, 1, 2, 3, 4],
      ],
      ["to the bucket of end - 1, end on a boundary", range(minute(1), minute(5)), [1, 2, 3, 4]],
      [
        "to the bucket of end - 1, end just past a boundary",
        range(minute(1), minute(5) + NS),
        [1, 2, 3, 4, 5],
      ],
    ];
    for (const [what, options, buckets] of CASES) {
      it(what, async () => {
        const result = await query({ ...options, where: onlyA, fill: q.symbol("null") });
        const expected = buckets.map((k) => [k, null, HOST_A.null?.[k] ?? NULLS] as const);
        assertSame(result, table(expected, false));
      });
    }

    it("without by, every bucket of start-end appears even when no row matched", async () => {
      const where = q.list(q.symbols(["host", "=", "nobody"]));
      const result = await query({ ...range(minute(0), minute(3)), where, fill: q.symbol("null") });
      assertSame(
        result,
        table(
          [0, 1, 2].map((k) => [k, null, NULLS] as const),
          false,
        ),
      );
      assertSame(
        await query({ ...range(minute(0), minute(3)), where, fill: q.symbol("none") }),
        table([], false),
      );
    });

    it("with by, no group when no row matched", async () => {
      const where = q.list(q.symbols(["host", "=", "nobody"]));
      const result = await query({
        ...range(minute(0), minute(3)),
        where,
        by: q.symbol("host"),
        fill: q.symbol("null"),
      });
      assertSame(result, table([], true));
    });
  });

  describe("with by: every group present gets every bucket, sorted by time then host", () => {
    const b = (mode: string): (Out | null)[] => {
      const before =
        mode === "none" ? null : mode === "zero" ? ZEROS : mode === "linear" ? LINEAR_NULLS : NULLS;
      const after = mode === "prev" ? B2 : before;
      return [before, before, B2, after, after, after];
    };
    const interleave = (mode: string, order: "asc" | "desc"): Row[] => {
      const a = HOST_A[mode] as (Out | null)[];
      const bs = b(mode);
      const ks = order === "asc" ? [0, 1, 2, 3, 4, 5] : [5, 4, 3, 2, 1, 0];
      return ks.flatMap((k) => [
        ...(a[k] ? [[k, "a", a[k]] as const] : []),
        ...(bs[k] ? [[k, "b", bs[k]] as const] : []),
      ]);
    };
    for (const mode of Object.keys(HOST_A)) {
      for (const order of ["asc", "desc"] as const) {
        it(`${mode}, ${order}`, async () => {
          const result = await query({
            ...range(minute(0), minute(6)),
            by: q.symbol("host"),
            fill: q.symbol(mode),
            order: q.symbol(order),
          });
          assertSame(result, table(interleave(mode, order), true));
        });
      }
    }
  });
});
