/**
 * InfluxDB 1.x's Python client library (`influxdb` from PyPI, pinned, in a virtualenv that
 * `make clients` installs) against guru-api on a loopback port, with user name and password (the
 * token) as its users configure it: `write_points`, `query()` of raw points and of GROUP BY time()
 * per tag, `get_list_measurements()`, `get_list_database()`; the points it yields must be exactly
 * those written (nanosecond times and integers past 2^53 included). A wrong password, a query that
 * does not parse, a statement error and bound parameters (`bind_params`, not supported) reach the
 * caller as the library's own exceptions.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DataApi, startDataApi } from "./support/data-plane.js";

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "support", "influxdb-python-client.py");
const T0_MS = Date.UTC(2024, 0, 1);
const T0 = BigInt(T0_MS) * 1_000_000n; // ns
const RANGE = "time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T01:00:00Z'";
const BIG = 2n ** 53n + 1n; // not a double

type Call = { op: string; [k: string]: unknown };
type Answer = { ok?: unknown; error?: { type: string; code: bigint | null; content: string } };

function python(): string {
  const venv = process.env.INFLUXDB_PY_VENV;
  if (!venv || !existsSync(join(venv, ".complete")))
    throw new Error(
      `InfluxDB's Python client is not installed${venv ? ` in ${venv}` : " (INFLUXDB_PY_VENV is not set)"}: run \`make clients\` (scripts/install-clients.sh), or the suite through make.`,
    );
  return join(venv, "bin", "python");
}

/** integers cross the process boundary as {"$int": "digits"}, never as doubles */
const encode = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? { $int: String(x) } : x));
const decode = (text: string) =>
  JSON.parse(text, (_k, x) =>
    x !== null && typeof x === "object" && Object.keys(x).length === 1 && typeof x.$int === "string"
      ? BigInt(x.$int)
      : x,
  ) as Answer[];

/** point i of host a and b: a at 20 s steps + 1 ns, b 6 ns later; no float value is integral */
const usage = (host: "a" | "b", i: number) => (host === "a" ? 0.25 + i * 0.5 : 10.125 - i * 0.25);
const time = (host: "a" | "b", i: number) => T0 + BigInt(i) * 20_000_000_000n + (host === "a" ? 1n : 7n);
const n = (host: "a" | "b", i: number) => (host === "a" ? BIG + BigInt(i) : -(2n ** 62n) - BigInt(i));
const POINTS = [0, 1, 2, 3, 4, 5].flatMap((i) =>
  (["a", "b"] as const).map((host) => ({
    measurement: "cpu",
    tags: { host, region: host === "a" ? "eu" : "us" },
    time: time(host, i),
    fields: { usage: usage(host, i), n: n(host, i) },
  })),
);

/** RFC 3339 as Go prints it (InfluxDB's default time format): trailing zeros of the fraction cut */
function rfc3339(ns: bigint): string {
  const s = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  const fraction = String(ns % 1_000_000_000n)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${s}${fraction ? `.${fraction}` : ""}Z`;
}

describe("InfluxDB's Python client (influxdb 1.x) against guru-api", function () {
  this.timeout(60_000);
  let d: DataApi;
  let server: Server;
  let port: number;

  /** each call made by a fresh InfluxDBClient(host, port, username, password=<token>, database) */
  const client = (calls: Call[]) =>
    new Promise<Answer[]>((resolve, reject) => {
      const child = spawn(python(), [DRIVER], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        err += c.toString();
      });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve(decode(out)) : reject(new Error(`python exited ${code}: ${err}`)),
      );
      const spec = {
        host: "127.0.0.1",
        port,
        username: "grafana",
        password: d.token,
        database: "metrics",
        calls,
      };
      child.stdin.end(encode(spec));
    });

  const ok = async (call: Call) => {
    const [answer] = await client([call]);
    assert.equal(answer?.error, undefined, JSON.stringify(answer?.error));
    return answer?.ok;
  };

  before(async () => {
    d = await startDataApi("influxpy");
    server = createServer(d.api.runtime.app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    assert.equal(await ok({ op: "write_points", points: POINTS, precision: "n" }), true);
    const mem = {
      measurement: "mem",
      tags: { host: "a" },
      time: T0,
      fields: { free: 7n, state: "ok", up: true },
    };
    assert.equal(await ok({ op: "write_points", points: [mem], precision: "n" }), true);
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await d?.close();
  });

  it("yields the raw points written, times in RFC 3339 to the nanosecond", async () => {
    const got = await ok({ op: "query", q: `SELECT * FROM "cpu" WHERE ${RANGE}` });
    const points = [0, 1, 2, 3, 4, 5].flatMap((i) =>
      (["a", "b"] as const).map((host) => ({
        time: rfc3339(time(host, i)),
        host,
        n: n(host, i),
        region: host === "a" ? "eu" : "us",
        usage: usage(host, i),
      })),
    );
    assert.deepEqual(got, [["cpu", null, points]]);
  });

  it("yields integer times with epoch, and other field types exactly", async () => {
    const cpu = await ok({
      op: "query",
      q: `SELECT "n" FROM "cpu" WHERE "host" = 'a' AND ${RANGE}`,
      epoch: "ns",
    });
    const a = [0, 1, 2, 3, 4, 5].map((i) => ({ time: time("a", i), n: n("a", i) }));
    assert.deepEqual(cpu, [["cpu", null, a]]);
    const mem = await ok({
      op: "query",
      q: `SELECT * FROM "mem" WHERE ${RANGE}`,
      epoch: "s",
      method: "POST",
    });
    assert.deepEqual(mem, [
      ["mem", null, [{ time: T0 / 1_000_000_000n, free: 7n, host: "a", state: "ok", up: true }]],
    ]);
  });

  it("yields GROUP BY time() per tag as one series per tag set", async () => {
    const got = await ok({
      op: "query",
      q: `SELECT mean("usage"), count("usage") FROM "cpu" WHERE ${RANGE} AND time < '2024-01-01T00:02:00Z' GROUP BY time(1m), "host" fill(none)`,
      epoch: "ms",
    });
    const minute = (i: number) => BigInt(T0_MS + i * 60_000);
    assert.deepEqual(got, [
      [
        "cpu",
        { host: "a" },
        [
          { time: minute(0), mean: 0.75, count: 3n },
          { time: minute(1), mean: 2.25, count: 3n },
        ],
      ],
      [
        "cpu",
        { host: "b" },
        [
          { time: minute(0), mean: 9.875, count: 3n },
          { time: minute(1), mean: 9.125, count: 3n },
        ],
      ],
    ]);
  });

  it("lists measurements and databases", async () => {
    assert.deepEqual(await ok({ op: "get_list_measurements" }), [{ name: "cpu" }, { name: "mem" }]);
    assert.deepEqual(await ok({ op: "get_list_database" }), [{ name: "metrics" }]);
  });

  it("raises the library's errors: a wrong password, a query that does not parse, a statement error, bound parameters", async () => {
    const [query, write, parse, statement, bound] = await client([
      { op: "query", q: "SHOW MEASUREMENTS", password: "tsg_x_y" },
      { op: "write_points", points: POINTS.slice(0, 1), password: "tsg_x_y" },
      { op: "query", q: "SELECT FROM cpu" },
      { op: "query", q: `SELECT mean("usage") FROM "nosuch"."autogen"."cpu" WHERE ${RANGE}` },
      { op: "query", q: `SELECT * FROM "cpu" WHERE "host" = $host AND ${RANGE}`, bind_params: { host: "a" } },
    ]);
    for (const answer of [query, write]) {
      assert.equal(answer?.error?.type, "InfluxDBClientError");
      assert.equal(answer?.error?.code, 401n);
      assert.equal(JSON.parse(answer?.error?.content ?? "").status, 401);
    }
    assert.equal(parse?.error?.code, 400n);
    assert.equal(
      JSON.parse(parse?.error?.content ?? "").error,
      "error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8",
    );
    assert.deepEqual(statement?.error, {
      type: "InfluxDBClientError",
      code: null,
      content: "database not found: nosuch",
    });
    // bound parameters are outside the subset (docs/influxql.md): refused, not ignored
    assert.equal(bound?.error?.code, 400n);
    assert.equal(JSON.parse(bound?.error?.content ?? "").code, "VALIDATION_FAILED");
  });
});
