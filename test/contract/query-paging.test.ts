/**
 * docs/q-api.md `.guru.query`, limit and cursor: pages cover every row once, in order, across
 * runs of equal times; rows written meanwhile appear later; aggregated pages; cursor misuse.
 */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { aggregate } from "./support/options.js";
import { allPages, asPage, joinColumn } from "./support/paging.js";
import { seriesSchema } from "./support/schema.js";
import { at, SECOND } from "./support/time.js";
import { assertSame, bigints, column, rowCount } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const N = 157;
/** Runs of three equal times, so page boundaries fall inside runs. */
const timeOf = (i: number) => T0 + BigInt(Math.floor(i / 3)) * SECOND;
const IDS = Array.from({ length: N }, (_, i) => i);

function rows(ids: readonly number[]) {
  return q.table({
    time: q.timestamps(ids.map(timeOf)),
    host: q.symbols(ids.map((i) => (i % 2 === 0 ? "a" : "b"))),
    id: q.longs(ids.map(BigInt)),
  });
}

describe(".guru.query: limit and cursor", () => {
  const c = useContract();
  let name: string;

  before(async () => {
    name = await c.create("paging", "host:s* id:j");
    // two batches, the second holding earlier times, so storage order is not time order
    await c.call(".guru.write", q.symbol(name), rows(IDS.slice(80)));
    await c.call(".guru.write", q.symbol(name), rows(IDS.slice(0, 80)));
  });

  const expectCovered = (ids: unknown[], times: unknown[], order: "asc" | "desc") => {
    assert.deepEqual(
      [...(ids as bigint[])].sort((a, b) => Number(a - b)),
      IDS.map(BigInt),
      "every row exactly once",
    );
    const sorted = [...(times as bigint[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(times, order === "asc" ? sorted : sorted.reverse(), "in time order");
    (ids as bigint[]).forEach((id, k) => {
      assert.equal(times[k], timeOf(Number(id)), "each row keeps its time");
    });
  };

  for (const order of ["asc", "desc"] as const) {
    for (const limit of [1n, 2n, 3n, 10n, 156n, 157n, 1000n]) {
      it(`pages through all rows, ${order}, limit ${limit}`, async () => {
        const pages = await allPages(c.client(), name, { order: q.symbol(order) }, limit);
        assert.equal(pages.length, Math.max(1, Math.ceil(N / Number(limit))));
        expectCovered(joinColumn(pages, "id"), joinColumn(pages, "time"), order);
      });
    }
  }

  it("pages a range with a filter, returning the columns asked for", async () => {
    const options = {
      start: q.timestamp(timeOf(30)),
      end: q.timestamp(timeOf(90)),
      where: q.list(q.symbols(["host", "=", "a"])),
      columns: q.symbol("id"),
    };
    const pages = await allPages(c.client(), name, options, 7n);
    for (const page of pages) assert.deepEqual(page.columns, ["time", "id"]);
    const expected = IDS.filter((i) => i >= 30 && i < 90 && i % 2 === 0).map(BigInt);
    assert.deepEqual(
      [...(joinColumn(pages, "id") as bigint[])].sort((a, b) => Number(a - b)),
      expected,
    );
  });

  it("answers a dict of data and :: when one page holds everything", async () => {
    const page = asPage(await c.call(".guru.query", q.symbol(name), q.dictOf({ limit: q.long(1000n) })));
    assert.equal(rowCount(page.data), N);
    assert.equal(page.next, null);
  });

  it("takes a cursor alone (page size: the row limit) and another limit on later pages", async () => {
    const first = asPage(await c.call(".guru.query", q.symbol(name), q.dictOf({ limit: q.long(10n) })));
    assert.ok(first.next);
    const second = asPage(
      await c.call(".guru.query", q.symbol(name), q.dictOf({ limit: q.long(20n), cursor: first.next })),
    );
    assert.equal(rowCount(second.data), 20);
    assert.ok(second.next);
    const rest = asPage(await c.call(".guru.query", q.symbol(name), q.dictOf({ cursor: second.next })));
    assert.equal(rowCount(rest.data), N - 30);
    assert.equal(rest.next, null);
  });

  it("shows rows written between pages at later times in later pages", async () => {
    const growing = await c.create("growing", "host:s* id:j");
    await c.call(".guru.write", q.symbol(growing), rows(IDS.slice(0, 20)));
    const first = asPage(await c.call(".guru.query", q.symbol(growing), q.dictOf({ limit: q.long(10n) })));
    await c.call(".guru.write", q.symbol(growing), rows(IDS.slice(20, 40)));
    const rest = asPage(
      await c.call(
        ".guru.query",
        q.symbol(growing),
        q.dictOf({ limit: q.long(100n), cursor: first.next as QValue }),
      ),
    );
    const ids = [...bigints(column(first.data, "id")), ...bigints(column(rest.data, "id"))];
    assert.deepEqual(
      [...ids].sort((a, b) => Number(a - b)),
      IDS.slice(0, 40).map(BigInt),
    );
  });

  it("pages an aggregated result by position, matching the unpaged result", async () => {
    const options = {
      bucket: q.timespan(10n * SECOND),
      by: q.symbol("host"),
      agg: aggregate({ n: ["count", "id"], s: ["sum", "id"] }),
    };
    const whole = await c.call(".guru.query", q.symbol(name), q.dictOf(options));
    const pages = await allPages(c.client(), name, options, 4n);
    const joined = q.table({
      time: q.timestamps(joinColumn(pages, "time") as bigint[]),
      host: q.symbols(joinColumn(pages, "host") as string[]),
      n: q.longs(joinColumn(pages, "n") as bigint[]),
      s: q.longs(joinColumn(pages, "s") as bigint[]),
    });
    assertSame(joined, whole);
  });

  describe("cursor misuse: guru.arg", () => {
    let cursor: QValue;
    before(async () => {
      cursor = asPage(await c.call(".guru.query", q.symbol(name), q.dictOf({ limit: q.long(5n) })))
        .next as QValue;
    });
    const continueWith = (series: string, options: Record<string, QValue>) =>
      c.call(".guru.query", q.symbol(series), q.dictOf({ limit: q.long(5n), cursor, ...options }));

    const OTHER_OPTIONS: readonly [string, Record<string, QValue>][] = [
      ["another start", { start: q.timestamp(T0 + SECOND) }],
      ["another end", { end: q.timestamp(T0 + 100n * SECOND) }],
      ["another order", { order: q.symbol("desc") }],
      ["a filter", { where: q.list(q.symbols(["host", "=", "a"])) }],
      ["other columns", { columns: q.symbol("id") }],
      ["an aggregate", { agg: aggregate({ n: ["count", "id"] }) }],
    ];
    for (const [what, options] of OTHER_OPTIONS) {
      it(`with ${what}`, async () => {
        await rejectsWith(continueWith(name, options), "guru.arg");
      });
    }

    it("on another series of the same schema", async () => {
      const other = await c.create("paging2", "host:s* id:j");
      await rejectsWith(continueWith(other, {}), "guru.arg");
    });

    it("after the series was dropped and created again", async () => {
      const again = await c.create("reborn", "host:s* id:j");
      await c.call(".guru.write", q.symbol(again), rows(IDS.slice(0, 20)));
      const stale = asPage(await c.call(".guru.query", q.symbol(again), q.dictOf({ limit: q.long(5n) })))
        .next as QValue;
      await c.call(".guru.drop", q.symbol(again));
      await c.call(".guru.create", q.symbol(again), seriesSchema("host:s* id:j"));
      await c.call(".guru.write", q.symbol(again), rows(IDS.slice(0, 20)));
      await rejectsWith(c.call(".guru.query", q.symbol(again), q.dictOf({ cursor: stale })), "guru.arg");
    });

    for (const text of ["", "not-a-cursor", "{}", "eyJxIjoiIn0"]) {
      it(`made up: ${JSON.stringify(text)}`, async () => {
        await rejectsWith(continueWith(name, { cursor: q.string(text) }), "guru.arg");
      });
    }
  });

  describe("limit and cursor refusals", () => {
    const CASES: readonly [string, Record<string, QValue>, string, string?][] = [
      ["limit 0", { limit: q.long(0n) }, "guru.arg"],
      ["a negative limit", { limit: q.long(-1n) }, "guru.arg"],
      ["limit as an int", { limit: q.int(10) }, "guru.type", "options.limit"],
      ["limit as a float", { limit: q.float(10) }, "guru.type", "options.limit"],
      ["cursor as a symbol", { cursor: q.symbol("abc") }, "guru.type", "options.cursor"],
    ];
    for (const [what, options, word, detail] of CASES) {
      it(`${what}: ${word}`, async () => {
        await rejectsWith(c.call(".guru.query", q.symbol(name), q.dictOf(options)), word, detail);
      });
    }
  });
});
