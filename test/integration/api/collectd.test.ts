/**
 * collectd's write_http plugin into guru-api: a real collectd (Debian's, `make clients`) started
 * with a temp config posts value lists over HTTP to the API on a loopback port, where they must
 * arrive as series with collectd's tags and typed fields: the load plugin's live readings, and
 * exec's PUTVALs of known values of every data-source type (integers past 2^53 included). Then
 * the route's own answers: partial writes refused by position, bad bodies refused whole.
 */
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { type DataApi, sendText, startDataApi } from "./support/data-plane.js";
import { eventually } from "./support/harness.js";

type Column = { name: string; type: string; tag: boolean };

const TIME = "1704067200.250"; // exec's PUTVALs carry their own time: 2024-01-01T00:00:00.25Z
const PUTVALS = [
  `PUTVAL "testhost/guru-x/gauge-g" interval=1 ${TIME}:1.5`,
  `PUTVAL "testhost/guru-x/derive-d" interval=1 ${TIME}:-9007199254740993`,
  `PUTVAL "testhost/guru-x/counter-c" interval=1 ${TIME}:12345678901234567`,
  `PUTVAL "testhost/guru-x/absolute-a" interval=1 ${TIME}:42`,
  `PUTVAL "testhost/guru-x/if_octets-eth0" interval=1 ${TIME}:100:200`,
];

/** collectd in the foreground with `config`; its log kept for failures. */
function startCollectd(config: string): { child: ChildProcess; log: () => string; stop(): Promise<void> } {
  const child = spawn("collectd", ["-f", "-C", config], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (c: Buffer) => {
    log += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    log += c.toString();
  });
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe("collectd's write_http plugin into guru-api", function () {
  this.timeout(90_000);
  let d: DataApi;
  let server: Server;
  let base: string;
  let dir: string;

  const columns = async (series: string) => {
    const res = await d.api.call("GET", `/v1/databases/metrics/series/${series}`, { token: d.token });
    return res.status === 200 ? (res.body as { columns: Column[] }).columns : undefined;
  };
  /** InfluxQL's JSON as text: 64-bit values are checked by their digits. */
  const influxql = async (q: string) => {
    const res = await fetch(`${base}/query?${new URLSearchParams({ db: "metrics", q })}`, {
      headers: { Authorization: `Token ${d.token}` },
    });
    assert.equal(res.status, 200);
    return res.text();
  };
  const post = (body: string, contentType = "application/json") =>
    sendText(d.api, "/v1/databases/metrics/collectd", body, { token: d.token, contentType });

  /** A collectd configuration posting JSON to guru-api with `auth`, sending what `plugins` read. */
  const collectdConfig = async (hostname: string, auth: string, plugins: string[]) => {
    const config = join(dir, `collectd-${hostname}.conf`);
    await writeFile(
      config,
      `Interval 1
Hostname "${hostname}"
FQDNLookup false
BaseDir "${dir}"
PIDFile "${dir}/collectd-${hostname}.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File stdout
</Plugin>
${plugins.join("\n")}
<LoadPlugin write_http>
  FlushInterval 1
</LoadPlugin>
<Plugin write_http>
  <Node "guru">
    URL "${base}/v1/databases/metrics/collectd"
    Format "JSON"
    ${auth}
    StoreRates false
  </Node>
</Plugin>
`,
    );
    return config;
  };

  before(async () => {
    d = await startDataApi("collectd");
    server = createServer(d.api.runtime.app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "guru-collectd-"));
    await chmod(dir, 0o755); // exec runs its program as another user when collectd is root
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await d?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("stores what a real collectd sends: series, tags, column types and exact values", async () => {
    const script = join(dir, "values.sh");
    // once, then sleep: collectd reruns a program that exits, and would send the values again
    await writeFile(script, `#!/bin/sh\n${PUTVALS.map((p) => `echo '${p}'`).join("\n")}\nexec sleep 600\n`);
    await chmod(script, 0o755);
    const user = process.getuid?.() === 0 ? "nobody" : userInfo().username; // exec refuses root
    const config = await collectdConfig("testhost", `Header "Authorization: Token ${d.token}"`, [
      "LoadPlugin load",
      "LoadPlugin exec",
      "<Plugin exec>",
      `  Exec "${user}" "${script}"`,
      "</Plugin>",
    ]);
    const collectd = startCollectd(config);
    try {
      const expected: Record<string, [string, string][]> = {
        load: [
          ["shortterm", "float"],
          ["midterm", "float"],
          ["longterm", "float"],
        ],
        guru_gauge: [["value", "float"]],
        guru_derive: [["value", "long"]],
        guru_counter: [["value", "long"]],
        guru_absolute: [["value", "long"]],
        guru_if_octets: [
          ["rx", "long"],
          ["tx", "long"],
        ],
      };
      for (const [series, fields] of Object.entries(expected)) {
        const cols = await eventually(`series ${series}`, 30_000, () => columns(series));
        assert.deepEqual(
          cols.filter((c) => c.tag).map((c) => [c.name, c.type]),
          ["host", "plugin", "plugin_instance", "type", "type_instance"].map((t) => [t, "symbol"]),
          series,
        );
        assert.deepEqual(
          cols.filter((c) => !c.tag && c.name !== "time").map((c) => [c.name, c.type]),
          fields,
          series,
        );
      }
      // SELECT * lists time, then tags and fields by name, as InfluxDB
      const rows: Record<string, string> = {
        guru_gauge: '"testhost","guru","x","gauge","g",1.5]',
        guru_derive: '"testhost","guru","x","derive","d",-9007199254740993]',
        guru_counter: '"testhost","guru","x","counter","c",12345678901234567]',
        guru_absolute: '"testhost","guru","x","absolute","a",42]',
        guru_if_octets: '"testhost","guru","x",100,200,"if_octets","eth0"]',
      };
      for (const [series, row] of Object.entries(rows)) {
        const text = await eventually(`${series}'s point`, 30_000, async () => {
          const t = await influxql(`SELECT * FROM ${series}`);
          return t.includes('"values"') ? t : undefined;
        });
        assert.ok(text.includes(`"values":[["2024-01-01T00:00:00.25Z",${row}]`), text);
      }
      const load = JSON.parse(await influxql('SELECT * FROM "load"')) as {
        results: { series: { columns: string[]; values: unknown[][] }[] }[];
      };
      const s = load.results[0]!.series[0]!;
      const row = Object.fromEntries(s.columns.map((c, i) => [c, s.values[0]![i]]));
      assert.equal(row.host, "testhost");
      assert.equal(row.plugin, "load");
      assert.equal(row.type, "load");
      assert.equal(typeof row.shortterm, "number");
    } catch (err) {
      throw new Error(`${(err as Error).message}\ncollectd's log:\n${collectd.log()}`);
    } finally {
      await collectd.stop();
    }
  });

  it("takes collectd's User and Password (the token): its 401 offers Basic, which collectd answers", async () => {
    const config = await collectdConfig("basichost", `User "collectd"\n    Password "${d.token}"`, [
      "LoadPlugin load",
    ]);
    const collectd = startCollectd(config);
    try {
      const text = await eventually("basichost's load", 30_000, async () => {
        const t = await influxql(`SELECT "shortterm" FROM "load" WHERE "host" = 'basichost'`);
        return t.includes('"values"') ? t : undefined;
      });
      assert.match(text, /"columns":\["time","shortterm"\]/);
    } catch (err) {
      throw new Error(`${(err as Error).message}\ncollectd's log:\n${collectd.log()}`);
    } finally {
      await collectd.stop();
    }
  });

  it("challenges for Basic only on the routes InfluxDB agents call", async () => {
    const challenge = async (path: string, method = "POST") =>
      (await fetch(`${base}${path}`, { method })).headers.get("www-authenticate");
    const both = 'Bearer realm="guru-api", Basic realm="guru-api"';
    assert.equal(await challenge("/v1/databases/metrics/collectd"), both);
    assert.equal(await challenge("/write?db=metrics"), both);
    assert.equal(await challenge("/api/v2/write?bucket=metrics"), both);
    assert.equal(await challenge("/query?q=SHOW%20DATABASES", "GET"), both);
    // the console's calls: a Basic challenge would make the browser prompt
    assert.equal(await challenge("/v1/databases", "GET"), 'Bearer realm="guru-api"');
    assert.equal(await challenge("/v1/databases/metrics/write"), 'Bearer realm="guru-api"');
  });

  it("refuses value lists that do not fit, by position, and writes the others", async () => {
    const list = (over: Record<string, unknown>) => ({
      values: [7],
      dstypes: ["derive"],
      dsnames: ["value"],
      time: 1704067300.5,
      interval: 10,
      host: "h",
      plugin: "guru",
      plugin_instance: "y",
      type: "derive",
      type_instance: "p",
      ...over,
    });
    const body = JSON.stringify([
      list({}),
      list({ dsnames: ["other"] }), // guru_derive has no column other: its schema is fixed
      list({ values: [1.5] }), // a derive is an integer
      list({ type: "gauge", dstypes: ["gauge"], values: [null] }), // unknown: nothing to store
      list({ values: [9223372036854775808n].map(String), dstypes: ["counter"], type: "counter" }),
      list({ values: [8], time: 1704067301 }),
    ]).replace('"9223372036854775808"', "9223372036854775808");
    const res = await post(body);
    assert.equal(res.status, 400, res.text);
    const problem = res.body as {
      code: string;
      written: number;
      rejected: number;
      lines: { line: number }[];
    };
    assert.equal(problem.code, "POINTS_REJECTED");
    assert.deepEqual(
      problem.lines.map((l) => l.line),
      [2, 3, 5],
    );
    assert.equal(problem.written, 2);
    const text = await influxql(`SELECT "value" FROM guru_derive WHERE "plugin_instance" = 'y'`);
    assert.ok(text.includes('["2024-01-01T00:01:40.5Z",7],["2024-01-01T00:01:41Z",8]'), text);
  });

  it("refuses a body that is not collectd's JSON whole, writing nothing", async () => {
    const cases: [string, string, number, string][] = [
      ["[{", "application/json", 400, "MALFORMED_JSON"],
      ['{"values":[1]}', "application/json", 400, "VALIDATION_FAILED"],
      ['[{"values":[1],"dstypes":["rate"]}]', "application/json", 400, "VALIDATION_FAILED"],
      ["[]", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ];
    for (const [body, type, status, code] of cases) {
      const res = await post(body, type);
      assert.equal(res.status, status, body);
      assert.equal((res.body as { code: string }).code, code, body);
    }
    assert.equal((await post("[]")).status, 204);
    const none = await d.api.call("POST", "/v1/databases/metrics/collectd", {
      raw: { data: "[]", contentType: "application/json" },
    });
    assert.equal(none.status, 401);
  });
});
