/**
 * InfluxQL on /query, against InfluxDB 1.x as the oracle: the same line protocol is written to a
 * real influxd (Debian's, on loopback in a temp dir) and to guru-api on a real guru-engine, then
 * the statements Grafana's InfluxDB data source and the influx CLI send run on both; the answers
 * must be equal (series, tags, columns, times, values; `stddev` to 1e-12 relative, since the
 * engine's is computed another way). The data are multiples of 0.25, so sums and means are exact
 * on both sides. Also: credentials as InfluxDB clients send them, /health, chunked answers,
 * errors, precisions h and m, and floats that overflow.
 */
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import request from "supertest";
import { type DataApi, sendText, startDataApi } from "./support/data-plane.js";

type Answer = { results: { statement_id: number; series?: Series[]; error?: string }[] };
type Series = { name?: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] };

const T0 = Date.UTC(2024, 0, 1); // ms
const T1 = T0 + 2 * 3_600_000;
const RANGE = `time >= ${T0}ms and time <= ${T1 - 1}ms`;
const WEEKS = "time >= '2023-12-10T00:00:00Z' AND time < '2024-01-25T00:00:00Z'";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Influx {
  url: string;
  stop(): Promise<void>;
}

/** influxd as below; ports another process took between pick and bind are picked again. */
async function startInfluxd(dir: string): Promise<Influx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startInfluxdOnce(dir);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

/** influxd with the package's defaults, data in `dir`, loopback ports; resolves once it listens. */
async function startInfluxdOnce(dir: string): Promise<Influx> {
  const [http, rpc] = [await freePort(), await freePort()];
  const config = join(dir, "influxdb.conf");
  await writeFile(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
`,
  );
  const child: ChildProcess = spawn("influxd", ["-config", config], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('msg="Listening on HTTP"')) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`influxd exited (${code}): ${log.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${http}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function influxCall(base: string, method: "GET" | "POST", path: string, body?: string) {
  const res = await fetch(`${base}${path}`, { method, body });
  return { status: res.status, text: await res.text() };
}

/** Deterministic data: 3 hosts (c without region), irregular times, gaps, a field sometimes absent. */
function lineProtocol(): string {
  const lines: string[] = [];
  for (let i = 0; i < 190; i++) {
    for (const [h, host] of ["a", "b", "c"].entries()) {
      // hosts never share a timestamp: which of two points at one time first() and last() take
      // is InfluxDB's storage order (docs/influxql.md)
      const s = T0 / 1000 + i * 37 + h;
      if (host === "b" && i >= 50 && i < 80) continue; // a gap of ~18 minutes
      if (host === "c" && i % 3 !== 0) continue;
      const usage = ((i * 7 + h * 3) % 40) * 0.25;
      const n = (i * 13 + h) % 100;
      const tags = host === "c" ? `host=${host}` : `host=${host},region=${h === 0 ? "eu" : "us"}`;
      const fields = host === "a" && i % 5 === 0 ? `usage=${usage}` : `usage=${usage},n=${n}i`;
      lines.push(`cpu,${tags} ${fields} ${s}`);
    }
    if (i % 4 === 0) lines.push(`mem,host=a free=${(i * 31) % 1000}i ${T0 / 1000 + i * 37}`);
  }
  // six weeks around T0 (a Monday), every 31 hours: weeks as InfluxDB counts them from a Thursday
  for (let i = 0; i < 32; i++)
    lines.push(`disk,host=${i % 3 ? "a" : "b"} used=${(i * 11) % 23}i ${T0 / 1000 + (i - 16) * 31 * 3600}`);
  return `${lines.join("\n")}\n`;
}

const CORPUS = [
  // Grafana's query builder, as it expands $timeFilter and $__interval
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(5m) fill(null)`,
  `SELECT mean("usage") FROM "cpu" WHERE ("host" = 'a') AND ${RANGE} GROUP BY time(1m) fill(null)`,
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(10m), "host" fill(none)`,
  `SELECT count("usage"), sum("usage"), min("usage"), max("usage"), first("usage"), last("usage"), median("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(15m), "host" fill(null)`,
  `SELECT mean("usage") FROM "cpu" WHERE ("host" =~ /^(a|c)$/) AND ${RANGE} GROUP BY time(5m), * fill(previous)`,
  `SELECT mean("usage") FROM "cpu" WHERE ("host" = 'b') AND ${RANGE} GROUP BY time(2m) fill(linear)`,
  `SELECT mean("usage") FROM "cpu" WHERE ("host" = 'b') AND ${RANGE} GROUP BY time(5m) fill(0)`,
  `SELECT count("usage") FROM "cpu" WHERE ("host" = 'b') AND ${RANGE} GROUP BY time(10m) fill(7)`,
  `SELECT mean("usage") AS "u", count("n") FROM "cpu" WHERE ${RANGE} GROUP BY time(30m), "region" fill(null)`,
  `SELECT sum("n"), max("n"), first("n") FROM "cpu" WHERE ${RANGE} GROUP BY time(1h) fill(none)`,
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(5m) fill(null) ORDER BY time DESC LIMIT 5`,
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(20m), "host" fill(null) SLIMIT 2`,
  `SELECT mean("usage") FROM "cpu" WHERE "host" != 'a' AND ${RANGE} GROUP BY time(30m), "host"`,
  `SELECT mean("usage") FROM "cpu" WHERE ("host" = 'a' OR "host" = 'c') AND ${RANGE} GROUP BY time(30m)`,
  `SELECT mean("usage") FROM "cpu" WHERE "usage" > 5 AND ${RANGE} GROUP BY time(20m) fill(none)`,
  `SELECT mean("usage") FROM "autogen"."cpu" WHERE ${RANGE} GROUP BY time(1h)`,
  `SELECT mean("usage") FROM "cpu" WHERE time >= '2024-01-01T00:10:00Z' AND time < '2024-01-01T00:40:00Z' GROUP BY time(10m)`,
  `SELECT mean("free") FROM "mem" WHERE ${RANGE} GROUP BY time(10m) fill(null)`,
  `SELECT stddev("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(20m), "host" fill(null)`,
  `SELECT mean("usage") FROM "nope" WHERE ${RANGE} GROUP BY time(1h)`,
  // intervals and offsets the engine's 2000-01-01 buckets do not share with InfluxDB's epoch ones
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(1w)`,
  `SELECT count("used"), max("used"), first("used"), last("used"), median("used") FROM "disk" WHERE ${WEEKS} GROUP BY time(1w) fill(null)`,
  `SELECT mean("used") FROM "disk" WHERE ${WEEKS} GROUP BY time(7d), "host" fill(0)`,
  `SELECT sum("used") FROM "disk" WHERE ${WEEKS} GROUP BY time(1w, 1d) fill(previous) ORDER BY time DESC LIMIT 3`,
  `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(1h, 15m) fill(null)`,
  `SELECT sum("n"), last("n") FROM "cpu" WHERE ${RANGE} GROUP BY time(10m, 3m), "host" fill(none)`,
  `SELECT median("usage"), stddev("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(7m) fill(linear)`,
  // aggregates over the whole range; a lone selector carries its point's time
  `SELECT mean("usage"), count("n") FROM "cpu" WHERE ${RANGE}`,
  `SELECT max("usage") FROM "cpu" WHERE ${RANGE} GROUP BY "host"`,
  `SELECT last("usage") FROM "cpu" WHERE ${RANGE}`,
  `SELECT first("n") FROM "cpu" WHERE ${RANGE} GROUP BY "host"`,
  // raw queries (Grafana's raw mode, the CLI)
  `SELECT "usage" FROM "cpu" WHERE "host" = 'a' AND ${RANGE} LIMIT 10`,
  `SELECT "usage", "n" FROM "cpu" WHERE "host" = 'a' AND ${RANGE} ORDER BY time DESC LIMIT 7`,
  `SELECT "n" FROM "cpu" WHERE "host" = 'a' AND ${RANGE} LIMIT 8`,
  `SELECT * FROM "cpu" WHERE "host" = 'c' AND ${RANGE} LIMIT 5`,
  `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY "host" LIMIT 3`,
  // what Grafana asks for its pickers, and the CLI
  "SHOW MEASUREMENTS",
  "SHOW MEASUREMENTS WITH MEASUREMENT =~ /cp/ LIMIT 100",
  'SHOW TAG KEYS FROM "cpu"',
  "SHOW TAG KEYS",
  'SHOW TAG VALUES FROM "cpu" WITH KEY = "host"',
  'SHOW TAG VALUES FROM "cpu" WITH KEY IN ("host", "region")',
  `SHOW TAG VALUES FROM "cpu" WITH KEY = "host" WHERE "region" = 'eu'`,
  'SHOW FIELD KEYS FROM "cpu"',
  "SHOW FIELD KEYS",
  'SHOW RETENTION POLICIES ON "metrics"',
  `SHOW MEASUREMENTS; SELECT max("n") FROM "cpu" WHERE ${RANGE} GROUP BY time(1h)`,
  // statement errors, as InfluxDB words them
  `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY time(5m)`,
  `SELECT mean("usage"), "usage" FROM "cpu" WHERE ${RANGE}`,
];

/** Equal answers, `stddev` columns to a relative 1e-12. */
function assertSameAnswer(ours: Answer, theirs: Answer, what: string): void {
  assert.equal(ours.results.length, theirs.results.length, `${what}: results`);
  ours.results.forEach((r, i) => {
    const t = theirs.results[i]!;
    assert.deepEqual({ ...r, series: undefined }, { ...t, series: undefined }, `${what}: statement ${i}`);
    assert.equal(r.series?.length ?? 0, t.series?.length ?? 0, `${what}: series of ${i}`);
    r.series?.forEach((s, j) => {
      const o = t.series![j]!;
      assert.deepEqual({ ...s, values: undefined }, { ...o, values: undefined }, `${what}: series ${j} head`);
      const loose = s.columns.map((c) => c.startsWith("stddev"));
      assert.equal(s.values?.length, o.values?.length, `${what}: rows of series ${j}`);
      s.values?.forEach((row, k) => {
        row.forEach((v, c) => {
          const w = o.values![k]![c];
          if (loose[c] && typeof v === "number" && typeof w === "number")
            assert.ok(
              Math.abs(v - w) <= 1e-12 * Math.abs(w),
              `${what}: row ${k} ${s.columns[c]}: ${v} vs ${w}`,
            );
          else assert.deepEqual(v, w, `${what}: series ${j} row ${k} column ${s.columns[c]}`);
        });
      });
    });
  });
}

describe("InfluxQL /query on guru-engine, with InfluxDB 1.x as the oracle", function () {
  this.timeout(120_000);
  let d: DataApi;
  let influx: Influx;
  let dir: string;

  const ours = async (q: string, extra: Record<string, string> = {}, token = d.token) => {
    const path = `/query?${new URLSearchParams({ db: "metrics", q, ...extra })}`;
    const res = await d.api.call("GET", path, { headers: { Authorization: `Token ${token}` } });
    return res;
  };
  const theirs = async (q: string, extra: Record<string, string> = {}) => {
    const res = await influxCall(
      influx.url,
      "GET",
      `/query?${new URLSearchParams({ db: "metrics", q, ...extra })}`,
    );
    return { status: res.status, body: JSON.parse(res.text) as Answer };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-influxql-"));
    [influx, d] = await Promise.all([startInfluxd(dir), startDataApi("influxql")]);
    assert.equal(
      (await influxCall(influx.url, "POST", `/query?q=${encodeURIComponent("CREATE DATABASE metrics")}`))
        .status,
      200,
    );
    const body = lineProtocol();
    const written = await influxCall(influx.url, "POST", "/write?db=metrics&precision=s", body);
    assert.equal(written.status, 204, written.text);
    const res = await sendText(d.api, "/write?db=metrics&precision=s", body, { token: d.token });
    assert.equal(res.status, 204, res.text);
  });
  after(async () => {
    await Promise.all([d?.close(), influx?.stop()]);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  for (const q of CORPUS)
    it(`answers as InfluxDB: ${q.replaceAll(RANGE, "$timeFilter")}`, async () => {
      const [o, t] = await Promise.all([ours(q), theirs(q)]);
      assert.equal(o.status, 200, JSON.stringify(o.body));
      assert.equal(t.status, 200);
      assertSameAnswer(o.body as Answer, t.body, q);
    });

  it("answers times as integers of epoch=h|m|s|ms|u|ns, as InfluxDB", async () => {
    const q = `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(10m), "host" fill(null)`;
    for (const epoch of ["ms", "s", "u", "ns", "m", "h"]) {
      const [o, t] = await Promise.all([ours(q, { epoch }), theirs(q, { epoch })]);
      assertSameAnswer(o.body as Answer, t.body, `epoch=${epoch}`);
    }
  });

  it("refuses what does not parse with InfluxDB's message, in a problem document", async () => {
    for (const q of ["SELEC x", "SELECT FROM cpu", "SELECT mean(v) FROM cpu WHERE"]) {
      const [o, t] = await Promise.all([ours(q), theirs(q)]);
      assert.equal(o.status, 400);
      assert.equal(t.status, 400);
      const body = o.body as { code: string; error: string };
      assert.equal(body.code, "INFLUXQL_INVALID");
      assert.equal(body.error, (t.body as unknown as { error: string }).error);
    }
    const missing = await d.api.call("GET", "/query?db=metrics", { token: d.token });
    assert.equal(missing.status, 400);
    assert.equal((missing.body as { error: string }).error, 'missing required parameter "q"');
  });

  it("names a database it cannot see, or none, as InfluxDB does", async () => {
    const q = 'SELECT "usage" FROM "cpu"';
    const res = await d.api.call("GET", `/query?${new URLSearchParams({ db: "zz", q })}`, { token: d.token });
    const t = await influxCall(influx.url, "GET", `/query?${new URLSearchParams({ db: "zz", q })}`);
    assert.deepEqual(res.body, JSON.parse(t.text));
    const none = await d.api.call("GET", `/query?${new URLSearchParams({ q: "SHOW MEASUREMENTS" })}`, {
      token: d.token,
    });
    const t2 = await influxCall(
      influx.url,
      "GET",
      `/query?${new URLSearchParams({ q: "SHOW MEASUREMENTS" })}`,
    );
    assert.deepEqual(none.body, JSON.parse(t2.text));
  });

  it("lists the token's databases and answers what it does not run as a statement error", async () => {
    const res = await ours("SHOW DATABASES; CREATE DATABASE x; DROP MEASUREMENT cpu");
    const body = res.body as Answer;
    assert.deepEqual(body.results[0], {
      statement_id: 0,
      series: [{ name: "databases", columns: ["name"], values: [["metrics"]] }],
    });
    assert.match(body.results[1]!.error!, /does not run CREATE DATABASE/);
    assert.match(body.results[2]!.error!, /does not run DROP MEASUREMENT/);
    const still = await ours('SELECT count("usage") FROM "cpu"');
    assert.equal((still.body as Answer).results[0]!.series![0]!.values![0]![1], 414);
  });

  it("takes the token as Basic auth's password, as u/p, as Token and Bearer; refuses a wrong one", async () => {
    const q = encodeURIComponent("SHOW MEASUREMENTS");
    const basic = `Basic ${Buffer.from(`grafana:${d.token}`).toString("base64")}`;
    for (const headers of [{ Authorization: basic }, { Authorization: `Bearer ${d.token}` }]) {
      const res = await d.api.call("GET", `/query?db=metrics&q=${q}`, { headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const up = await d.api.call("GET", `/query?db=metrics&q=${q}&u=grafana&p=${encodeURIComponent(d.token)}`);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const wrong = `Basic ${Buffer.from("grafana:tsg_nope_nope").toString("base64")}`;
    const refused = await d.api.call("GET", `/query?db=metrics&q=${q}`, {
      headers: { Authorization: wrong },
    });
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { code: string }).code, "AUTH_INVALID");
    const bad = await d.api.call("GET", `/query?db=metrics&q=${q}&u=x&p=tsg_a_b`);
    assert.equal(bad.status, 401);
    assert.ok(
      !String((bad.body as { instance: string }).instance).includes("tsg_a_b"),
      "the password is not echoed",
    );
    const none = await d.api.call("GET", `/query?db=metrics&q=${q}`);
    assert.equal(none.status, 401);
    // writes take u/p too (InfluxDB 1.x clients with username and password)
    const w = await sendText(
      d.api,
      `/write?db=metrics&u=x&p=${encodeURIComponent(d.token)}`,
      "authw,host=z usage=1 1704067200000000000\n",
    );
    assert.equal(w.status, 204, w.text);
  });

  it("takes POST with the parameters in a form body, as Grafana sends them", async () => {
    const q = `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(30m) fill(null)`;
    const res = await request(d.api.runtime.app)
      .post("/query?db=metrics&epoch=ms")
      .set("Authorization", `Token ${d.token}`)
      .type("form")
      .send({ q });
    d.api.validator.check("POST", "/query", { status: res.status, headers: res.headers, body: res.body });
    const t = await theirs(q, { epoch: "ms" });
    assertSameAnswer(res.body as Answer, t.body, "POST form");
  });

  it("answers chunked=true one statement per line, and pretty=true indented", async () => {
    const res = await request(d.api.runtime.app)
      .get(
        `/query?db=metrics&chunked=true&q=${encodeURIComponent("SHOW MEASUREMENTS; SHOW TAG KEYS FROM cpu")}`,
      )
      .set("Authorization", `Token ${d.token}`)
      .buffer(true)
      .parse((r, cb) => {
        let text = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => {
          text += c;
        });
        r.on("end", () => cb(null, text));
      });
    assert.equal(res.status, 200);
    const lines = (res.body as string)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Answer);
    assert.deepEqual(
      lines.map((l) => l.results[0]!.statement_id),
      [0, 1],
    );
    assert.deepEqual(lines[1]!.results[0]!.series![0]!.values, [["host"], ["region"]]);
    const pretty = await ours("SHOW MEASUREMENTS", { pretty: "true" });
    assert.deepEqual(pretty.body, JSON.parse(JSON.stringify(pretty.body)));
  });

  it("refuses, as a statement error, more buckets than an answer may hold", async () => {
    const res = await ours('SELECT mean("usage") FROM "cpu" WHERE time >= 0 GROUP BY time(1s)');
    assert.equal(res.status, 200);
    assert.match((res.body as Answer).results[0]!.error!, /more than \d+ rows \(GURU_API_QUERY_MAX_ROWS\)/);
  });

  it("refuses, as statement errors, unaligned intervals without a lower bound or with too many buckets", async () => {
    const unbounded = await ours('SELECT mean("usage") FROM "cpu" GROUP BY time(1w)');
    assert.match((unbounded.body as Answer).results[0]!.error!, /needs a lower time bound/);
    const many = await ours(
      `SELECT mean("usage") FROM "cpu" WHERE time >= 0 AND time < ${T1}ms GROUP BY time(7m)`,
    );
    assert.match((many.body as Answer).results[0]!.error!, /takes at most 1000; narrow the time range/);
  });

  it("answers any text with 200 or 400, never a server error", async () => {
    const words = [
      "SELECT",
      "SHOW",
      "FROM",
      "WHERE",
      "GROUP BY",
      "time(5m)",
      "time(0s)",
      "fill(linear)",
      "fill(x)",
      "mean(usage)",
      "first(n)",
      "stddev(host)",
      "count(*)",
      '"usage"',
      "host",
      "*",
      "=~",
      "/(/",
      "/a|b/",
      "'a'",
      "'",
      "now()",
      "-",
      "+",
      "1h",
      "99999999999999999999999",
      "1e400",
      "AND",
      "OR",
      "(",
      ")",
      ",",
      ";",
      "LIMIT",
      "-1",
      "TAG VALUES",
      "WITH KEY",
      "IN",
      "=",
      "<",
      "ORDER BY time DESC",
      "cpu",
      "mem",
      "/c.*/",
      "SLIMIT 0",
      "tz('Europe/Paris')",
      "..",
      ".",
      "\\",
      '"',
      "MEASUREMENTS",
      "FIELD KEYS",
      "time >",
      "'2024-13-45'",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 14 }),
        async (parts) => {
          const q = parts.join(" ");
          const res = await ours(q);
          assert.ok(
            res.status === 200 || res.status === 400,
            `${q} → ${res.status} ${JSON.stringify(res.body)}`,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("GET /health answers InfluxDB 2's shape without a token", async () => {
    const res = await d.api.call("GET", "/health");
    assert.equal(res.status, 200);
    assert.equal((res.body as { status: string }).status, "pass");
    assert.equal((res.body as { name: string }).name, "influxdb");
  });

  it("writes v1 precisions h and m as InfluxDB does", async () => {
    const hours = Math.floor(T0 / 3_600_000) + 48;
    for (const [precision, t] of [
      ["h", hours],
      ["m", hours * 60 + 30],
    ] as const) {
      const line = `prec,host=a v=${t % 7} ${t}\n`;
      assert.equal(
        (await sendText(d.api, `/write?db=metrics&precision=${precision}`, line, { token: d.token })).status,
        204,
      );
      assert.equal(
        (await influxCall(influx.url, "POST", `/write?db=metrics&precision=${precision}`, line)).status,
        204,
      );
    }
    const q = 'SELECT "v" FROM "prec"';
    assertSameAnswer((await ours(q)).body as Answer, (await theirs(q)).body, q);
  });

  it("refuses a float that overflows (1e400), as InfluxDB, instead of storing Infinity", async () => {
    const lp = "big,host=a v=1e400 1704067200000000000\nbig,host=a v=2 1704067201000000000\n";
    const res = await sendText(d.api, "/write?db=metrics", lp, { token: d.token });
    assert.equal(res.status, 400);
    assert.equal((res.body as { written: number }).written, 1);
    const t = await influxCall(influx.url, "POST", "/write?db=metrics", lp);
    assert.equal(t.status, 400, t.text);
    const json = await d.api.call("POST", "/v1/databases/metrics/series/big/points", {
      token: d.token,
      raw: {
        data: '{"points":[{"time":"2024-01-01T00:00:05Z","host":"a","v":1e400}]}',
        contentType: "application/json",
      },
    });
    assert.equal(json.status, 400);
    assert.equal((json.body as { code: string }).code, "VALIDATION_FAILED");
  });
});
