/**
 * node-q 2.7 as a second, independent client for the calls it can make: its char-vector names,
 * its typed wrappers, and the wrongly typed values its defaults send (floats, datetimes, strings),
 * which the contract must refuse rather than convert. Writes made with node-q are read back
 * exactly with our client.
 */
import { strict as assert } from "node:assert";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { connectNodeQ, type NodeQClient, nodeq } from "./support/node-q.js";
import { at, SECOND } from "./support/time.js";
import { assertSame } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
/** Whole seconds: node-q's timestamp encoding is exact for them. */
const DATES = [0, 1, 2, 3].map((s) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)));
/**
 * node-q decodes a timestamp to a Date through a double and can land 1 ms below an exact whole
 * second (kdb-ipc.md §2.5): compare whole seconds, node-q's real resolution for these values.
 */
const seconds = (d: unknown) => Math.round((d as Date).getTime() / 1000);
const SECONDS = DATES.map(seconds);

describe("node-q as a second client", () => {
  const c = useContract();
  let nq: NodeQClient;
  let name: string;

  before(async () => {
    nq = await connectNodeQ(c.target());
    name = await c.create("nodeq", "host:s* v:f k:i");
  });
  after(async () => {
    await nq?.close();
  });

  const refusedWith = async (call: Promise<unknown>, text: string) => {
    await assert.rejects(call, (err: Error) => {
      assert.equal(err.message.split(":")[0], text.split(":")[0]);
      if (text.includes(":")) assert.equal(err.message, text);
      return true;
    });
  };

  it("pings, with the name as a char vector and null as ::", async () => {
    const reply = (await nq.k(".guru.ping", null)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(reply), ["version", "engine", "uptime"]);
    assert.equal(reply.version, "1.0");
    assert.ok(["kdb", "guru-engine"].includes(reply.engine as string));
  });

  it("writes a dict of typed vectors that our client reads back exactly", async () => {
    const data = {
      time: nodeq.timestamps([DATES[2], DATES[0], DATES[1]] as Date[]),
      host: nodeq.symbols(["b", "a", "a"]),
      v: nodeq.floats([2.5, 0.5, 1.5]),
      k: nodeq.ints([3, 1, 2]),
    };
    assert.equal(await nq.k(".guru.write", nodeq.symbol(name), data), 3);
    assertSame(
      await c.call(".guru.query", q.symbol(name), q.nil),
      q.table({
        time: q.timestamps([T0, T0 + SECOND, T0 + 2n * SECOND]),
        host: q.symbols(["a", "a", "b"]),
        v: q.floats([0.5, 1.5, 2.5]),
        k: q.ints([1, 2, 3]),
      }),
    );
  });

  it("queries a range with timestamps and reads rows as node-q decodes them", async () => {
    const options = { start: nodeq.timestamp(DATES[1] as Date), end: nodeq.timestamp(DATES[3] as Date) };
    const rows = (await nq.k(".guru.query", nodeq.symbol(name), options)) as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => [seconds(r.time), r.host, r.v, r.k]),
      [
        [SECONDS[1], "a", 1.5, 2],
        [SECONDS[2], "b", 2.5, 3],
      ],
    );
  });

  it("aggregates by a tag", async () => {
    const options = { by: nodeq.symbol("host"), agg: { total: nodeq.symbols(["sum", "v"]) } };
    const rows = await nq.k(".guru.query", nodeq.symbol(name), options);
    assert.deepEqual(rows, [
      { host: "a", total: 2 },
      { host: "b", total: 2.5 },
    ]);
  });

  it("reads the latest row per tag", async () => {
    const rows = (await nq.k(".guru.last", nodeq.symbol(name), nodeq.symbols(["host"]))) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      rows.map((r) => [seconds(r.time), r.host, r.v]),
      [
        [SECONDS[1], "a", 1.5],
        [SECONDS[2], "b", 2.5],
      ],
    );
  });

  it("lists the series", async () => {
    const rows = (await nq.k(".guru.series", null)) as Record<string, unknown>[];
    const row = rows.find((r) => r.name === name);
    assert.ok(row, "the series is listed");
    assert.deepEqual(row.columns, ["time", "host", "v", "k"]);
    assert.equal(row.types, "psfi");
    assert.equal(row.rows, 3);
  });

  describe("refuses what node-q sends by default", () => {
    const CASES: readonly [string, () => Promise<unknown>, string][] = [
      ["a q expression", () => nq.k("1+1"), "access"],
      ["a select", () => nq.k("select from t"), "access"],
      ["a system command", () => nq.k("\\l ."), "access"],
      ["value of a string", () => nq.k("value", "1+1"), "access"],
      [".z.pg", () => nq.k(".z.pg", "1+1"), "access"],
      ["a wrong argument count", () => nq.k(".guru.ping", null, null), "rank"],
      ["a series name as a plain string", () => nq.k(".guru.query", name, null), "guru.type: name"],
      [
        "a limit as a JS number (a float)",
        () => nq.k(".guru.query", nodeq.symbol(name), { limit: 10 }),
        "guru.type: options.limit",
      ],
      [
        "a Date as start (a datetime)",
        () => nq.k(".guru.query", nodeq.symbol(name), { start: DATES[0] }),
        "guru.type: options.start",
      ],
      [
        "Dates as the time column (datetimes)",
        () =>
          nq.k(".guru.write", nodeq.symbol(name), {
            time: DATES.slice(0, 1),
            host: nodeq.symbols(["a"]),
            v: nodeq.floats([1]),
            k: nodeq.ints([1]),
          }),
        "guru.schema.mismatch",
      ],
    ];
    for (const [what, call, text] of CASES) {
      it(`${what}: ${text}`, async () => {
        await refusedWith(call(), text);
      });
    }
  });

  it("leaves the series as written after the refusals", async () => {
    const rows = await c.call(".guru.last", q.symbol(name), q.symbols([]));
    assertSame(
      rows,
      q.table({
        time: q.timestamps([T0 + 2n * SECOND]),
        host: q.symbols(["b"]),
        v: q.floats([2.5]),
        k: q.ints([3]),
      }),
    );
  });
});
