/**
 * The three servers of `make bench-peers`, each started fresh on loopback with its data in a temp
 * directory and its logs beside it: guru-api exactly as `make run` starts it (its defaults: logging,
 * rate limits, durability; engines as child processes), InfluxDB 1.x and VictoriaMetrics from
 * their Debian packages with their defaults. Each takes the same line-protocol bodies and answers
 * the same bucketed average, returned as one number per (host, bucket start).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, ok, until } from "./http-client.js";
import { FIELD, MEASUREMENT } from "./tsbs-data.js";

/** mean of one field per bucket, for one host or for each host */
export interface BucketQuery {
  startMs: number;
  endMs: number;
  bucketS: number;
  host?: string;
}

/** `host|bucketStartMs` → mean */
export type Buckets = Map<string, number>;

export interface BenchServer {
  name: string;
  pid: number;
  dataDir: string;
  write(body: Buffer): Promise<void>;
  /** makes what was written visible to queries and counted on disk */
  settle(): Promise<void>;
  query(q: BucketQuery): Promise<Buckets>;
  /** InfluxQL on /query as Grafana's InfluxDB data source sends it (GET, `epoch=ms`): the answer's text */
  influxql?(statement: string): Promise<string>;
  stop(): Promise<void>;
}

/** /query's parameters as Grafana sends them, for the database `bench` */
const grafanaParams = (statement: string) => new URLSearchParams({ db: "bench", epoch: "ms", q: statement });

function launch(command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(dir, "server.log"), "a");
  const child = spawn(command, args, { env: env ?? process.env, stdio: ["ignore", log, log] });
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${command} exited (${code}); see ${dir}/server.log`);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function startGuru(dir: string): Promise<BenchServer> {
  const dataDir = join(dir, "data");
  const port = await freePort();
  const env = {
    ...process.env,
    GURU_API_MODE: "local",
    GURU_API_DATA_DIR: dataDir,
    GURU_API_PORT: String(port),
    GURU_API_METRICS_PORT: String(await freePort()),
  };
  const child = launch("node", ["dist/api/src/main.js"], dir, env);
  const base = `http://127.0.0.1:${port}`;
  const tokenFile = join(dataDir, "admin-token");
  // the first start writes the admin token file (make run's bootstrap) around the time it is ready
  await until(
    "guru-api ready, its admin token written",
    30_000,
    async () => existsSync(tokenFile) && (await ok("guru-api", `${base}/readyz`, "GET", {})).status === 200,
  );
  const token = readFileSync(tokenFile, "utf8").trim();
  const auth = { Authorization: `Bearer ${token}` };
  // Grafana's data source with a user name and the token as password sends Basic auth
  const basic = { Authorization: `Basic ${Buffer.from(`grafana:${token}`).toString("base64")}` };
  const json = { ...auth, "Content-Type": "application/json" };
  await ok("guru-api", `${base}/v1/databases`, "POST", json, JSON.stringify({ name: "bench" }));
  await until("the database ready", 60_000, async () => {
    const db = await ok("guru-api", `${base}/v1/databases/bench`, "GET", auth);
    return (JSON.parse(db.text) as { status: string }).status === "ready";
  });
  const db = `${base}/v1/databases/bench`;
  return {
    name: "guru-api",
    pid: child.pid ?? 0,
    dataDir,
    write: async (body) => void (await ok("guru-api", `${db}/write?precision=ns`, "POST", auth, body)),
    settle: async () => {},
    query: async (q) => {
      const params = new URLSearchParams({
        start: iso(q.startMs),
        end: iso(q.endMs),
        bucket: `${q.bucketS}s`,
        agg: `m=avg(${FIELD})`,
        fill: "none",
        ...(q.host === undefined ? { by: "hostname" } : { where: `hostname=${q.host}` }),
      });
      const answer = await ok("guru-api", `${db}/series/${MEASUREMENT}/query?${params}`, "GET", auth);
      const { values } = JSON.parse(answer.text) as { values: Record<string, (string | number | null)[]> };
      const out: Buckets = new Map();
      values.time?.forEach((t, i) => {
        const m = values.m?.[i];
        // bucket starts are whole seconds: the nanosecond digits are zeros
        if (typeof m === "number")
          out.set(`${values.hostname?.[i] ?? q.host}|${Date.parse(`${String(t).slice(0, 19)}Z`)}`, m);
      });
      return out;
    },
    influxql: async (statement) =>
      (await ok("guru-api", `${base}/query?${grafanaParams(statement)}`, "GET", basic)).text,
    stop: () => stopChild(child),
  };
}

export async function startInfluxDB(dir: string): Promise<BenchServer> {
  const [port, rpc] = [await freePort(), await freePort()];
  const config = join(dir, "influxdb.conf");
  // the package's defaults, but data in `dir`, loopback ports, and no phoning home
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${dir}/data/meta"
[data]
  dir = "${dir}/data/data"
  wal-dir = "${dir}/data/wal"
[http]
  bind-address = "127.0.0.1:${port}"
`,
  );
  mkdirSync(join(dir, "data"), { recursive: true });
  const child = launch("influxd", ["-config", config], dir);
  const base = `http://127.0.0.1:${port}`;
  await until(
    "influxd answering /ping",
    30_000,
    async () => (await ok("influxd", `${base}/ping`, "GET", {})).status === 204,
  );
  await ok("influxd", `${base}/query?q=${encodeURIComponent("CREATE DATABASE bench")}`, "POST", {});
  const influxql = async (statement: string) =>
    (await ok("influxd", `${base}/query?${grafanaParams(statement)}`, "GET", {})).text;
  return {
    name: "InfluxDB",
    pid: child.pid ?? 0,
    dataDir: join(dir, "data"),
    write: async (body) =>
      void (await ok("influxd", `${base}/write?db=bench&precision=ns`, "POST", {}, body)),
    settle: async () => {},
    query: async (q) => {
      const where = q.host === undefined ? "" : ` AND "hostname" = '${q.host}'`;
      const by = q.host === undefined ? `, "hostname"` : "";
      const statement = `SELECT mean("${FIELD}") FROM "${MEASUREMENT}" WHERE time >= ${q.startMs}ms AND time < ${q.endMs}ms${where} GROUP BY time(${q.bucketS}s)${by} fill(none)`;
      const [result] = (
        JSON.parse(await influxql(statement)) as {
          results: {
            error?: string;
            series?: { tags?: { hostname: string }; values: [number, number][] }[];
          }[];
        }
      ).results;
      if (result?.error !== undefined) throw new Error(`influxd: ${result.error}`);
      const out: Buckets = new Map();
      for (const s of result?.series ?? [])
        for (const [t, m] of s.values) out.set(`${s.tags?.hostname ?? q.host}|${t}`, m);
      return out;
    },
    influxql,
    stop: () => stopChild(child),
  };
}

export async function startVictoriaMetrics(dir: string): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = join(dir, "data");
  // retention past the data's fixed dates (2024); otherwise the package's defaults
  const args = [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, "-retentionPeriod=100y"];
  const child = launch("victoria-metrics", args, dir);
  const base = `http://127.0.0.1:${port}`;
  await until(
    "victoria-metrics answering /health",
    30_000,
    async () => (await ok("victoria-metrics", `${base}/health`, "GET", {})).status === 200,
  );
  return {
    name: "VictoriaMetrics",
    pid: child.pid ?? 0,
    dataDir,
    write: async (body) =>
      void (await ok("victoria-metrics", `${base}/write?precision=ns`, "POST", {}, body)),
    // ingested rows reach searches only after an in-memory buffer is flushed (about a second)
    settle: async () => void (await ok("victoria-metrics", `${base}/internal/force_flush`, "GET", {})),
    query: async (q) => {
      // a rollup at T covers (T - window, T]: evaluated at each bucket's last millisecond it covers
      // exactly the bucket [start, start + width), as InfluxDB's GROUP BY time does
      const widthMs = q.bucketS * 1000;
      const selector = `${MEASUREMENT}_${FIELD}${q.host === undefined ? "" : `{hostname="${q.host}"}`}`;
      const params = new URLSearchParams({
        query: `avg_over_time(${selector}[${q.bucketS}s])`,
        start: String((q.startMs + widthMs - 1) / 1000),
        end: String((q.endMs - 1) / 1000),
        step: `${q.bucketS}s`,
        nocache: "1",
      });
      const answer = await ok("victoria-metrics", `${base}/api/v1/query_range?${params}`, "GET", {});
      const { data } = JSON.parse(answer.text) as {
        data: { result: { metric: { hostname: string }; values: [number, string][] }[] };
      };
      const out: Buckets = new Map();
      for (const s of data.result)
        for (const [t, v] of s.values)
          out.set(`${s.metric.hostname}|${Math.round(t * 1000) + 1 - widthMs}`, Number(v));
      return out;
    },
    stop: () => stopChild(child),
  };
}
