/**
 * guru-engine: ingest over q IPC in 10,000-row columnar batches (time, 2 symbol tags, 8 floats)
 * on one connection and on four, then 5-minute averages over one day of 1-second data for 100 tag
 * values (8.64M rows). The engine runs as a child process, as in production, so the client's
 * encoding does not share its thread. Run: npx tsx bench/engine.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildEngine, spawnEngine } from "../engine/src/child-process.js";
import { QClient } from "../qipc/src/client.js";
import type { QValue } from "../qipc/src/types.js";
import { type Figure, report } from "./support/report.js";

const BATCH_ROWS = 10_000;
const TAGS = 100;
const SECONDS = 86_400;
/** rows of the day: one per second per tag value */
const DAY_ROWS = SECONDS * TAGS;
const BATCHES = DAY_ROWS / BATCH_ROWS;
/** a sixth of the day goes in on one connection one request at a time, a sixth on one connection
 * with two requests in flight (pipelined, as kdb+ clients write), the rest on four connections */
const SINGLE_BATCHES = BATCHES / 6;
const QUERY_RUNS = 15;

const NS = 1_000_000_000n;
/** 2024.01.01D00:00 in q's nanoseconds since 2000.01.01 */
const DAY0 = 8766n * 86_400n * NS;
const FIELDS = Array.from({ length: 8 }, (_, i) => `f${i}`);

const sym = (value: string): QValue => ({ type: -11, value });

function schema(): QValue {
  const names = ["time", "host", "region", ...FIELDS];
  return {
    type: 98,
    attr: 0,
    columns: ["name", "type", "tag"],
    data: [
      { type: 11, attr: 0, value: names },
      { type: 10, attr: 0, value: new Uint8Array(Buffer.from(`pss${"f".repeat(FIELDS.length)}`)) },
      { type: 1, attr: 0, value: Uint8Array.from(names, (_, i) => (i === 1 || i === 2 ? 1 : 0)) },
    ],
  };
}

/** Batch k: 100 seconds of the day, every tag value each second; floats a noisy random walk. */
function batchMaker(): (k: number) => QValue {
  const hosts = Array.from({ length: BATCH_ROWS }, (_, i) => `host${String(i % TAGS).padStart(3, "0")}`);
  const regions = Array.from({ length: BATCH_ROWS }, (_, i) => `region${i % 5}`);
  const fieldPool = Array.from({ length: 16 }, (_, p) =>
    FIELDS.map((_, f) =>
      Float64Array.from(
        { length: BATCH_ROWS },
        (_, i) =>
          Math.round((50 + 20 * Math.sin((p * BATCH_ROWS + i) / (500 + f)) + Math.random()) * 100) / 100,
      ),
    ),
  );
  return (k) => {
    const time = new BigInt64Array(BATCH_ROWS);
    const first = DAY0 + BigInt((k * BATCH_ROWS) / TAGS) * NS;
    for (let i = 0; i < BATCH_ROWS; i++) time[i] = first + BigInt(Math.floor(i / TAGS)) * NS;
    const fields = fieldPool[k % fieldPool.length] as Float64Array[];
    return {
      type: 98,
      attr: 0,
      columns: ["time", "host", "region", ...FIELDS],
      data: [
        { type: 12, attr: 0, value: time },
        { type: 11, attr: 0, value: hosts },
        { type: 11, attr: 0, value: regions },
        ...fields.map((value): QValue => ({ type: 9, attr: 0, value })),
      ],
    };
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

interface Run {
  rowsPerSecond: number;
  median: number;
  p99: number;
}

/** Writes `batches` over `connections` connections with `depth` requests in flight on each. */
async function ingest(
  engine: ChildEngine,
  batches: QValue[],
  connections: number,
  depth: number,
): Promise<Run> {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(engine)));
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: connections * depth }, async (_, worker) => {
      const client = clients[worker % connections] as QClient;
      for (let k = next++; k < batches.length; k = next++) {
        const sent = performance.now();
        await client.call(".guru.write", sym("bench"), batches[k] as QValue);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return {
    rowsPerSecond: (batches.length * BATCH_ROWS) / seconds,
    median: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

async function timeQueries(
  client: QClient,
  options: QValue,
  expectedRows: number,
): Promise<{ median: number; p99: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < QUERY_RUNS; i++) {
    const began = performance.now();
    const result = await client.call(".guru.query", sym("bench"), options);
    latencies.push(performance.now() - began);
    const rows = result.type === 98 ? (result.data[0] as { value: ArrayLike<unknown> }).value.length : -1;
    if (rows !== expectedRows) throw new Error(`expected ${expectedRows} rows, got ${rows}`);
  }
  latencies.sort((a, b) => a - b);
  return { median: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** The engine's resident memory, from its Prometheus metrics. */
async function residentBytes(engine: ChildEngine): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

function connect(engine: ChildEngine): Promise<QClient> {
  return QClient.connect({ host: "127.0.0.1", port: engine.port, user: "bench", password: "bench" });
}

function dict(entries: [string, QValue][]): QValue {
  return {
    type: 99,
    keys: { type: 11, attr: 0, value: entries.map(([k]) => k) },
    values: { type: 0, attr: 0, value: entries.map(([, v]) => v) },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "guru-bench-engine-"));
  const engine = await spawnEngine({
    env: {
      GURU_SEGMENTS: [join(dir, "s0"), join(dir, "s1")].join(","),
      GURU_CREDENTIALS: "bench:bench",
      GURU_PORT: "0",
      GURU_HTTP_PORT: "0",
      GURU_LOG_LEVEL: "warn",
    },
  });
  try {
    console.log(
      `dataset: ${DAY_ROWS.toLocaleString("en-US")} rows (1-second data for ${TAGS} tag values over one day), ${BATCHES} batches of ${BATCH_ROWS.toLocaleString("en-US")} rows`,
    );
    const make = batchMaker();
    const batches = Array.from({ length: BATCHES }, (_, k) => make(k));
    const admin = await connect(engine);
    await admin.call(".guru.create", sym("bench"), schema());

    const one = await ingest(engine, batches.slice(0, SINGLE_BATCHES), 1, 1);
    console.log(`1 connection:  ${Math.round(one.rowsPerSecond).toLocaleString("en-US")} rows/s`);
    const piped = await ingest(engine, batches.slice(SINGLE_BATCHES, 2 * SINGLE_BATCHES), 1, 2);
    console.log(
      `1 connection, 2 in flight: ${Math.round(piped.rowsPerSecond).toLocaleString("en-US")} rows/s`,
    );
    const four = await ingest(engine, batches.slice(2 * SINGLE_BATCHES), 4, 1);
    console.log(`4 connections: ${Math.round(four.rowsPerSecond).toLocaleString("en-US")} rows/s`);

    const day: [string, QValue][] = [
      ["start", { type: -12, value: DAY0 }],
      ["end", { type: -12, value: DAY0 + 86_400n * NS }],
      ["bucket", { type: -16, value: 300n * NS }],
      ["agg", dict([["mean", { type: 11, attr: 0, value: ["avg", "f0"] }]])],
    ];
    const byTag = await timeQueries(admin, dict([...day, ["by", sym("host")]]), (SECONDS / 300) * TAGS);
    const oneTag = await timeQueries(
      admin,
      dict([
        ...day,
        ["where", { type: 0, attr: 0, value: [{ type: 11, attr: 0, value: ["host", "=", "host042"] }] }],
      ]),
      SECONDS / 300,
    );
    await admin.close();
    const rss = await residentBytes(engine);

    const figures: Figure[] = [
      { metric: "ingest, 1 connection", value: one.rowsPerSecond, unit: "rows/s" },
      { metric: "write latency, 1 connection, median", value: one.median, unit: "ms" },
      { metric: "write latency, 1 connection, p99", value: one.p99, unit: "ms" },
      { metric: "ingest, 1 connection, 2 requests in flight", value: piped.rowsPerSecond, unit: "rows/s" },
      { metric: "write latency, 2 in flight, median", value: piped.median, unit: "ms" },
      { metric: "write latency, 2 in flight, p99", value: piped.p99, unit: "ms" },
      { metric: "ingest, 4 connections", value: four.rowsPerSecond, unit: "rows/s" },
      { metric: "write latency, 4 connections, median", value: four.median, unit: "ms" },
      { metric: "write latency, 4 connections, p99", value: four.p99, unit: "ms" },
      { metric: "5-minute avg by tag over 8.64M rows, median", value: byTag.median, unit: "ms" },
      { metric: "5-minute avg by tag over 8.64M rows, p99", value: byTag.p99, unit: "ms" },
      { metric: "5-minute avg of one tag value, median", value: oneTag.median, unit: "ms" },
      { metric: "5-minute avg of one tag value, p99", value: oneTag.p99, unit: "ms" },
      { metric: "engine RSS after loading the day", value: rss / 2 ** 20, unit: "MiB" },
    ];
    report(
      "engine",
      figures,
      `guru-engine ingest over q IPC, one connection: ${Math.round(one.rowsPerSecond).toLocaleString("en-US")} rows/s, ` +
        `${Math.round(piped.rowsPerSecond).toLocaleString("en-US")} rows/s with 2 requests in flight (target ≥ 1,000,000)`,
    );
  } finally {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
