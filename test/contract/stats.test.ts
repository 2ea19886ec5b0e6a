/** docs/q-api.md `.guru.stats`: rows, series, bytes per segment, memory. */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { at, SECOND } from "./support/time.js";
import { asTable, bigints, entries, items, text } from "./support/values.js";

describe(".guru.stats", () => {
  const c = useContract();
  const stats = async () => entries(await c.call(".guru.stats", q.nil));
  const long = (value: QValue | undefined) => {
    assert.equal(value?.type, -7, "expected a long atom");
    return value.value as bigint;
  };

  it("answers rows, series, segments and memory, in that order and of the documented types", async () => {
    const reply = await stats();
    assert.deepEqual([...reply.keys()], ["rows", "series", "segments", "memory"]);
    assert.ok(long(reply.get("rows")) >= 0n);
    assert.ok(long(reply.get("memory")) > 0n);
    const segments = asTable(reply.get("segments") as QValue);
    assert.deepEqual(segments.columns, ["path", "bytes"]);
    const [path, bytes] = segments.data as [QValue, QValue];
    assert.equal(path.type, 0);
    for (const p of items(path)) assert.equal(p.type, 10);
    for (const b of bigints(bytes)) assert.ok(b >= 0n);
    const known = c.target().segments;
    if (known) assert.deepEqual(items(path).map(text), known);
  });

  it("counts written rows and created series exactly", async () => {
    const before = await stats();
    const name = await c.create("stats", "v:j");
    const t0 = at("2024-02-02T00:00:00Z");
    const time = q.timestamps(Array.from({ length: 7 }, (_, i) => t0 + BigInt(i) * 86_400n * SECOND));
    await c.call(".guru.write", q.symbol(name), q.table({ time, v: q.longs([1n, 2n, 3n, 4n, 5n, 6n, 7n]) }));
    const after = await stats();
    assert.equal(long(after.get("rows")) - long(before.get("rows")), 7n);
    assert.equal(long(after.get("series")) - long(before.get("series")), 1n);
  });

  it("takes only :: (guru.type: x)", async () => {
    await rejectsWith(c.call(".guru.stats", q.symbols([])), "guru.type", "x");
  });
});
