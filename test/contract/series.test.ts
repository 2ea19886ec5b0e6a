/** docs/q-api.md `.guru.series`: one row per series, sorted by name, with exact extents. */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { at, NULL_TIME, SECOND } from "./support/time.js";
import { assertSame, asTable, items, symbolsOf } from "./support/values.js";

const COLUMNS = ["name", "columns", "types", "tags", "rows", "firstTime", "lastTime"];

/** The listing's row of one series, as atoms (or lists) by column name. */
function rowOf(listing: QValue, name: string): Map<string, QValue> {
  const table = asTable(listing);
  const row = symbolsOf(table.data[0] as QValue).indexOf(name);
  assert.ok(row >= 0, `${name} is not listed`);
  return new Map(table.columns.map((col, i) => [col, items(table.data[i] as QValue)[row] as QValue]));
}

describe(".guru.series", () => {
  const c = useContract();
  const list = () => c.call(".guru.series", q.nil);

  it("lists each series with its columns, types, tags, rows and time extent", async () => {
    const name = await c.create("extent", "host:s* region:s* v:f note:C");
    const t0 = at("2024-01-01T00:00:00.000000001Z");
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({
        time: q.timestamps([t0 + 5n * SECOND, t0, t0 + 2n * SECOND]),
        host: q.symbols(["a", "b", "a"]),
        region: q.symbols(["eu", "eu", "us"]),
        v: q.floats([1, 2, 3]),
        note: q.list(q.string("x"), q.string(""), q.string("y")),
      }),
    );
    const row = rowOf(await list(), name);
    assertSame(row.get("columns") as QValue, q.symbols(["time", "host", "region", "v", "note"]));
    assertSame(row.get("types") as QValue, q.string("pssfC"));
    assertSame(row.get("tags") as QValue, q.symbols(["host", "region"]));
    assertSame(row.get("rows") as QValue, q.long(3n));
    assertSame(row.get("firstTime") as QValue, q.timestamp(t0));
    assertSame(row.get("lastTime") as QValue, q.timestamp(t0 + 5n * SECOND));
  });

  it("gives an empty series 0 rows, no tags and 0Np extents", async () => {
    const name = await c.create("empty", "v:j");
    const row = rowOf(await list(), name);
    assertSame(row.get("tags") as QValue, q.symbols([]));
    assertSame(row.get("types") as QValue, q.string("pj"));
    assertSame(row.get("rows") as QValue, q.long(0n));
    assertSame(row.get("firstTime") as QValue, q.timestamp(NULL_TIME));
    assertSame(row.get("lastTime") as QValue, q.timestamp(NULL_TIME));
  });

  it("is an unkeyed table of the documented columns and types, sorted by name", async () => {
    await c.create("zz", "v:f");
    await c.create("AA", "v:f");
    const table = asTable(await list());
    assert.deepEqual(table.columns, COLUMNS);
    assert.deepEqual(
      table.data.map((col) => col.type),
      [11, 0, 0, 0, 7, 12, 12],
    );
    const names = symbolsOf(table.data[0] as QValue);
    const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(names, sorted);
  });

  it("no longer lists a dropped series", async () => {
    const name = await c.create("gone", "v:f");
    await c.call(".guru.drop", q.symbol(name));
    assert.ok(!symbolsOf(asTable(await list()).data[0] as QValue).includes(name));
  });

  it("takes only :: (guru.type: x)", async () => {
    await rejectsWith(c.call(".guru.series", q.long(0n)), "guru.type", "x");
  });
});
