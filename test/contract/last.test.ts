/** docs/q-api.md `.guru.last`: the latest row of each group, every column, sorted by the groups. */
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { uniqueName } from "./support/schema.js";
import { at, SECOND } from "./support/time.js";
import { assertSame, sliceRows, strings } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const SPEC = "host:s* region:s* v:f note:C n:j";

/** Row 3 is the latest of abc/eu; row 4, written last, is the earliest of all. */
const ROWS = q.table({
  time: q.timestamps([1n, 2n, 3n, 4n, 0n].map((k) => T0 + k * SECOND)),
  host: q.symbols(["abc", "abc", "Zed", "abc", "Zed"]),
  region: q.symbols(["eu", "us", "eu", "eu", "us"]),
  v: q.floats([1, 2, 3, 4, 5]),
  note: strings(["one", "two", "three", "four", ""]),
  n: q.longs([1n, 2n, 3n, 4n, 5n]),
});

/** `by` and the rows of ROWS expected, in order (tags by bytes: "Zed" < "abc"). */
const CASES: readonly [string, QValue, number[]][] = [
  ["by one tag, as a symbol", q.symbol("host"), [2, 3]],
  ["by one tag, as a vector", q.symbols(["host"]), [2, 3]],
  ["by two tags", q.symbols(["host", "region"]), [2, 4, 3, 1]],
  ["by two tags, the other way round", q.symbols(["region", "host"]), [2, 3, 4, 1]],
  ["by an empty symbol vector: the latest row", q.symbols([]), [3]],
  ["by (): the latest row", q.list(), [3]],
];

describe(".guru.last", () => {
  const c = useContract();
  let name: string;
  let empty: string;

  before(async () => {
    name = await c.create("last", SPEC);
    empty = await c.create("lastempty", SPEC);
    await c.call(".guru.write", q.symbol(name), ROWS);
  });
  const last = (series: string, by: QValue) => c.call(".guru.last", q.symbol(series), by);

  for (const [what, by, rows] of CASES) {
    it(what, async () => {
      assertSame(await last(name, by), sliceRows(ROWS, rows));
    });
  }

  it("gives no rows for an empty series, grouped or not", async () => {
    for (const by of [q.symbol("host"), q.symbols([])])
      assertSame(await last(empty, by), sliceRows(ROWS, []));
  });

  describe("refusals", () => {
    const CASES: readonly [string, QValue, string, string?][] = [
      ["a field", q.symbol("v"), "guru.arg"],
      ["time", q.symbol("time"), "guru.arg"],
      ["an unknown column", q.symbol("nope"), "guru.column.unknown"],
      ["by as a string", q.string("host"), "guru.type", "by"],
      ["by as a long", q.long(1n), "guru.type", "by"],
      ["by as ::", q.nil, "guru.type", "by"],
    ];
    for (const [what, by, word, detail] of CASES) {
      it(`${what}: ${word}`, async () => {
        await rejectsWith(last(name, by), word, detail);
      });
    }

    it("checks the name, then by, then the series", async () => {
      await rejectsWith(c.call(".guru.last", q.string(name), q.symbol("host")), "guru.type", "name");
      await rejectsWith(last(uniqueName("nosuch"), q.long(1n)), "guru.type", "by");
      await rejectsWith(last(uniqueName("nosuch"), q.symbol("host")), "guru.series.unknown");
    });
  });
});
