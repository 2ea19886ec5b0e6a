/** docs/q-api.md `.guru.drop`: the series and its data are gone; the name is free again. */
import { strict as assert } from "node:assert";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { seriesSchema, uniqueName } from "./support/schema.js";
import { at, SECOND } from "./support/time.js";
import { assertSame, asTable, rowCount } from "./support/values.js";

describe(".guru.drop", () => {
  const c = useContract();
  const t0 = at("2024-05-05T05:05:05Z");

  it("returns the rows the series held and forgets it", async () => {
    const name = await c.create("drop", "v:j");
    const time = q.timestamps([t0, t0 + SECOND, t0 + 86_400n * SECOND]);
    await c.call(".guru.write", q.symbol(name), q.table({ time, v: q.longs([1n, 2n, 3n]) }));
    assertSame(await c.call(".guru.drop", q.symbol(name)), q.long(3n));
    await rejectsWith(c.call(".guru.query", q.symbol(name), q.nil), "guru.series.unknown");
    await rejectsWith(c.call(".guru.drop", q.symbol(name)), "guru.series.unknown");
  });

  it("returns 0 for an empty series", async () => {
    const name = await c.create("dropempty", "v:j");
    assertSame(await c.call(".guru.drop", q.symbol(name)), q.long(0n));
  });

  it("frees the name for any schema, with no data of the old series", async () => {
    const name = await c.create("recreate", "v:j");
    await c.call(".guru.write", q.symbol(name), q.table({ time: q.timestamps([t0]), v: q.longs([1n]) }));
    await c.call(".guru.drop", q.symbol(name));
    await c.call(".guru.create", q.symbol(name), seriesSchema("host:s* v:f"));
    const result = asTable(await c.call(".guru.query", q.symbol(name), q.nil));
    assert.deepEqual(result.columns, ["time", "host", "v"]);
    assert.equal(rowCount(result), 0);
  });

  it("refuses an unknown series and wrongly typed names", async () => {
    await rejectsWith(c.call(".guru.drop", q.symbol(uniqueName("never"))), "guru.series.unknown");
    await rejectsWith(c.call(".guru.drop", q.string("cpu")), "guru.type", "name");
    await rejectsWith(c.call(".guru.drop", q.nil), "guru.type", "name");
  });
});
