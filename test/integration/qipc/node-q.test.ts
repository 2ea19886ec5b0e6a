/**
 * node-q 2.7.0, a real q IPC client we did not write, against our server: the handshake, every
 * type it can send (the server reports exactly what arrived) and every type it gets back, with
 * its documented quirks (kdb-ipc.md §2) pinned so that a change in either side shows up here.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type { QRequestContext } from "../../../qipc/src/server-connection.js";
import type { QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import {
  type EchoServer,
  echoHandle,
  HOST,
  noConnections,
  selfSignedCertificate,
  startEchoServer,
  text,
} from "./helpers.js";

type Callback = (err: Error | undefined, value?: unknown) => void;

interface NodeQConnection {
  k(...args: unknown[]): void;
  ks(...args: unknown[]): void;
  close(callback?: () => void): void;
}

type Wrapper = (value: unknown) => unknown;

interface NodeQ {
  connect(
    params: Record<string, unknown>,
    callback: (err: Error | undefined, con: NodeQConnection) => void,
  ): void;
  [wrapper: string]: Wrapper | NodeQ["connect"];
}

interface LongStatic {
  fromString(text: string): { toString(): string };
  fromInt(value: number): unknown;
}

const require = createRequire(import.meta.url);
const nodeq = require("node-q") as NodeQ;
// long.js is node-q's own dependency: resolve it from node-q, as node-q does.
const Long = createRequire(require.resolve("node-q"))("long") as LongStatic;

/** A node-q typed wrapper by name (`nodeq.int`, `nodeq.timestamps`, …). */
const wrap = (name: string, value: unknown): unknown => (nodeq[name] as Wrapper)(value);

function connect(port: number, params: Record<string, unknown> = {}): Promise<NodeQConnection> {
  return new Promise((resolve, reject) => {
    nodeq.connect({ host: HOST, port, ...params }, (err, con) => (err ? reject(err) : resolve(con)));
  });
}

function k(con: NodeQConnection, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done: Callback = (err, value) => (err ? reject(err) : resolve(value));
    con.k(...args, done);
  });
}

function close(con: NodeQConnection): Promise<void> {
  return new Promise((resolve) => con.close(() => resolve()));
}

const MS_2000 = 946_684_800_000;
/** 2024-01-02T03:04:05.678Z, and that day's midnight */
const WHEN = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
const MIDNIGHT = new Date(Date.UTC(2024, 0, 2));
const WHEN_NS = BigInt(WHEN.getTime() - MS_2000) * 1_000_000n;
const WHEN_DATETIME = WHEN.getTime() / 86_400_000 - 10_957;
const TIME_OF_DAY_MS = ((3 * 60 + 4) * 60 + 5) * 1000 + 678;
const GUID = "0123abcd-4567-89ab-cdef-0123456789ab";

/** [node-q wrapper, value given to it, what our server received (`describe`)] */
const SENT: [string, unknown, string][] = [
  ["boolean", true, "-1 true"],
  ["guid", GUID, `-2 ${GUID}`],
  ["byte", 7, "-4 7"],
  ["short", -3, "-5 -3"],
  ["int", 123_456, "-6 123456"],
  ["long", Long.fromString("9007199254740993"), "-7 9007199254740993"],
  ["real", 1.5, "-8 1.5"],
  ["float", 2.25, "-9 2.25"],
  ["char", "x", "-10 x"],
  ["symbol", "abc", "-11 abc"],
  ["timestamp", MIDNIGHT, `-12 ${BigInt(MIDNIGHT.getTime() - MS_2000) * 1_000_000n}`],
  ["month", WHEN, "-13 288"],
  ["date", MIDNIGHT, "-14 8767"],
  ["datetime", WHEN, `-15 ${WHEN_DATETIME}`],
  ["timespan", WHEN, `-16 ${TIME_OF_DAY_MS * 1_000_000}`],
  ["minute", WHEN, "-17 184"],
  ["second", WHEN, "-18 11045"],
  ["time", WHEN, `-19 ${TIME_OF_DAY_MS}`],
  ["booleans", [true, false], "1 1,0"],
  ["guids", [GUID, GUID], `2 ${GUID},${GUID}`],
  ["bytes", [1, 2], "4 1,2"],
  ["shorts", [1, -2], "5 1,-2"],
  ["ints", [1, -2], "6 1,-2"],
  ["longs", [Long.fromInt(1), Long.fromString("-9007199254740993")], "7 1,-9007199254740993"],
  ["reals", [0.5, -1], "8 0.5,-1"],
  ["floats", [0.5, 1.5], "9 0.5,1.5"],
  ["chars", ["a", "b"], "10 ab"],
  ["symbols", ["a", "b"], "11 a,b"],
  ["timestamps", [MIDNIGHT], `12 ${BigInt(MIDNIGHT.getTime() - MS_2000) * 1_000_000n}`],
  ["months", [WHEN], "13 288"],
  ["dates", [MIDNIGHT], "14 8767"],
  ["datetimes", [WHEN], `15 ${WHEN_DATETIME}`],
  ["timespans", [WHEN], `16 ${TIME_OF_DAY_MS * 1_000_000}`],
  ["minutes", [WHEN], "17 184"],
  ["seconds", [WHEN], "18 11045"],
  ["times", [WHEN], `19 ${TIME_OF_DAY_MS}`],
  ["mixedlist", [1, "a"], "0 [-9 1; 10 a]"],
  ["dict", { a: 1, b: 2 }, "99 11 a,b ! 9 1,2"],
];

/** node-q's inference for plain JS values: its quirks, pinned. [value, received] */
const INFERRED: [string, unknown, string][] = [
  ["a JS number becomes a float", 1, "-9 1"],
  ["a Date becomes a datetime", WHEN, `-15 ${WHEN_DATETIME}`],
  ["a backtick string becomes a symbol", "`abc", "-11 abc"],
  ["a backtick string with a space stays a string", "`a b", "10 `a b"],
  ["a string becomes a char vector", "héllo", "10 héllo"],
  ["null becomes ::", null, "101"],
  ["an array of numbers becomes a float vector", [1, 2], "9 1,2"],
  ["an empty array becomes an empty general list", [], "0 []"],
  ["a mixed array becomes a general list", [1, "a"], "0 [-9 1; 10 a]"],
  ["an object becomes a symbol-keyed dict", { a: 1, b: true }, "99 11 a,b ! 0 [-9 1; -1 true]"],
  ["a typed value in an object keeps its type", { n: wrap("int", 5) }, "99 11 n ! 6 5"],
];

const NUMBER_OF_NS_IN_A_DAY = 86_400_000_000_000n;
const TS_NS = 8766n * NUMBER_OF_NS_IN_A_DAY + 1n; // 2024.01.01D00:00:00.000000001

/** Values our server sends back, by name: [q value, what node-q makes of it (defaults)] */
const GIVEN: Record<string, [QValue, unknown]> = {
  boolean: [q.boolean(true), true],
  guid: [q.guid(GUID), GUID],
  nullGuid: [q.guid("00000000-0000-0000-0000-000000000000"), null],
  byte: [q.byte(200), 200],
  short: [q.short(-3), -3],
  nullShort: [q.short(-32768), null],
  int: [q.int(5), 5],
  nullInt: [q.int(-2147483648), null],
  infInt: [q.int(2147483647), Number.POSITIVE_INFINITY],
  negInfInt: [q.int(-2147483647), Number.NEGATIVE_INFINITY],
  long: [q.long(2n ** 53n + 1n), 2 ** 53], // rounded through a double (quirk)
  nullLong: [q.long(-(2n ** 63n)), null],
  real: [q.real(1.5), 1.5],
  float: [q.float(2.25), 2.25],
  nullFloat: [q.float(Number.NaN), null],
  char: [q.char("x"), "x"],
  spaceChar: [q.char(" "), null], // quirk
  symbol: [q.symbol("abc"), "abc"],
  emptySymbol: [q.symbol(""), null], // quirk
  string: [q.string("héllo"), "héllo"],
  timestamp: [q.timestamp(TS_NS), new Date(Date.UTC(2024, 0, 1))], // nanoseconds dropped
  month: [q.month(290), new Date(Date.UTC(2024, 2, 1))],
  month1999: [q.month(-1), new Date(Date.UTC(1998, 11, 1))], // one year early (quirk)
  date: [q.date(8767), MIDNIGHT],
  datetime: [q.datetime(8767.5), new Date(Date.UTC(2024, 0, 2, 12))],
  timespan: [q.timespan(3_600_000_000_000n), new Date(Date.UTC(2000, 0, 1, 1))],
  minute: [q.minute(61), new Date(Date.UTC(2000, 0, 1, 1, 1))],
  second: [q.second(3661), new Date(Date.UTC(2000, 0, 1, 1, 1, 1))],
  time: [q.time(3_661_001), new Date(Date.UTC(2000, 0, 1, 1, 1, 1, 1))],
  booleans: [q.booleans([true, false]), [true, false]],
  guids: [q.guids([GUID]), [GUID]],
  bytes: [q.bytes([1, 255]), [1, 255]],
  shorts: [q.shorts([1, -2]), [1, -2]],
  ints: [q.ints([1, -2]), [1, -2]],
  longs: [q.longs([1n, -2n]), [1, -2]],
  reals: [q.reals([0.5]), [0.5]],
  floats: [q.floats([0.5, 1.5]), [0.5, 1.5]],
  symbols: [q.symbols(["a", "b"]), ["a", "b"]],
  timestamps: [q.timestamps([TS_NS]), [new Date(Date.UTC(2024, 0, 1))]],
  months: [q.months([290]), [new Date(Date.UTC(2024, 2, 1))]],
  dates: [q.dates([8767]), [MIDNIGHT]],
  datetimes: [q.datetimes([8767.5]), [new Date(Date.UTC(2024, 0, 2, 12))]],
  timespans: [q.timespans([3_600_000_000_000n]), [new Date(Date.UTC(2000, 0, 1, 1))]],
  minutes: [q.minutes([61]), [new Date(Date.UTC(2000, 0, 1, 1, 1))]],
  seconds: [q.seconds([3661]), [new Date(Date.UTC(2000, 0, 1, 1, 1, 1))]],
  times: [q.times([3_661_001]), [new Date(Date.UTC(2000, 0, 1, 1, 1, 1, 1))]],
  list: [q.list(q.long(1n), q.symbol("a"), q.string("xy")), [1, "a", "xy"]],
  dict: [q.dictOf({ a: q.long(1n), b: q.symbol("x") }), { a: 1, b: "x" }],
  sortedDict: [{ type: 127, keys: q.symbols(["a"]), values: q.longs([1n]) }, "func"], // quirk
  table: [
    q.table({ a: q.longs([1n, 2n]), b: q.symbols(["x", "y"]) }),
    [
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ],
  ],
  keyedTable: [
    q.keyedTable(q.table({ k: q.longs([1n]) }), q.table({ v: q.symbols(["x"]) })),
    [[{ k: 1 }], [{ v: "x" }]],
  ],
  nil: [q.nil, null],
  lambda: [{ type: 100, raw: Buffer.from("000a00050000007b782b797d", "hex") }, "{x+y}"],
};

/** The echo server, plus `give name`: the value GIVEN[name] */
function handle(value: QValue, ctx: QRequestContext): QValue | Promise<QValue> {
  if (value.type === 0 && value.value.length === 2) {
    const [name, arg] = value.value;
    if (name?.type === 10 && Buffer.from(name.value).toString() === "give") {
      const given = GIVEN[text(arg)];
      if (given) return given[0];
    }
  }
  return echoHandle(value, ctx);
}

describe("qipc server with node-q 2.7 as the client", () => {
  let echo: EchoServer;
  let con: NodeQConnection;

  before(async () => {
    echo = await startEchoServer({
      handle,
      authenticate: (user, password) => user !== "mallory" && password !== "x",
    });
    con = await connect(echo.port);
  });

  after(async () => {
    await close(con);
    await noConnections(echo.server);
    await echo.close();
  });

  it("completes the handshake as anonymous, and with credentials", async () => {
    const other = await connect(echo.port, { user: "alice", password: "pw" });
    assert.equal(await k(other, "echo", 1), 1);
    await close(other);
    await assert.rejects(connect(echo.port, { user: "mallory", password: "pw" }), /wrong auth/);
  });

  for (const [name, value, received] of SENT) {
    it(`sends nodeq.${name}: the server gets ${received.split(" ")[0]}h`, async () => {
      assert.equal(await k(con, "describe", wrap(name, value)), received);
    });
  }

  for (const [what, value, received] of INFERRED) {
    it(`infers types: ${what}`, async () => {
      assert.equal(await k(con, "describe", value), received);
    });
  }

  it("rounds nodeq.timestamp through a double (pinned: +64 ns on this date)", async () => {
    const date = new Date("2023-08-17T04:08:00.595Z");
    const exact = BigInt(date.getTime() - MS_2000) * 1_000_000n;
    assert.equal(await k(con, "describe", wrap("timestamp", date)), `-12 ${exact + 64n}`);
    assert.equal(await k(con, "describe", wrap("timestamp", WHEN)), `-12 ${BigInt(Number(WHEN_NS))}`);
  });

  for (const [name, [, expected]] of Object.entries(GIVEN)) {
    it(`receives ${name}`, async () => {
      assert.deepEqual(await k(con, "give", wrap("symbol", name)), expected);
    });
  }

  it("receives longs exactly with long2number:false, and timestamps as lossy ns with nanos2date:false", async () => {
    const exact = await connect(echo.port, { long2number: false, nanos2date: false });
    const long = (await k(exact, "give", wrap("symbol", "long"))) as { toString(): string };
    assert.equal(long.toString(), "9007199254740993");
    // ns since 1970 as a double: the last nanosecond is lost (quirk)
    assert.equal(await k(exact, "give", wrap("symbol", "timestamp")), 1_704_067_200_000_000_000);
    await close(exact);
  });

  it("gets a q error as an Error carrying the word", async () => {
    await assert.rejects(k(con, "fail", wrap("symbol", "guru.series.unknown")), {
      message: "guru.series.unknown",
    });
    await assert.rejects(k(con, "boom", null), { message: "internal" });
  });

  it("pipelines 200 requests and gets every reply in order", async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => k(con, "echo", wrap("int", i))));
    assert.deepEqual(
      replies,
      Array.from({ length: 200 }, (_, i) => i),
    );
  });

  it("sends async messages with ks, which get no reply", async () => {
    const before = echo.asyncReceived.length;
    await new Promise<void>((resolve, reject) =>
      con.ks("echo", wrap("int", 1), (err: Error | undefined) => (err ? reject(err) : resolve())),
    );
    assert.equal(await k(con, "echo", 2), 2);
    assert.equal(echo.asyncReceived.length, before + 1);
  });

  it("decompresses large replies the server compresses", async () => {
    const compressing = await startEchoServer({ compression: "always" });
    const other = await connect(compressing.port);
    const got = (await k(other, "til", 10_000)) as number[];
    assert.equal(got.length, 10_000);
    assert.equal(got[9_999], 9_999);
    await close(other);
    await noConnections(compressing.server);
    await compressing.close();
  });

  it("connects over TLS (node-q 2.7 useTLS with a CA)", async () => {
    const { key, cert } = selfSignedCertificate();
    const secure = await startEchoServer({ tls: { key, cert } });
    const other = await connect(secure.port, { useTLS: true, ca: cert });
    assert.equal(await k(other, "echo", "`over-tls"), "over-tls");
    await close(other);
    await noConnections(secure.server);
    await secure.close();
  });
});
