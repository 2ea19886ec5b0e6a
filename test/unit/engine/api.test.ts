import assert from "node:assert/strict";
import type { QValue } from "../../../qipc/src/types.js";
import { col, DAY, entry, MINUTE, NIL, openTestEngine, q, type TestEngine, values } from "./support.js";

const T0 = 24n * 365n * DAY; // a 2024-ish timestamp, in ns since 2000.01.01
const MAX_LONG = 9_223_372_036_854_775_807n;
const NULL_LONG = -9_223_372_036_854_775_808n;

const SCHEMA = "time:p host:s* region:s* usage:f temp:e n:j ok:b note:C span:n at:p cnt:i";

/** Six rows over two days: hosts a, b, c; nulls in usage, temp, n, cnt. */
function sample(): QValue {
  return q.table({
    time: q.tss(T0 + 1n, T0 + 2n, T0 + MINUTE, T0 + 7n * MINUTE + 3n, T0 + DAY, T0 + DAY + 1n),
    host: q.syms("a", "b", "a", "c", "b", "a"),
    region: q.syms("eu", "eu", "eu", "us", "us", "eu"),
    usage: q.floats(0.5, Number.NaN, 1.5, 2.5, 4, 8),
    temp: q.reals(20.5, 21, Number.NaN, 22, 23, 24),
    n: q.longs(MAX_LONG, NULL_LONG, 3n, 4n, 5n, 6n),
    ok: q.bools(true, false, true, true, false, true),
    note: q.strs("x", "", "a long string of text", "é", "y", "z"),
    span: q.spans(1n, 2n, 3n, 4n, 5n, 6n),
    at: q.tss(T0, NULL_LONG, T0, T0, T0, T0),
    cnt: q.ints(1, -2147483648, 3, 4, 5, 6),
  });
}

describe("engine: the guru q API, called in process", function () {
  this.timeout(20_000);
  let e: TestEngine;
  const query = (options: Record<string, QValue>) => e.call(".guru.query", q.sym("cpu"), q.dict(options));
  const agg = (spec: Record<string, [string, string]>) =>
    q.dict(Object.fromEntries(Object.entries(spec).map(([k, [fn, c]]) => [k, q.syms(fn, c)])));
  const where = (...conditions: QValue[]) => q.list(...conditions);
  const cond = (column: string, op: string, value: QValue) => q.list(q.sym(column), q.sym(op), value);

  before(async () => {
    e = await openTestEngine(2);
    await e.call(".guru.create", q.sym("cpu"), q.schema(SCHEMA));
    assert.deepEqual(await e.call(".guru.write", q.sym("cpu"), sample()), q.long(6n));
  });
  after(() => e.close());

  describe("calls", () => {
    it("refuses q source, bare names, other functions and malformed calls with 'access", async () => {
      const handleRaw = async (value: QValue) => {
        try {
          await e.call(".guru.ping", NIL);
          const { createHandler } = await import("../../../engine/src/api/dispatch.js");
          const ctx = { user: "t", sync: true, signal: new AbortController().signal, remoteAddress: "" };
          await createHandler(e.env)(value, ctx);
          return "ok";
        } catch (err) {
          return (err as { word: string }).word;
        }
      };
      assert.equal(await handleRaw(q.str("select from cpu")), "access");
      assert.equal(await handleRaw(q.str("\\l /etc/passwd")), "access");
      assert.equal(await handleRaw(q.sym(".guru.ping")), "access");
      assert.equal(await handleRaw(q.list(q.sym(".z.pg"), q.str("1+1"))), "access");
      assert.equal(await handleRaw(q.list(q.sym("value"), q.str("1+1"))), "access");
      assert.equal(await handleRaw(q.list(q.long(1n), NIL)), "access");
      assert.equal(await handleRaw(q.list(q.sym("toString"), NIL)), "access");
      assert.equal(await handleRaw(q.list(q.str(".guru.ping"), NIL)), "ok");
    });

    it("answers a wrong argument count with 'rank", async () => {
      assert.equal(await e.fails(".guru.ping", NIL, NIL), "rank");
      assert.equal(await e.fails(".guru.query", q.sym("cpu")), "rank");
    });

    it("pings", async () => {
      const pong = await e.call(".guru.ping", NIL);
      assert.deepEqual(entry(pong, "version"), q.str("1.0"));
      assert.deepEqual(entry(pong, "engine"), q.sym("guru-engine"));
      assert.equal(entry(pong, "uptime").type, -16);
      assert.equal(await e.fails(".guru.ping", q.long(1n)), "guru.type: x");
    });
  });

  describe(".guru.create", () => {
    it("returns the schema, and again for an identical create", async () => {
      const again = await e.call(".guru.create", q.sym("cpu"), q.schema(SCHEMA));
      assert.deepEqual(again, q.schema(SCHEMA));
    });

    it("refuses a different schema under an existing name", async () => {
      assert.equal(
        await e.fails(".guru.create", q.sym("cpu"), q.schema("time:p host:s*")),
        "guru.series.exists: cpu",
      );
    });

    it("refuses invalid schemas and names", async () => {
      const invalid = async (spec: string) =>
        (await e.fails(".guru.create", q.sym("x"), q.schema(spec))).split(":")[0];
      assert.equal(await invalid("host:s* time:p"), "guru.schema.invalid");
      assert.equal(await invalid("time:j"), "guru.schema.invalid");
      assert.equal(await invalid("time:p v:x"), "guru.schema.invalid");
      assert.equal(await invalid("time:p v:f*"), "guru.schema.invalid");
      assert.equal(await invalid("time:p v:f v:f"), "guru.schema.invalid");
      assert.equal(await invalid("time:p sum:f"), "guru.schema.invalid");
      assert.equal(await invalid("time:p date:f"), "guru.schema.invalid");
      assert.equal(
        (await e.fails(".guru.create", q.sym("9bad"), q.schema("time:p"))).split(":")[0],
        "guru.arg",
      );
      assert.equal(await e.fails(".guru.create", q.str("x"), q.schema("time:p")), "guru.type: name");
      assert.equal(await e.fails(".guru.create", q.sym("x"), q.dict({ a: q.long(1n) })), "guru.type: schema");
    });
  });

  describe(".guru.write", () => {
    it("refuses data that does not match the schema exactly", async () => {
      const mismatch = async (change: (t: Record<string, QValue>) => void) => {
        const columns = { ...(sample() as { columns: string[]; data: QValue[] }) };
        const byName = Object.fromEntries(columns.columns.map((c, i) => [c, columns.data[i] as QValue]));
        change(byName);
        return (await e.fails(".guru.write", q.sym("cpu"), q.table(byName))).split(":")[0];
      };
      assert.equal(await mismatch((t) => delete t.usage), "guru.schema.mismatch");
      assert.equal(await mismatch((t) => (t.extra = q.floats(1, 2, 3, 4, 5, 6))), "guru.schema.mismatch");
      assert.equal(await mismatch((t) => (t.usage = q.reals(1, 2, 3, 4, 5, 6))), "guru.schema.mismatch");
      assert.equal(await mismatch((t) => (t.time = q.longs(1n, 2n, 3n, 4n, 5n, 6n))), "guru.schema.mismatch");
      assert.equal(await mismatch((t) => (t.usage = q.floats(1))), "guru.schema.mismatch");
      assert.equal(await mismatch((t) => (t.time = q.tss(1n, NULL_LONG, 3n, 4n, 5n, 6n))), "guru.arg");
    });

    it("refuses unknown series and non-tables", async () => {
      assert.equal(await e.fails(".guru.write", q.sym("nope"), sample()), "guru.series.unknown: nope");
      assert.equal(await e.fails(".guru.write", q.sym("cpu"), q.long(1n)), "guru.type: data");
    });

    it("takes a dict of columns and zero rows", async () => {
      await e.call(".guru.create", q.sym("small"), q.schema("time:p v:j"));
      assert.deepEqual(
        await e.call(".guru.write", q.sym("small"), q.dict({ v: q.longs(7n), time: q.tss(5n) })),
        q.long(1n),
      );
      assert.deepEqual(
        await e.call(".guru.write", q.sym("small"), q.dict({ time: q.tss(), v: q.longs() })),
        q.long(0n),
      );
      const t = await e.call(".guru.query", q.sym("small"), NIL);
      assert.deepEqual(values(t, "v"), [7n]);
      await e.call(".guru.drop", q.sym("small"));
    });
  });

  describe(".guru.query: raw", () => {
    it("returns every row in time order with exact values and nulls", async () => {
      const t = await e.call(".guru.query", q.sym("cpu"), NIL);
      assert.deepEqual(
        (t as { columns: string[] }).columns,
        SCHEMA.split(" ").map((c) => c.split(":")[0]),
      );
      assert.deepEqual(col(t, "time"), col(sample(), "time"));
      assert.deepEqual(values(t, "n"), [MAX_LONG, NULL_LONG, 3n, 4n, 5n, 6n]);
      assert.deepEqual(values(t, "host"), ["a", "b", "a", "c", "b", "a"]);
      assert.ok(Number.isNaN(values(t, "usage")[1]));
      assert.ok(Number.isNaN(values(t, "temp")[2]));
      assert.deepEqual(values(t, "cnt")[1], -2147483648);
      assert.deepEqual(values(t, "at")[1], NULL_LONG);
      assert.deepEqual(values(t, "note"), ["x", "", "a long string of text", "é", "y", "z"]);
      assert.deepEqual(values(t, "ok"), [true, false, true, true, false, true]);
      assert.equal(col(t, "temp").type, 8);
      assert.equal(col(t, "span").type, 16);
    });

    it("selects a range (end exclusive), columns and order", async () => {
      const t = await query({
        start: q.ts(T0 + 2n),
        end: q.ts(T0 + DAY),
        columns: q.syms("usage", "host"),
        order: q.sym("desc"),
      });
      assert.deepEqual((t as { columns: string[] }).columns, ["time", "usage", "host"]);
      assert.deepEqual(values(t, "time"), [T0 + 7n * MINUTE + 3n, T0 + MINUTE, T0 + 2n]);
    });

    it("reads a uniform options dict sent as a typed vector", async () => {
      const options: QValue = {
        type: 99,
        keys: q.syms("start", "end"),
        values: q.tss(T0 + DAY, T0 + 2n * DAY),
      };
      const t = await e.call(".guru.query", q.sym("cpu"), options);
      assert.deepEqual(values(t, "time"), [T0 + DAY, T0 + DAY + 1n]);
    });

    const hostsWhere = async (...conditions: QValue[]) =>
      values(await query({ where: where(...conditions), columns: q.syms("host") }), "time");

    it("filters symbols by text", async () => {
      assert.deepEqual(await hostsWhere(cond("host", "=", q.sym("a"))), [
        T0 + 1n,
        T0 + MINUTE,
        T0 + DAY + 1n,
      ]);
      assert.equal((await hostsWhere(cond("host", "<>", q.sym("a")))).length, 3);
      assert.equal((await hostsWhere(cond("host", ">", q.sym("a")))).length, 3);
      assert.equal((await hostsWhere(cond("host", "<=", q.sym("b")))).length, 5);
      assert.equal((await hostsWhere(cond("host", "in", q.syms("b", "c", "zz")))).length, 3);
      assert.equal((await hostsWhere(cond("host", "within", q.syms("b", "c")))).length, 3);
      assert.equal((await hostsWhere(cond("region", "like", q.str("u*")))).length, 2);
      assert.equal((await hostsWhere(cond("host", "=", q.sym("nobody")))).length, 0);
      assert.equal((await hostsWhere(cond("host", "in", q.list()))).length, 0);
    });

    it("filters numbers with nulls below every value", async () => {
      assert.equal((await hostsWhere(cond("usage", "<", q.float(1)))).length, 2);
      assert.equal((await hostsWhere(cond("usage", "=", q.float(Number.NaN)))).length, 1);
      assert.equal((await hostsWhere(cond("usage", ">=", q.float(2.5)))).length, 3);
      assert.equal((await hostsWhere(cond("usage", "<>", q.float(0.5)))).length, 5);
      assert.equal((await hostsWhere(cond("n", "=", q.long(MAX_LONG)))).length, 1);
      assert.equal((await hostsWhere(cond("n", "<=", q.long(NULL_LONG)))).length, 1);
      assert.equal((await hostsWhere(cond("cnt", "in", q.ints(3, -2147483648)))).length, 2);
      assert.equal((await hostsWhere(cond("temp", "within", q.reals(21, 22)))).length, 2);
      assert.equal((await hostsWhere(cond("ok", "=", q.bool(false)))).length, 2);
      assert.equal((await hostsWhere(cond("time", ">", q.ts(T0 + DAY)))).length, 1);
      assert.equal((await hostsWhere(cond("span", "in", q.spans(1n, 6n)))).length, 2);
    });

    it("filters strings and combines conditions", async () => {
      assert.equal((await hostsWhere(cond("note", "=", q.str("")))).length, 1);
      assert.equal((await hostsWhere(cond("note", "like", q.str("a*[xt]")))).length, 1);
      assert.equal((await hostsWhere(cond("note", "in", q.strs("x", "y")))).length, 2);
      assert.equal(
        (await hostsWhere(cond("host", "=", q.sym("a")), cond("usage", ">", q.float(1)))).length,
        2,
      );
      // a condition of three symbols arrives as a symbol vector
      assert.equal((await hostsWhere(q.syms("host", "=", "b"))).length, 2);
    });

    it("refuses bad conditions", async () => {
      const fails = (c: QValue) => e.fails(".guru.query", q.sym("cpu"), q.dict({ where: where(c) }));
      assert.equal(await fails(cond("usage", "=", q.long(1n))), "guru.type: options.where");
      assert.equal(
        await fails(cond("usage", "like", q.str("1*"))),
        "guru.arg: options.where: like on usage (type f)",
      );
      assert.equal(await fails(cond("note", "<", q.str("a"))), "guru.arg: options.where: < on note (type C)");
      assert.equal(await fails(cond("usage", "~", q.float(1))), "guru.arg: options.where ~");
      assert.equal(await fails(cond("nope", "=", q.float(1))), "guru.column.unknown: nope");
      assert.equal(
        await fails(cond("usage", "within", q.floats(1))),
        "guru.arg: options.where: within takes 2 values",
      );
    });

    it("type checks every option", async () => {
      const fails = (options: Record<string, QValue>) =>
        e.fails(".guru.query", q.sym("cpu"), q.dict(options));
      assert.equal(await e.fails(".guru.query", q.sym("cpu"), q.long(1n)), "guru.type: options");
      assert.equal(await fails({ start: q.long(1n) }), "guru.type: options.start");
      assert.equal(await fails({ end: q.str("x") }), "guru.type: options.end");
      assert.equal(
        await fails({ bucket: q.long(5n), agg: agg({ u: ["avg", "usage"] }) }),
        "guru.type: options.bucket",
      );
      assert.equal(await fails({ limit: q.int(5) }), "guru.type: options.limit");
      assert.equal(await fails({ cursor: q.sym("x") }), "guru.type: options.cursor");
      assert.equal(await fails({ order: q.str("asc") }), "guru.type: options.order");
      assert.equal(await fails({ order: q.sym("up") }), "guru.arg: options.order up");
      assert.equal(await fails({ nope: q.long(1n) }), "guru.arg: options.nope");
      assert.equal(
        await fails({ by: q.sym("usage"), agg: agg({ u: ["avg", "usage"] }) }),
        "guru.arg: options.by: usage is not a tag",
      );
      assert.equal((await fails({ by: q.sym("host") })).split(":")[0], "guru.arg");
      assert.equal(
        (await fails({ fill: q.sym("prev"), agg: agg({ u: ["avg", "usage"] }) })).split(":")[0],
        "guru.arg",
      );
      assert.equal((await fails({ agg: agg({ u: ["avg", "note"] }) })).split(":")[0], "guru.arg");
      assert.equal((await fails({ agg: agg({ u: ["mode", "usage"] }) })).split(":")[0], "guru.arg");
      assert.equal(await fails({ agg: agg({ u: ["avg", "nope"] }) }), "guru.column.unknown: nope");
      assert.equal(await e.fails(".guru.query", q.sym("nope"), NIL), "guru.series.unknown: nope");
    });
  });

  describe(".guru.query: aggregates", () => {
    it("computes every function by a tag, sorted by the tag", async () => {
      const t = await query({
        by: q.sym("host"),
        agg: agg({
          f: ["first", "usage"],
          l: ["last", "note"],
          lo: ["min", "temp"],
          hi: ["max", "n"],
          s: ["sum", "usage"],
          si: ["sum", "cnt"],
          a: ["avg", "usage"],
          c: ["count", "usage"],
          rows: ["count", "time"],
          d: ["dev", "usage"],
          m: ["med", "usage"],
        }),
      });
      assert.deepEqual(values(t, "host"), ["a", "b", "c"]);
      assert.deepEqual(values(t, "f"), [0.5, Number.NaN, 2.5]);
      assert.deepEqual(values(t, "l"), ["z", "y", "é"]);
      assert.deepEqual(values(t, "lo"), [20.5, 21, 22]);
      assert.deepEqual(values(t, "hi"), [MAX_LONG, 5n, 4n]);
      assert.deepEqual(values(t, "s"), [10, 4, 2.5]);
      assert.deepEqual(values(t, "si"), [10n, 5n, 4n]);
      assert.deepEqual(values(t, "a"), [10 / 3, 4, 2.5]);
      assert.deepEqual(values(t, "c"), [3n, 1n, 1n]);
      assert.deepEqual(values(t, "rows"), [3n, 2n, 1n]);
      assert.deepEqual(values(t, "m"), [1.5, 4, 2.5]);
      assert.equal(values(t, "d")[1] as number, 0);
      assert.deepEqual(
        (t as { data: QValue[] }).data.map((c) => c.type),
        [11, 9, 0, 8, 7, 9, 7, 9, 7, 7, 9, 9],
      );
    });

    it("returns one row without by or bucket, even when nothing matches", async () => {
      const t = await query({
        start: q.ts(0n),
        end: q.ts(1n),
        agg: agg({ c: ["count", "usage"], s: ["sum", "n"], a: ["avg", "usage"] }),
      });
      assert.deepEqual(values(t, "c"), [0n]);
      assert.deepEqual(values(t, "s"), [0n]);
      assert.ok(Number.isNaN(values(t, "a")[0]));
    });

    it("buckets from 2000.01.01, floored, with order", async () => {
      const t = await query({
        bucket: q.span(5n * MINUTE),
        agg: agg({ c: ["count", "time"] }),
        end: q.ts(T0 + DAY),
      });
      assert.deepEqual(values(t, "time"), [T0, T0 + 5n * MINUTE]);
      assert.deepEqual(values(t, "c"), [3n, 1n]);
      const desc = await query({
        bucket: q.span(DAY),
        agg: agg({ c: ["count", "time"] }),
        by: q.sym("region"),
        order: q.sym("desc"),
      });
      assert.deepEqual(values(desc, "time"), [T0 + DAY, T0 + DAY, T0, T0]);
      assert.deepEqual(values(desc, "region"), ["eu", "us", "eu", "us"]);
    });

    it("fills empty buckets by each rule", async () => {
      const base = {
        start: q.ts(T0),
        end: q.ts(T0 + 10n * MINUTE),
        bucket: q.span(MINUTE),
        by: q.sym("host"),
      };
      const run = (fill: string, spec: Record<string, [string, string]>) =>
        query({ ...base, fill: q.sym(fill), agg: agg(spec), where: where(cond("host", "=", q.sym("a"))) });
      const none = await query({
        ...base,
        agg: agg({ s: ["sum", "usage"] }),
        where: where(cond("host", "=", q.sym("a"))),
      });
      assert.deepEqual(values(none, "time"), [T0, T0 + MINUTE]);
      const nul = await run("null", { s: ["sum", "usage"], a: ["avg", "usage"], c: ["count", "usage"] });
      assert.equal(values(nul, "time").length, 10);
      assert.deepEqual(values(nul, "s").slice(0, 3), [0.5, 1.5, 0]);
      assert.deepEqual(values(nul, "c").slice(0, 3), [1n, 1n, 0n]);
      assert.ok(Number.isNaN(values(nul, "a")[2]));
      const zero = await run("zero", { a: ["avg", "usage"], f: ["first", "at"] });
      assert.deepEqual(values(zero, "a").slice(1, 3), [1.5, 0]);
      assert.deepEqual(values(zero, "f")[2], NULL_LONG);
      const prev = await run("prev", { a: ["avg", "usage"] });
      assert.deepEqual(values(prev, "a"), [0.5, ...Array(9).fill(1.5)]);
    });

    it("interpolates linearly between neighbouring buckets", async () => {
      const t = await query({
        start: q.ts(T0),
        end: q.ts(T0 + 8n * MINUTE),
        bucket: q.span(MINUTE),
        fill: q.sym("linear"),
        agg: agg({ a: ["max", "usage"], n: ["max", "n"], t: ["max", "span"], c: ["count", "time"] }),
        where: where(cond("host", "in", q.syms("a", "c"))),
      });
      // buckets 0, 1 and 7 hold data: max usage 0.5, 1.5 and 2.5; a + ((b - a) * dk) % span
      const expected = [0.5, 1.5, ...[1, 2, 3, 4, 5].map((dk) => 1.5 + (1 * dk) / 6), 2.5];
      assert.deepEqual(values(t, "a"), expected);
      assert.deepEqual(values(t, "t"), [1n, 3n, 3n, 3n, 3n, 3n, 3n, 4n]);
      assert.deepEqual(values(t, "n").slice(1, 3), [3n, 3n]);
    });

    it("pages an aggregated result by position", async () => {
      const options = { by: q.sym("host"), agg: agg({ c: ["count", "time"] }), limit: q.long(2n) };
      const first = await query(options);
      assert.deepEqual(values(entry(first, "data"), "host"), ["a", "b"]);
      const next = entry(first, "next");
      assert.equal(next.type, 10);
      const second = await query({ ...options, cursor: next });
      assert.deepEqual(values(entry(second, "data"), "host"), ["c"]);
      assert.deepEqual(entry(second, "next"), NIL);
    });
  });

  describe(".guru.query: paging raw rows", () => {
    before(async () => {
      await e.call(".guru.create", q.sym("ticks"), q.schema("time:p v:j"));
      // 25 rows at only 5 distinct times: pages must split runs of equal times correctly
      const time = Array.from({ length: 25 }, (_, i) => T0 + BigInt(Math.floor(i / 5)));
      await e.call(
        ".guru.write",
        q.sym("ticks"),
        q.table({ time: q.tss(...time), v: q.longs(...time.map((_, i) => BigInt(i))) }),
      );
    });

    for (const order of ["asc", "desc"]) {
      it(`returns every row exactly once, ${order}`, async () => {
        const seen: bigint[] = [];
        let cursor: QValue | undefined;
        for (let page = 0; page < 20; page++) {
          const options: Record<string, QValue> = { limit: q.long(3n), order: q.sym(order) };
          if (cursor !== undefined) options.cursor = cursor;
          const r = await e.call(".guru.query", q.sym("ticks"), q.dict(options));
          seen.push(...(values(entry(r, "data"), "v") as bigint[]));
          cursor = entry(r, "next");
          if (cursor.type !== 10) break;
        }
        assert.equal(seen.length, 25);
        assert.deepEqual(
          [...seen].sort((a, b) => Number(a - b)),
          Array.from({ length: 25 }, (_, i) => BigInt(i)),
        );
      });
    }

    it("refuses a cursor of another query", async () => {
      const r = await e.call(".guru.query", q.sym("ticks"), q.dict({ limit: q.long(3n) }));
      const cursor = entry(r, "next");
      const fails = await e.fails(
        ".guru.query",
        q.sym("ticks"),
        q.dict({ limit: q.long(3n), order: q.sym("desc"), cursor }),
      );
      assert.equal(fails, "guru.arg: cursor");
      assert.equal(
        await e.fails(".guru.query", q.sym("ticks"), q.dict({ cursor: q.str("garbage") })),
        "guru.arg: cursor",
      );
    });

    it("refuses an unpaged result above the row limit", async () => {
      const big = Array.from({ length: 1001 }, (_, i) => T0 + BigInt(i));
      await e.call(".guru.write", q.sym("ticks"), q.table({ time: q.tss(...big), v: q.longs(...big) }));
      assert.equal((await e.fails(".guru.query", q.sym("ticks"), NIL)).split(":")[0], "guru.query.limit");
      const paged = await e.call(".guru.query", q.sym("ticks"), q.dict({ limit: q.long(5000n) }));
      assert.equal(values(entry(paged, "data"), "v").length, 1000);
      assert.equal(entry(paged, "next").type, 10);
    });
  });

  describe("last, series, stats, delete, drop", () => {
    it("returns the latest row per group", async () => {
      const t = await e.call(".guru.last", q.sym("cpu"), q.sym("host"));
      assert.deepEqual(values(t, "host"), ["a", "b", "c"]);
      assert.deepEqual(values(t, "time"), [T0 + DAY + 1n, T0 + DAY, T0 + 7n * MINUTE + 3n]);
      const latest = await e.call(".guru.last", q.sym("cpu"), q.list());
      assert.deepEqual(values(latest, "time"), [T0 + DAY + 1n]);
      assert.equal(
        await e.fails(".guru.last", q.sym("cpu"), q.sym("usage")),
        "guru.arg: by: usage is not a tag",
      );
      assert.equal(await e.fails(".guru.last", q.sym("cpu"), q.long(1n)), "guru.type: by");
    });

    it("lists series with their extent", async () => {
      const t = await e.call(".guru.series", NIL);
      const i = (values(t, "name") as string[]).indexOf("cpu");
      assert.equal(values(t, "rows")[i], 6n);
      assert.equal(values(t, "firstTime")[i], T0 + 1n);
      assert.equal(values(t, "lastTime")[i], T0 + DAY + 1n);
      assert.deepEqual(values(t, "tags")[i], q.syms("host", "region"));
    });

    it("reports stats per segment", async () => {
      const s = await e.call(".guru.stats", NIL);
      assert.deepEqual(entry(s, "series"), q.long(2n));
      const segments = entry(s, "segments");
      assert.deepEqual(values(segments, "path"), e.segments);
      assert.ok((values(segments, "bytes") as bigint[]).every((b) => b > 0n));
      assert.ok((entry(s, "memory") as { value: bigint }).value > 0n);
    });

    it("deletes a range and drops a series", async () => {
      assert.deepEqual(
        await e.call(".guru.delete", q.sym("cpu"), q.ts(T0 + DAY), q.ts(NULL_LONG)),
        q.long(2n),
      );
      assert.deepEqual(
        await e.call(".guru.delete", q.sym("cpu"), q.ts(T0 + DAY), q.ts(NULL_LONG)),
        q.long(0n),
      );
      assert.equal(await e.fails(".guru.delete", q.sym("cpu"), q.long(1n), q.ts(1n)), "guru.type: start");
      assert.deepEqual(await e.call(".guru.drop", q.sym("cpu")), q.long(4n));
      assert.equal(await e.fails(".guru.query", q.sym("cpu"), NIL), "guru.series.unknown: cpu");
      assert.equal(await e.fails(".guru.drop", q.sym("cpu")), "guru.series.unknown: cpu");
    });
  });
});
