/** docs/q-api.md `.guru.query`, raw mode: time range, columns, order and option checks. */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { uniqueName } from "./support/schema.js";
import { at, NS, NULL_TIME, SECOND } from "./support/time.js";
import { assertSame, asTable, bigints, column } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const time = (k: number) => T0 + BigInt(k) * SECOND;
const ts = (t: bigint) => q.timestamp(t);
const ALL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Options and the rows (k) expected, in order. */
const RANGES: readonly [string, QValue, number[]][] = [
  ["::", q.nil, ALL],
  ["()!()", q.dict(q.list(), q.list()), ALL],
  ["start (inclusive)", q.dictOf({ start: ts(time(3)) }), [3, 4, 5, 6, 7, 8, 9]],
  ["end (exclusive)", q.dictOf({ end: ts(time(3)) }), [0, 1, 2]],
  ["start one ns after a row", q.dictOf({ start: ts(time(2) + NS) }), [3, 4, 5, 6, 7, 8, 9]],
  ["end one ns after a row", q.dictOf({ end: ts(time(3) + NS) }), [0, 1, 2, 3]],
  ["start and end", q.dictOf({ start: ts(time(2)), end: ts(time(5)) }), [2, 3, 4]],
  ["start = end", q.dictOf({ start: ts(time(3)), end: ts(time(3)) }), []],
  ["start > end", q.dictOf({ start: ts(time(5)), end: ts(time(3)) }), []],
  ["0Np bounds", q.dictOf({ start: ts(NULL_TIME), end: ts(NULL_TIME) }), ALL],
  ["0Np start", q.dictOf({ start: ts(NULL_TIME), end: ts(time(1)) }), [0]],
  ["0Np end", q.dictOf({ start: ts(time(8)), end: ts(NULL_TIME) }), [8, 9]],
  [
    "start and end as one timestamp vector",
    q.dict(q.symbols(["start", "end"]), q.timestamps([time(1), time(3)])),
    [1, 2],
  ],
  ["order desc", q.dictOf({ order: q.symbol("desc") }), [...ALL].reverse()],
  ["order asc", q.dictOf({ order: q.symbol("asc") }), ALL],
  [
    "a range, newest first",
    q.dictOf({ start: ts(time(2)), end: ts(time(5)), order: q.symbol("desc") }),
    [4, 3, 2],
  ],
];

/** Options that are refused: the error word and, for guru.type, the path. */
const REFUSED: readonly [string, QValue, string, string?][] = [
  ["options as a long", q.long(1n), "guru.type", "options"],
  ["options as a symbol list", q.symbols(["start"]), "guru.type", "options"],
  ["options with long keys", q.dict(q.longs([1n]), q.list(ts(T0))), "guru.type", "options"],
  ["an unknown key", q.dictOf({ begin: ts(T0) }), "guru.arg"],
  ["a key in another case", q.dictOf({ Start: ts(T0) }), "guru.arg"],
  ["start as a long", q.dictOf({ start: q.long(T0) }), "guru.type", "options.start"],
  ["start as a date", q.dictOf({ start: q.date(8766) }), "guru.type", "options.start"],
  ["start as a one-item vector", q.dictOf({ start: q.timestamps([T0]) }), "guru.type", "options.start"],
  ["end as a datetime", q.dictOf({ end: q.datetime(8766) }), "guru.type", "options.end"],
  ["end as a string", q.dictOf({ end: q.string("2024-01-01") }), "guru.type", "options.end"],
  ["order up", q.dictOf({ order: q.symbol("up") }), "guru.arg"],
  ["order as a string", q.dictOf({ order: q.string("desc") }), "guru.type", "options.order"],
  ["duplicate columns", q.dictOf({ columns: q.symbols(["v", "v"]) }), "guru.arg"],
  ["an unknown column", q.dictOf({ columns: q.symbols(["v", "nope"]) }), "guru.column.unknown"],
  ["columns as a string", q.dictOf({ columns: q.string("v") }), "guru.type", "options.columns"],
];

describe(".guru.query: range, columns, order", () => {
  const c = useContract();
  let name: string;

  before(async () => {
    name = await c.create("range", "host:s* v:j k:j");
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({
        time: q.timestamps(ALL.map(time)),
        host: q.symbols(ALL.map((k) => (k % 2 === 0 ? "a" : "b"))),
        v: q.longs(ALL.map((k) => BigInt(k * 10))),
        k: q.longs(ALL.map(BigInt)),
      }),
    );
  });

  const query = (options: QValue) => c.call(".guru.query", q.symbol(name), options);

  for (const [what, options, expected] of RANGES) {
    it(what, async () => {
      const result = await query(options);
      assert.deepEqual(bigints(column(result, "k")), expected.map(BigInt));
      assert.deepEqual(bigints(column(result, "time")), expected.map(time));
    });
  }

  describe("columns", () => {
    const CASES: readonly [string, QValue, string[]][] = [
      ["absent: all, in schema order", q.nil, ["time", "host", "v", "k"]],
      ["one symbol", q.dictOf({ columns: q.symbol("v") }), ["time", "v"]],
      ["in the order given", q.dictOf({ columns: q.symbols(["k", "host"]) }), ["time", "k", "host"]],
      ["time itself ignored", q.dictOf({ columns: q.symbols(["k", "time"]) }), ["time", "k"]],
      ["an empty list: time alone", q.dictOf({ columns: q.symbols([]) }), ["time"]],
    ];
    for (const [what, options, expected] of CASES) {
      it(what, async () => {
        assert.deepEqual(asTable(await query(options)).columns, expected);
      });
    }

    it("returns the exact values of the columns asked for", async () => {
      const options = q.dictOf({ start: ts(time(8)), columns: q.symbols(["host", "v"]) });
      assertSame(
        await query(options),
        q.table({
          time: q.timestamps([time(8), time(9)]),
          host: q.symbols(["a", "b"]),
          v: q.longs([80n, 90n]),
        }),
      );
    });
  });

  describe("refusals", () => {
    for (const [what, options, word, detail] of REFUSED) {
      it(`${what}: ${word}${detail ? `: ${detail}` : ""}`, async () => {
        await rejectsWith(query(options), word, detail);
      });
    }

    it("checks name and options types before the series' existence", async () => {
      await rejectsWith(c.call(".guru.query", q.string(name), q.nil), "guru.type", "name");
      await rejectsWith(
        c.call(".guru.query", q.symbol(uniqueName("nosuch")), q.long(1n)),
        "guru.type",
        "options",
      );
      await rejectsWith(c.call(".guru.query", q.symbol(uniqueName("nosuch")), q.nil), "guru.series.unknown");
    });
  });
});
