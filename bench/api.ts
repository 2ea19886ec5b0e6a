/**
 * guru-api REST ingest and query, as issue 6 measures it: InfluxDB line protocol in 5,000-line
 * batches from 4 concurrent clients into a local database (cpu-style: 2 tags, 10 float fields),
 * giving points/s and the API's CPU time per point; then a bucketed aggregate through REST
 * (median and p99 latency). The API runs in this process (its guru-engine as a child process,
 * as `make run` does); the clients only send bodies built beforehand, so this process's CPU time
 * is the API's. When Debian's influxd is installed (`apt-get install -y influxdb`, 1.6.7) the same
 * load runs against it on loopback ports as the peer. Run: npx tsx bench/api.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createAdminToken } from "../api/src/bootstrap.js";
import { loadConfig } from "../api/src/config.js";
import { createRuntime, listenRuntime } from "../api/src/server.js";
import { type Figure, ratio, report } from "./support/report.js";

const BATCH_LINES = 5000;
const BATCHES = 100;
const CLIENTS = 4;
const HOSTS = 100;
const QUERY_RUNS = 30;
const DAY_NS = 1_704_067_200_000_000_000n;
const FIELDS = Array.from({ length: 10 }, (_, i) => `f${i}`);

/** Batch k: 50 seconds of 100 hosts, 10 floats each. */
function batches(): Buffer[] {
  return Array.from({ length: BATCHES }, (_, k) => {
    let text = "";
    for (let j = 0; j < BATCH_LINES; j++) {
      const i = k * BATCH_LINES + j;
      const host = i % HOSTS;
      const fields = FIELDS.map((f, n) => `${f}=${((i * (n + 7)) % 1000) / 10 + 0.25}`).join(",");
      text += `cpu,hostname=host_${host},region=region_${host % 5} ${fields} ${DAY_NS + BigInt(Math.floor(i / HOSTS)) * 1_000_000_000n}\n`;
    }
    return Buffer.from(text);
  });
}

interface Target {
  name: string;
  write(body: Buffer): Promise<number>;
  query(): Promise<number>;
  cpuMicros(): number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });

function http(url: string, method: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function ingest(target: Target, bodies: Buffer[]) {
  let next = 0;
  const cpu0 = target.cpuMicros();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let k = next++; k < bodies.length; k = next++) {
        const status = await target.write(bodies[k]!);
        if (status !== 204) throw new Error(`${target.name}: write answered ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const points = bodies.length * BATCH_LINES;
  return { pointsPerSecond: points / seconds, cpuMicrosPerPoint: (target.cpuMicros() - cpu0) / points };
}

async function latency(target: Target) {
  for (let i = 0; i < 3; i++) await target.query(); // warm up
  const times: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    const rows = await target.query();
    times.push(performance.now() - t0);
    if (rows === 0) throw new Error(`${target.name}: the query returned nothing`);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { median: at(0.5), p99: at(0.99) };
}

const START = "2024-01-01T00:00:00Z";
const END = "2024-01-01T02:00:00Z";

async function guruTarget(dataDir: string) {
  const config = loadConfig({
    GURU_API_MODE: "local",
    GURU_API_DATA_DIR: dataDir,
    GURU_API_PORT: "0",
    GURU_API_METRICS_PORT: "0",
    GURU_API_LOG_LEVEL: "silent",
    GURU_API_RATE_LIMIT: "off",
    GURU_API_BOOTSTRAP_ADMIN: "false",
    GURU_API_RECONCILE_INTERVAL_MS: "100",
  });
  const runtime = await createRuntime(config);
  const listening = await listenRuntime(runtime);
  const admin = await createAdminToken(runtime.services, { accountName: "bench" });
  const auth = { Authorization: `Bearer ${admin.token}` };
  const json = { ...auth, "Content-Type": "application/json" };
  await http(
    `${listening.url}/v1/databases`,
    "POST",
    json,
    Buffer.from(JSON.stringify({ name: "bench", size: "small" })),
  );
  for (let i = 0; ; i++) {
    const db = JSON.parse((await http(`${listening.url}/v1/databases/bench`, "GET", auth)).text) as {
      status: string;
    };
    if (db.status === "ready") break;
    if (i > 600) throw new Error("the database did not get ready");
    await sleep(100);
  }
  const writeUrl = `${listening.url}/api/v2/write?bucket=bench&precision=ns`;
  const queryUrl = `${listening.url}/v1/databases/bench/series/cpu/query?start=${START}&end=${END}&bucket=5m&agg=a=avg(f0),m=max(f1)`;
  const target: Target = {
    name: "guru-api",
    write: async (body) =>
      (await http(writeUrl, "POST", { Authorization: `Token ${admin.token}` }, body)).status,
    query: async () => (JSON.parse((await http(queryUrl, "GET", auth)).text) as { count: number }).count,
    cpuMicros: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
  };
  return {
    target,
    close: async () => {
      await listening.close();
      await runtime.close();
    },
  };
}

async function influxTarget(
  dir: string,
): Promise<{ target: Target; close: () => Promise<void> } | undefined> {
  const port = 18086;
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "influxdb.conf");
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:18088"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`,
  );
  let child: ChildProcess;
  try {
    child = spawn("influxd", ["-config", config], { stdio: "ignore" });
    await new Promise<void>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", resolve);
    });
  } catch {
    return undefined;
  }
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await http(`${base}/ping`, "GET", {})).status === 204) break;
    } catch {}
    if (i > 200) throw new Error("influxd did not start");
    await sleep(50);
  }
  await http(`${base}/query?q=${encodeURIComponent("CREATE DATABASE bench")}`, "POST", {});
  const q = encodeURIComponent(
    `SELECT mean(f0), max(f1) FROM cpu WHERE time >= '${START}' AND time < '${END}' GROUP BY time(5m)`,
  );
  const target: Target = {
    name: "InfluxDB 1.6.7",
    write: async (body) => (await http(`${base}/write?db=bench&precision=ns`, "POST", {}, body)).status,
    query: async () => {
      const r = JSON.parse((await http(`${base}/query?db=bench&q=${q}`, "GET", {})).text) as {
        results: { series?: { values: unknown[] }[] }[];
      };
      return r.results[0]?.series?.[0]?.values.length ?? 0;
    },
    cpuMicros: () => {
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return ((Number(stat[11]) + Number(stat[12])) * 1e6) / 100; // utime + stime, in clock ticks
    },
  };
  return {
    target,
    close: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function measure(target: Target, bodies: Buffer[]) {
  const ingested = await ingest(target, bodies);
  return { ...ingested, ...(await latency(target)) };
}

async function main() {
  const bodies = batches();
  const dir = mkdtempSync(join(tmpdir(), "guru-bench-api-"));
  try {
    const guru = await guruTarget(join(dir, "guru"));
    const ours = await measure(guru.target, bodies).finally(() => guru.close());
    const influx = await influxTarget(join(dir, "influx"));
    const peer =
      influx === undefined ? undefined : await measure(influx.target, bodies).finally(() => influx.close());
    const name = "InfluxDB 1.6.7";
    const figure = (
      metric: string,
      value: number,
      unit: string,
      peerValue: number | undefined,
      higher: boolean,
    ): Figure => ({
      metric,
      value,
      unit,
      ...(peerValue === undefined
        ? {}
        : { peer: { name, value: peerValue }, ratio: ratio(value, peerValue, higher) }),
    });
    const figures = [
      figure(
        "line protocol ingest, 5k-line batches, 4 clients",
        ours.pointsPerSecond,
        "points/s",
        peer?.pointsPerSecond,
        true,
      ),
      figure("API CPU time per point", ours.cpuMicrosPerPoint, "µs", peer?.cpuMicrosPerPoint, false),
      figure("bucketed query (5m avg+max over 2h), median", ours.median, "ms", peer?.median, false),
      figure("bucketed query, p99", ours.p99, "ms", peer?.p99, false),
    ];
    const vs =
      peer === undefined
        ? "(influxd not installed: no peer)"
        : `, ${(ours.pointsPerSecond / peer.pointsPerSecond).toFixed(2)}x InfluxDB 1.6.7`;
    report(
      "api",
      figures,
      `guru-api ingest: ${Math.round(ours.pointsPerSecond).toLocaleString("en-US")} points/s${vs}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
