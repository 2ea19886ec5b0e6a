/**
 * guru-api against the peers a user would pick instead, on the same machine and the same work:
 * InfluxDB 1.x and VictoriaMetrics (Debian packages; `make bench-peers` installs them).
 * TSBS cpu-only shape: 100 hosts, 2 tags, 10 float fields, 2,000,000 lines every 10 s per host
 * (~55.6 h), in 5,000-line bodies from 4 clients; then three bucketed averages. Rounds interleave
 * the servers, each started fresh. Per server: ingest lines/s, CPU seconds per 1M values of the
 * whole process tree (guru-api's engines included, and the API alone), RSS after the load, after
 * the queries and 10 s later at rest, disk, query median and p90; every answer's status is checked
 * and guru-api's buckets must equal InfluxDB's. Run: make bench-peers (results in bench/results/peers.json).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type BenchServer,
  type BucketQuery,
  type Buckets,
  startGuru,
  startInfluxDB,
  startVictoriaMetrics,
} from "./support/peer-servers.js";
import { cpuSeconds, diskBytes, rssMiB } from "./support/process-tree.js";
import { writeResults } from "./support/report.js";
import { at, spread } from "./support/stats.js";
import { bodies, FIELDS } from "./support/tsbs-data.js";

const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = 4;
const HOSTS = 100;
const QUERY_RUNS = 30;
const START_MS = Date.UTC(2024, 0, 1);
const STEP_S = 10;
const HOUR_MS = 3_600_000;
/** how long after the queries memory is measured again, nothing asked meanwhile */
const REST_MS = 10_000;

const QUERIES: { name: string; q: BucketQuery }[] = [
  {
    name: "1 host, 24 h, 5 min avg",
    q: { startMs: START_MS, endMs: START_MS + 24 * HOUR_MS, bucketS: 300, host: "host_7" },
  },
  {
    name: "100 hosts, 24 h, 1 h avg by host",
    q: { startMs: START_MS, endMs: START_MS + 24 * HOUR_MS, bucketS: 3600 },
  },
  {
    name: "100 hosts, 56 h, 1 h avg by host",
    q: { startMs: START_MS, endMs: START_MS + 56 * HOUR_MS, bucketS: 3600 },
  },
];

interface Round {
  linesPerS: number;
  cpuSPer1MValues: number;
  /** the root process alone: for guru-api, the API without its engines */
  rootCpuSPer1MValues: number;
  rssAfterLoadMiB: number[];
  rssAfterQueriesMiB: number[];
  /** REST_MS after the queries: what each holds at rest (caches shrunk, WAL checkpointed) */
  rssAtRestMiB: number[];
  diskMiB: number;
  queryMs: number[][];
}

async function ingest(server: BenchServer, batches: Buffer[]) {
  let next = 0;
  const cpu0 = cpuSeconds(server.pid);
  const root0 = cpuSeconds(server.pid, false);
  const t0 = performance.now();
  const client = async () => {
    for (let k = next++; k < batches.length; k = next++) await server.write(batches[k] as Buffer);
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - t0) / 1000;
  const millionValues = (LINES * FIELDS.length) / 1e6;
  return {
    linesPerS: LINES / seconds,
    cpuSPer1MValues: (cpuSeconds(server.pid) - cpu0) / millionValues,
    rootCpuSPer1MValues: (cpuSeconds(server.pid, false) - root0) / millionValues,
  };
}

async function timeQueries(server: BenchServer): Promise<{ ms: number[][]; answers: Buckets[] }> {
  const ms: number[][] = [];
  const answers: Buckets[] = [];
  for (const { q } of QUERIES) {
    answers.push(await server.query(q));
    for (let i = 0; i < 2; i++) await server.query(q); // warm up
    const times: number[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      const t0 = performance.now();
      await server.query(q);
      times.push(performance.now() - t0);
    }
    ms.push(times);
  }
  return { ms, answers };
}

async function runOnce(start: (dir: string) => Promise<BenchServer>, batches: Buffer[]) {
  const dir = mkdtempSync(join(tmpdir(), "guru-bench-peers-"));
  const server = await start(dir);
  try {
    const load = await ingest(server, batches);
    const rssAfterLoadMiB = rssMiB(server.pid);
    await server.settle();
    const { ms, answers } = await timeQueries(server);
    const rssAfterQueriesMiB = rssMiB(server.pid);
    await sleep(REST_MS);
    const rssAtRestMiB = rssMiB(server.pid);
    // on disk once stopped: each server writes what it holds in memory on a clean shutdown
    await server.stop();
    const diskMiB = diskBytes(server.dataDir) / 2 ** 20;
    const round: Round = { ...load, rssAfterLoadMiB, rssAfterQueriesMiB, rssAtRestMiB, diskMiB, queryMs: ms };
    return { name: server.name, round, answers };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** buckets of `b` that differ from `a`'s (relative 1e-9: the sums run in different orders) */
function differences(a: Buckets, b: Buckets): number {
  let n = 0;
  for (const [key, x] of a) {
    const y = b.get(key);
    if (y === undefined || Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) n++;
  }
  for (const key of b.keys()) if (!a.has(key)) n++;
  return n;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
function fmt(n: number): string {
  return n >= 1000 ? Math.round(n).toLocaleString("en-US") : n >= 10 ? n.toFixed(1) : n.toFixed(3);
}

function summarize(rounds: Round[]) {
  return {
    linesPerS: spread(rounds.map((r) => r.linesPerS)),
    cpuSPer1MValues: spread(rounds.map((r) => r.cpuSPer1MValues)),
    rootCpuSPer1MValues: spread(rounds.map((r) => r.rootCpuSPer1MValues)),
    rssAfterLoadMiB: spread(rounds.map((r) => sum(r.rssAfterLoadMiB))),
    rssAfterQueriesMiB: spread(rounds.map((r) => sum(r.rssAfterQueriesMiB))),
    rssAtRestMiB: spread(rounds.map((r) => sum(r.rssAtRestMiB))),
    diskMiB: spread(rounds.map((r) => r.diskMiB)),
    queries: QUERIES.map((query, i) => {
      const all = rounds.flatMap((r) => r.queryMs[i] ?? []);
      return { name: query.name, medianMs: at(all, 0.5), p90Ms: at(all, 0.9) };
    }),
  };
}

type Summary = ReturnType<typeof summarize>;

function print(summaries: Map<string, Summary>, vmAgreement: string) {
  const names = [...summaries.keys()];
  const guru = summaries.get("guru-api") as Summary;
  const vm = summaries.get("VictoriaMetrics") as Summary;
  const rows: [string, (s: Summary) => { median: number; min: number; max: number }, boolean][] = [
    ["ingest, lines/s", (s) => s.linesPerS, true],
    ["server CPU-s per 1M values", (s) => s.cpuSPer1MValues, false],
    ["  of which the root process", (s) => s.rootCpuSPer1MValues, false],
    ["RSS after load, MiB", (s) => s.rssAfterLoadMiB, false],
    ["RSS after queries, MiB", (s) => s.rssAfterQueriesMiB, false],
    [`RSS ${REST_MS / 1000} s later, at rest, MiB`, (s) => s.rssAtRestMiB, false],
    ["disk, MiB", (s) => s.diskMiB, false],
  ];
  const table: string[][] = [["measure", ...names, "guru vs VictoriaMetrics"]];
  for (const [label, pick, higher] of rows) {
    const ratio = higher ? pick(guru).median / pick(vm).median : pick(vm).median / pick(guru).median;
    table.push([
      label,
      ...names.map((n) => {
        const s = pick(summaries.get(n) as Summary);
        return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
      }),
      `${ratio.toFixed(2)}x`,
    ]);
  }
  QUERIES.forEach((q, i) => {
    const cell = (s: Summary) => `${fmt(s.queries[i]?.medianMs ?? 0)} / p90 ${fmt(s.queries[i]?.p90Ms ?? 0)}`;
    const ratio = (vm.queries[i]?.medianMs ?? 0) / (guru.queries[i]?.medianMs ?? 1);
    table.push([
      `${q.name}, median ms`,
      ...names.map((n) => cell(summaries.get(n) as Summary)),
      `${ratio.toFixed(2)}x`,
    ]);
  });
  const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  "));
  console.log(
    `\n(ratios: how many times better guru-api is; spread: min–max over ${ROUNDS} rounds; ${vmAgreement})`,
  );
}

async function main() {
  const batches = bodies({ lines: LINES, hosts: HOSTS, startMs: START_MS, stepS: STEP_S });
  const servers = [startGuru, startInfluxDB, startVictoriaMetrics];
  const rounds = new Map<string, Round[]>();
  let vmDiffers = 0;
  let buckets = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const answers = new Map<string, Buckets[]>();
    // each round starts with the next server, so none always runs on a cold or a warm machine
    for (let k = 0; k < servers.length; k++) {
      const start = servers[(r + k) % servers.length] as (typeof servers)[number];
      const result = await runOnce(start, batches);
      console.log(`round ${r + 1}: ${result.name} ${fmt(result.round.linesPerS)} lines/s`);
      rounds.set(result.name, [...(rounds.get(result.name) ?? []), result.round]);
      answers.set(result.name, result.answers);
    }
    const [guru, influx, vm] = ["guru-api", "InfluxDB", "VictoriaMetrics"].map((n) => answers.get(n) ?? []);
    QUERIES.forEach((q, i) => {
      const ours = guru?.[i] ?? new Map();
      if (ours.size === 0) throw new Error(`guru-api: ${q.name} answered no buckets`);
      const wrong = differences(influx?.[i] ?? new Map(), ours);
      if (wrong > 0) throw new Error(`guru-api: ${q.name}: ${wrong} buckets differ from InfluxDB's`);
      vmDiffers += differences(ours, vm?.[i] ?? new Map());
      buckets += ours.size;
    });
  }
  const summaries = new Map([...rounds].map(([name, rs]) => [name, summarize(rs)]));
  print(
    summaries,
    `guru-api's buckets equal InfluxDB's; VictoriaMetrics differs on ${vmDiffers} of ${buckets}`,
  );
  writeResults("peers", {
    lines: LINES,
    rounds: ROUNDS,
    summaries: Object.fromEntries(summaries),
    raw: Object.fromEntries(rounds),
  });
  const g = summaries.get("guru-api") as Summary;
  const v = summaries.get("VictoriaMetrics") as Summary;
  console.log(
    `guru-api ingest: ${fmt(g.linesPerS.median)} lines/s, ${(g.linesPerS.median / v.linesPerS.median).toFixed(2)}x VictoriaMetrics`,
  );
}

await main();
process.exit(0);
