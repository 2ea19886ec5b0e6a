/**
 * /query latency for what a Grafana dashboard sends, guru-api beside InfluxDB 1.x (Debian's;
 * `make bench-influxql` installs it): both started fresh on loopback, guru-api as `make run`
 * starts it, the same TSBS cpu-only data (BENCH_HOSTS hosts, default 100, every 10 s over the last
 * 6 hours but 10 minutes) written to each, then Grafana's generated InfluxQL, `epoch=ms` as Grafana
 * asks: a time-series panel for one host, the same by host, a multi-value variable's regex and
 * the variable's SHOW TAG VALUES. Each statement's answers must agree (series, tags, columns,
 * times; values to 1e-9 relative, the sums run in another order), then it is timed BENCH_RUNS
 * times (default 50) on each server, alternating which goes first, after two warm-up runs; median
 * and p90 are printed and written to bench/results/influxql.json. Both servers stay up for the
 * whole run, each idle while the other answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchServer, startGuru, startInfluxDB } from "./support/peer-servers.js";
import { type Figure, ratio, report } from "./support/report.js";
import { at } from "./support/stats.js";
import { bodies, FIELD, MEASUREMENT } from "./support/tsbs-data.js";

const HOSTS = Number(process.env.BENCH_HOSTS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const STEP_S = 10;
const WINDOW_MS = 6 * 3_600_000;
// data stop short of the window's lower bound, so an answer does not change as now() moves on
const MARGIN_MS = 10 * 60_000;

const RANGE = "time >= now() - 6h and time <= now()";
const QUERIES = [
  {
    name: "time-series panel, 1 host, 6 h by 1 min",
    q: `SELECT mean("${FIELD}") FROM "${MEASUREMENT}" WHERE ("hostname" = 'host_1') AND ${RANGE} GROUP BY time(1m) fill(null)`,
  },
  {
    name: `panel by host (${HOSTS}), 6 h by 1 min`,
    q: `SELECT mean("${FIELD}") FROM "${MEASUREMENT}" WHERE ${RANGE} GROUP BY time(1m), "hostname" fill(null)`,
  },
  {
    name: "multi-value variable, 3 hosts, 6 h by 1 min",
    q: `SELECT mean("${FIELD}") FROM "${MEASUREMENT}" WHERE ("hostname" =~ /^(host_1|host_2|host_3)$/) AND ${RANGE} GROUP BY time(1m), "hostname" fill(null)`,
  },
  {
    name: "variable query, SHOW TAG VALUES",
    q: `SHOW TAG VALUES FROM "${MEASUREMENT}" WITH KEY = "hostname"`,
  },
];

type Series = { name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] };
type Answer = { results: { statement_id: number; series?: Series[]; error?: string }[] };

/** where `a` and `b` first differ (numbers to 1e-9 relative), or undefined */
function difference(a: unknown, b: unknown, path = ""): string | undefined {
  if (typeof a === "number" && typeof b === "number")
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) ? undefined : `${path}: ${a} vs ${b}`;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return a === b ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = difference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}/${k}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

function parse(server: BenchServer, text: string): Answer {
  const answer = JSON.parse(text) as Answer;
  const error = answer.results.find((r) => r.error !== undefined)?.error;
  if (error !== undefined) throw new Error(`${server.name}: ${error}`);
  return answer;
}

function send(server: BenchServer, q: string): Promise<string> {
  if (server.influxql === undefined) throw new Error(`${server.name} does not answer InfluxQL`);
  return server.influxql(q);
}

const ask = async (server: BenchServer, q: string) => parse(server, await send(server, q));

/**
 * Both answers to `q`, required equal. A minute that starts between the two asks moves the
 * window's buckets by one (the empty ones at its start), so a difference in the first bucket's
 * time is asked again.
 */
async function agreed(servers: BenchServer[], q: string): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const [ours, theirs] = await Promise.all(servers.map((s) => ask(s, q)));
    const d = difference(ours, theirs);
    if (d === undefined) return ours as Answer;
    if (attempt >= 3 || !/^\/results\/0\/series\/\d+\/values\/0\/0:/.test(d))
      throw new Error(`guru-api's answer differs from InfluxDB's at ${d}\n  ${q}`);
  }
}

/** RUNS timed asks of `q` on each server, alternating which goes first */
async function time(servers: BenchServer[], q: string): Promise<number[][]> {
  const ms = servers.map(() => [] as number[]);
  for (const s of servers) for (let i = 0; i < 2; i++) await ask(s, q);
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const server = servers[k] as BenchServer;
      const t0 = performance.now();
      const text = await send(server, q);
      ms[k]?.push(performance.now() - t0);
      parse(server, text);
    }
  }
  return ms;
}

async function main() {
  const endMs = Math.floor(Date.now() / (STEP_S * 1000)) * STEP_S * 1000;
  const startMs = endMs - WINDOW_MS + MARGIN_MS;
  const lines = ((WINDOW_MS - MARGIN_MS) / (STEP_S * 1000)) * HOSTS;
  const batches = bodies({ lines, hosts: HOSTS, startMs, stepS: STEP_S });
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "guru-bench-influxql-")));
  const servers: BenchServer[] = [];
  try {
    servers.push(await startGuru(dirs[0] as string), await startInfluxDB(dirs[1] as string));
    for (const body of batches) await Promise.all(servers.map((s) => s.write(body)));
    console.log(`${lines.toLocaleString("en-US")} lines (${HOSTS} hosts, every ${STEP_S} s) written to both`);
    const figures: Figure[] = [];
    const answers = [];
    for (const { name, q } of QUERIES) {
      const answer = await agreed(servers, q);
      const series = answer.results[0]?.series ?? [];
      answers.push({
        name,
        q,
        series: series.length,
        rows: series.reduce((n, s) => n + (s.values?.length ?? 0), 0),
      });
      const [ours, theirs] = (await time(servers, q)) as [number[], number[]];
      for (const [label, p] of [
        ["median", 0.5],
        ["p90", 0.9],
      ] as const) {
        const [value, peer] = [at(ours, p), at(theirs, p)];
        figures.push({
          metric: `${name}, ${label}`,
          value,
          unit: "ms",
          peer: { name: "InfluxDB", value: peer },
          ratio: ratio(value, peer, false),
        });
      }
    }
    const [panel] = figures;
    report(
      "influxql",
      figures,
      `Grafana's time-series panel on /query: guru-api ${panel?.value.toFixed(1)} ms median, InfluxDB ${panel?.peer?.value.toFixed(1)} ms (answers equal; ${RUNS} runs each)`,
      { hosts: HOSTS, lines, runs: RUNS, answers },
    );
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
