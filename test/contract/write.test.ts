/** docs/q-api.md `.guru.write`: exact round trips of every type, both data forms, and refusals. */
import type { QTable, QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { ALL_TYPES, allTypesRows } from "./support/fixtures.js";
import { uniqueName } from "./support/schema.js";
import { at, NULL_TIME, SECOND } from "./support/time.js";
import { assertSame, sliceRows, strings } from "./support/values.js";

/** A table's columns as a dict of symbol names to the same vectors, in the given column order. */
function asDictForm(table: QTable, order: readonly string[] = table.columns): QValue {
  return q.dictOf(
    Object.fromEntries(order.map((name) => [name, table.data[table.columns.indexOf(name)] as QValue])),
  );
}

const T0 = at("2024-06-01T00:00:00Z");

/** Data for a series `host:s* v:f note:C`, one row, with one column replaced or dropped. */
function simple(change: Record<string, QValue | undefined> = {}): QValue {
  const base: Record<string, QValue | undefined> = {
    time: q.timestamps([T0]),
    host: q.symbols(["a"]),
    v: q.floats([1]),
    note: strings(["n"]),
    ...change,
  };
  return q.dictOf(
    Object.fromEntries(Object.entries(base).filter((e): e is [string, QValue] => e[1] !== undefined)),
  );
}

const MISMATCHES: readonly [string, QValue][] = [
  ["a missing column", simple({ note: undefined })],
  ["an extra column", simple({ extra: q.floats([1]) })],
  ["a column named in another case", simple({ v: undefined, V: q.floats([1]) })],
  ["reals for a float column", simple({ v: q.reals([1]) })],
  ["longs for a float column", simple({ v: q.longs([1n]) })],
  ["longs for the time column", simple({ time: q.longs([T0]) })],
  ["strings for a symbol column", simple({ host: strings(["a"]) })],
  ["symbols for a string column", simple({ note: q.symbols(["n"]) })],
  ["one char vector for a string column", simple({ note: q.string("n") })],
  ["a symbol inside a string column", simple({ note: q.list(q.symbol("n")) })],
  ["an atom instead of a vector", simple({ v: q.float(1) })],
  ["an atom for time", simple({ time: q.timestamp(T0) })],
  ["columns of different lengths", simple({ v: q.floats([1, 2]) })],
];

describe(".guru.write", () => {
  const c = useContract();
  const write = (name: string, data: QValue) => c.call(".guru.write", q.symbol(name), data);
  const readAll = (name: string) => c.call(".guru.query", q.symbol(name), q.nil);

  it("round-trips every type exactly, nulls and extremes included (table form)", async () => {
    const name = await c.create("types", ALL_TYPES);
    const rows = allTypesRows();
    assertSame(await write(name, rows), q.long(4n));
    assertSame(await readAll(name), rows);
  });

  it("takes a dict of columns in any order", async () => {
    const name = await c.create("dict", ALL_TYPES);
    const rows = allTypesRows();
    const reversed = [...rows.columns].reverse();
    assertSame(await write(name, asDictForm(rows, reversed)), q.long(4n));
    assertSame(await readAll(name), rows);
  });

  it("takes a table with its columns in another order", async () => {
    const name = await c.create("tableorder", ALL_TYPES);
    const rows = allTypesRows();
    const order = [...rows.columns.slice(1), "time"];
    const shuffled = q.table(
      Object.fromEntries(order.map((col) => [col, rows.data[rows.columns.indexOf(col)] as QValue])),
    );
    await write(name, shuffled);
    assertSame(await readAll(name), rows);
  });

  it("takes rows in any time order and returns them sorted", async () => {
    const name = await c.create("unsorted", ALL_TYPES);
    const rows = allTypesRows();
    await write(name, sliceRows(rows, [2, 0, 3, 1]));
    assertSame(await readAll(name), rows);
  });

  it("writes zero rows as 0, in both forms, with () for an empty string column", async () => {
    const name = await c.create("zero", "host:s* v:f note:C");
    const empty = { time: q.timestamps([]), host: q.symbols([]), v: q.floats([]), note: q.list() };
    assertSame(await write(name, q.table(empty)), q.long(0n));
    assertSame(await write(name, q.dictOf(empty)), q.long(0n));
    assertSame(await readAll(name), q.table(empty));
  });

  it("appends: a second batch adds to the first", async () => {
    const name = await c.create("append", "v:j");
    const batch = (from: number) =>
      q.table({ time: q.timestamps([T0 + BigInt(from) * SECOND]), v: q.longs([BigInt(from)]) });
    await write(name, batch(1));
    await write(name, batch(0));
    assertSame(await readAll(name), q.table({ time: q.timestamps([T0, T0 + SECOND]), v: q.longs([0n, 1n]) }));
  });

  describe("guru.schema.mismatch", () => {
    for (const [what, data] of MISMATCHES) {
      it(`refuses ${what}, writing nothing`, async () => {
        const name = await c.create("mismatch", "host:s* v:f note:C");
        await rejectsWith(write(name, data), "guru.schema.mismatch");
        assertSame(
          await readAll(name),
          q.table({ time: q.timestamps([]), host: q.symbols([]), v: q.floats([]), note: q.list() }),
        );
      });
    }
  });

  it("refuses a null time with guru.arg, writing nothing of the batch", async () => {
    const name = await c.create("nulltime", "v:j");
    const data = q.table({ time: q.timestamps([T0, NULL_TIME]), v: q.longs([1n, 2n]) });
    await rejectsWith(write(name, data), "guru.arg");
    assertSame(await readAll(name), q.table({ time: q.timestamps([]), v: q.longs([]) }));
  });

  describe("guru.type: data", () => {
    const WRONG: readonly [string, QValue][] = [
      ["a long", q.long(1n)],
      ["::", q.nil],
      ["a general list of columns", q.list(q.timestamps([T0]), q.longs([1n]))],
      ["a dict with long keys", q.dict(q.longs([1n]), q.list(q.timestamps([T0])))],
      ["a keyed table", q.keyedTable(q.table({ time: q.timestamps([T0]) }), q.table({ v: q.longs([1n]) }))],
    ];
    for (const [what, data] of WRONG) {
      it(what, async () => {
        const name = await c.create("typedata", "v:j");
        await rejectsWith(write(name, data), "guru.type", "data");
      });
    }
  });

  it("checks the name's type, then data's type, then that the series exists", async () => {
    const data = q.table({ time: q.timestamps([T0]), v: q.longs([1n]) });
    await rejectsWith(c.call(".guru.write", q.string("cpu"), data), "guru.type", "name");
    await rejectsWith(write(uniqueName("nosuch"), q.long(1n)), "guru.type", "data");
    await rejectsWith(write(uniqueName("nosuch"), data), "guru.series.unknown");
  });
});
