/**
 * docs/q-api.md `.guru.query`, bucket: `bucket xbar time` from 2000.01.01D00 (a Saturday), with a
 * floored modulo; the order of bucketed results; refusals of bucket and fill.
 */
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { aggregate } from "./support/options.js";
import { at, DAY, HOUR, MINUTE, SECOND } from "./support/time.js";
import { assertSame } from "./support/values.js";

const count = aggregate({ n: ["count", "time"] });

/** Row times, bucket width, and the expected (bucket start, rows) pairs. */
const ALIGNMENT: readonly [string, string[], bigint, [string, number][]][] = [
  [
    "7D buckets start on Saturdays, as 2000.01.01 (not on Thursdays as 1970.01.01)",
    [
      "2024-01-03T00:00:00Z",
      "2024-01-06T12:00:00Z",
      "2024-01-12T23:59:59.999999999Z",
      "2024-01-13T00:00:00Z",
    ],
    7n * DAY,
    [
      ["2023-12-30T00:00:00Z", 1],
      ["2024-01-06T00:00:00Z", 2],
      ["2024-01-13T00:00:00Z", 1],
    ],
  ],
  [
    "7m buckets count from 2000.01.01D00",
    ["2024-01-01T00:00:00Z", "2024-01-01T00:03:59Z", "2024-01-01T00:04:00Z"],
    7n * MINUTE,
    [
      ["2023-12-31T23:57:00Z", 2],
      ["2024-01-01T00:04:00Z", 1],
    ],
  ],
  [
    "times before 2000 go to the bucket below them (floored)",
    ["1999-12-31T12:00:00Z", "1999-12-31T23:30:00Z", "2000-01-01T00:00:00Z"],
    DAY,
    [
      ["1999-12-31T00:00:00Z", 2],
      ["2000-01-01T00:00:00Z", 1],
    ],
  ],
  [
    "an hour before 2000, floored",
    ["1999-12-31T23:30:00Z", "1999-12-31T22:59:59.999999999Z"],
    HOUR,
    [
      ["1999-12-31T22:00:00Z", 1],
      ["1999-12-31T23:00:00Z", 1],
    ],
  ],
  [
    "1ns buckets keep every time",
    ["2024-01-01T00:00:00.000000001Z", "2024-01-01T00:00:00.000000002Z"],
    1n,
    [
      ["2024-01-01T00:00:00.000000001Z", 1],
      ["2024-01-01T00:00:00.000000002Z", 1],
    ],
  ],
];

describe(".guru.query: bucket", () => {
  const c = useContract();

  // with a start, buckets may be numbered from the first one it admits: the same buckets
  for (const [what, times, width, expected] of ALIGNMENT) {
    for (const withStart of [false, true])
      it(`${what}${withStart ? ", from a start before the first row" : ""}`, async () => {
        const name = await c.create("bucket", "v:j");
        const data = q.table({ time: q.timestamps(times.map(at)), v: q.longs(times.map(() => 1n)) });
        await c.call(".guru.write", q.symbol(name), data);
        const [first] = times.map(at).sort((a, b) => (a < b ? -1 : 1));
        const start: Record<string, QValue> = withStart
          ? { start: q.timestamp((first as bigint) - 3n * HOUR - 17n) }
          : {};
        const result = await c.call(
          ".guru.query",
          q.symbol(name),
          q.dictOf({ ...start, bucket: q.timespan(width), agg: count }),
        );
        assertSame(
          result,
          q.table({
            time: q.timestamps(expected.map(([t]) => at(t))),
            n: q.longs(expected.map(([, n]) => BigInt(n))),
          }),
        );
      });
  }

  describe("with by", () => {
    let name: string;
    const T = at("2024-01-01T00:00:00Z");
    before(async () => {
      name = await c.create("bucketby", "host:s* v:f");
      const minutes = [0n, 1n, 4n, 5n, 9n, 6n];
      await c.call(
        ".guru.write",
        q.symbol(name),
        q.table({
          time: q.timestamps(minutes.map((m) => T + m * MINUTE)),
          host: q.symbols(["b", "a", "b", "a", "a", "b"]),
          v: q.floats([1, 2, 3, 4, 5, 6]),
        }),
      );
    });
    const query = (order: string) =>
      c.call(
        ".guru.query",
        q.symbol(name),
        q.dictOf({
          bucket: q.timespan(5n * MINUTE),
          by: q.symbol("host"),
          agg: aggregate({ mean: ["avg", "v"] }),
          order: q.symbol(order),
        }),
      );
    // bucket 0 holds a: 2 and b: 1 3; bucket 5 holds a: 4 5 and b: 6
    const rows: [bigint, string, number][] = [
      [T, "a", 2],
      [T, "b", 2],
      [T + 5n * MINUTE, "a", 4.5],
      [T + 5n * MINUTE, "b", 6],
    ];
    const table = (r: typeof rows) =>
      q.table({
        time: q.timestamps(r.map(([t]) => t)),
        host: q.symbols(r.map(([, h]) => h)),
        mean: q.floats(r.map(([, , v]) => v)),
      });

    it("sorts by bucket, then by the by columns", async () => {
      assertSame(await query("asc"), table(rows));
    });

    it("sorts newest bucket first with order desc, by columns still ascending", async () => {
      assertSame(await query("desc"), table([rows[2], rows[3], rows[0], rows[1]] as typeof rows));
    });
  });

  describe("refusals", () => {
    const agg = { agg: count };
    const CASES: readonly [string, Record<string, QValue>, string, string?][] = [
      ["a zero bucket", { bucket: q.timespan(0n), ...agg }, "guru.arg"],
      ["a negative bucket", { bucket: q.timespan(-SECOND), ...agg }, "guru.arg"],
      ["a null bucket", { bucket: q.timespan(-(2n ** 63n)), ...agg }, "guru.arg"],
      ["a bucket as a long", { bucket: q.long(SECOND), ...agg }, "guru.type", "options.bucket"],
      ["a bucket as a timestamp", { bucket: q.timestamp(SECOND), ...agg }, "guru.type", "options.bucket"],
      ["fill without bucket", { fill: q.symbol("null"), ...agg }, "guru.arg"],
      ["fill without bucket on a raw query", { fill: q.symbol("prev") }, "guru.arg"],
      ["an unknown fill", { bucket: q.timespan(SECOND), fill: q.symbol("nearest"), ...agg }, "guru.arg"],
      [
        "fill as a string",
        { bucket: q.timespan(SECOND), fill: q.string("null"), ...agg },
        "guru.type",
        "options.fill",
      ],
    ];
    for (const [what, options, word, detail] of CASES) {
      it(`${what}: ${word}`, async () => {
        const name = await c.create("bucketbad", "v:j");
        await rejectsWith(c.call(".guru.query", q.symbol(name), q.dictOf(options)), word, detail);
      });
    }
  });
});
