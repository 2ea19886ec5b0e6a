/**
 * make soak: guru-api as `make run` starts it (local mode, engines as child processes) under
 * sustained line-protocol ingest and queries for SOAK_SECONDS (default 600), while a chaos loop
 * kill -9s an engine or the API itself every SOAK_CHAOS_MIN_S..SOAK_CHAOS_MAX_S seconds (default
 * 15..30) and starts the API again. After each recovery, and at the end, every acknowledged batch
 * must be in the database exactly once (count and checksum per batch, one grouped query).
 *
 * Prints RSS of every process over time, answers by status (5xx inside and outside the windows
 * when a process was down), recovery times; writes bench/results/soak.json. Exits 1 when a row
 * was lost or duplicated, or a 5xx came outside a down window.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./support/http-client.js";
import { rssMiB, tree } from "./support/process-tree.js";
import { writeResults } from "./support/report.js";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CHAOS_MIN_S = Number(process.env.SOAK_CHAOS_MIN_S ?? 15);
const CHAOS_MAX_S = Number(process.env.SOAK_CHAOS_MAX_S ?? 30);
const BATCH = 1000;
const WRITERS = 2;
/** after a process is back, answers within this long still count as inside its down window */
const GRACE_MS = 2000;
const T0 = 1_704_067_200_000_000_000n; // 2024-01-01T00:00:00Z, ns

// a fixed sequence: the chaos is random but the same from run to run
let seed = Number(process.env.SOAK_SEED ?? 13);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const dir = await mkdtemp(join(tmpdir(), "guru-soak-"));
const dataDir = join(dir, "data");
const port = await freePort();
const metricsPort = await freePort();
const base = `http://127.0.0.1:${port}`;
const log = openSync(join(dir, "guru-api.log"), "a");
let api: ChildProcess | undefined;
let token = "";

async function startApi(): Promise<number> {
  const started = Date.now();
  api = spawn(process.execPath, ["dist/api/src/main.js"], {
    env: {
      ...process.env,
      GURU_API_MODE: "local",
      GURU_API_DATA_DIR: dataDir,
      GURU_API_PORT: String(port),
      GURU_API_METRICS_PORT: String(metricsPort),
      GURU_API_LOG_LEVEL: "warn",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stdio: ["ignore", log, log],
  });
  for (;;) {
    if (api.exitCode !== null) throw new Error(`guru-api exited (${api.exitCode}); see ${dir}/guru-api.log`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return Date.now() - started;
    await sleep(50);
  }
}

const engines = () =>
  api?.pid === undefined
    ? []
    : tree(api.pid)
        .slice(1)
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("engine/src/main.js");
          } catch {
            return false;
          }
        });

// ---- what happened
const statuses = new Map<string, number>();
/** the first answer of each error status, for the report */
const examples = new Map<string, string>();
let fivexxOutside = 0;
let downSince: number | undefined;
let upAt = 0;
const count = (status: string, at: number) => {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const inWindow = downSince !== undefined || at - upAt < GRACE_MS;
  if (/^5/.test(status) && !inWindow) fivexxOutside++;
};
async function call(method: string, path: string, body?: string) {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/plain" },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    count(String(res.status), started);
    if (res.status >= 300 && !examples.has(String(res.status)))
      examples.set(String(res.status), `${method} ${path.split("?")[0]}: ${text.slice(0, 200)}`);
    return { status: res.status, text };
  } catch (err) {
    const name = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    count(name, started);
    return { status: 0, text: String(err) };
  }
}

// ---- batches: batch k holds BATCH rows v = k * 100000 + i, tag b = k, unique timestamps
const acknowledged = new Set<number>();
const failed = new Set<number>();
let nextBatch = 0;
let rowsAcked = 0;
const checksum = (k: number) => BATCH * k * 100_000 + (BATCH * (BATCH - 1)) / 2;
let stopping = false;

async function writer() {
  while (!stopping) {
    const k = nextBatch++;
    const lines = Array.from(
      { length: BATCH },
      (_, i) => `soak,b=${k} v=${k * 100_000 + i}i ${T0 + BigInt(k * BATCH + i) * 1000n}`,
    );
    const res = await call("POST", "/v1/databases/soak/write?precision=ns", lines.join("\n"));
    if (res.status === 204) {
      acknowledged.add(k);
      rowsAcked += BATCH;
    } else {
      failed.add(k);
      await sleep(100);
    }
  }
}

let queries = 0;
async function querier() {
  while (!stopping) {
    const res = await call(
      "GET",
      "/v1/databases/soak/series/soak/query?start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z&bucket=1s&agg=m=avg(v),n=count(v)",
    );
    if (res.status === 200) queries++;
    await sleep(200);
  }
}

// ---- the check: one grouped query; every acknowledged batch complete and once
interface Check {
  at: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  partial: number;
}
const checks: Check[] = [];
async function verify(): Promise<Check> {
  const snapshot = new Set(acknowledged);
  const found = new Map<number, { n: number; s: number }>();
  let cursor: string | null = null;
  do {
    const res = await call(
      "GET",
      `/v1/databases/soak/series/soak/query?start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z&by=b&agg=n=count(v),s=sum(v)${cursor ? `&cursor=${cursor}` : ""}`,
    );
    if (res.status !== 200) throw new Error(`check query ${res.status}: ${res.text}`);
    const body = JSON.parse(res.text) as { values: Record<string, unknown[]>; nextCursor: string | null };
    for (const [i, b] of (body.values.b ?? []).entries())
      found.set(Number(b), { n: Number(body.values.n?.[i]), s: Number(body.values.s?.[i]) });
    cursor = body.nextCursor;
  } while (cursor !== null);
  let lost = 0;
  let duplicated = 0;
  let partial = 0;
  for (const k of snapshot) {
    const f = found.get(k);
    if (f === undefined || f.n < BATCH) lost++;
    else if (f.n > BATCH || f.s !== checksum(k)) duplicated++;
  }
  // batches not acknowledged (failed, or in flight) may be there, but only whole and once
  for (const [k, f] of found) if (!snapshot.has(k) && (f.n !== BATCH || f.s !== checksum(k))) partial++;
  const check = {
    at: Math.round((Date.now() - t0) / 1000),
    acknowledged: snapshot.size,
    lost,
    duplicated,
    partial,
  };
  checks.push(check);
  return check;
}

// ---- RSS over time
const samples: { t: number; api: number; heap: number; external: number; engines: number[] }[] = [];
/** the API's V8 heap in use and its external memory (Buffers), MiB, from its /metrics */
async function apiHeap(): Promise<{ heap: number; external: number }> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  const metric = (name: string) =>
    Number(new RegExp(`^tsg_api_${name} (\\S+)`, "m").exec(text)?.[1] ?? 0) / 2 ** 20;
  return { heap: metric("nodejs_heap_size_used_bytes"), external: metric("nodejs_external_memory_bytes") };
}
const restarts: number[] = [];
async function sampler() {
  while (!stopping) {
    if (api?.pid !== undefined && downSince === undefined) {
      const [apiRss = 0] = rssMiB(api.pid);
      samples.push({
        t: Math.round((Date.now() - t0) / 1000),
        api: apiRss,
        ...(await apiHeap()),
        engines: engines().map((pid) => rssMiB(pid)[0] ?? 0),
      });
    }
    await sleep(10_000);
  }
}

// ---- chaos
const recoveries: { kind: string; ms: number; check: Check }[] = [];
async function chaos(deadline: number) {
  for (;;) {
    const wait = (CHAOS_MIN_S + random() * (CHAOS_MAX_S - CHAOS_MIN_S)) * 1000;
    if (Date.now() + wait > deadline - 10_000) return;
    await sleep(wait);
    const targets = engines();
    const kind = random() < 0.5 || targets.length === 0 ? "api" : "engine";
    downSince = Date.now();
    if (kind === "api") {
      api?.kill("SIGKILL");
      await new Promise((resolve) => (api?.exitCode !== null ? resolve(null) : api.once("exit", resolve)));
      restarts.push(Math.round((Date.now() - t0) / 1000));
      await startApi();
    } else process.kill(targets[Math.floor(random() * targets.length)] as number, "SIGKILL");
    // recovered: a write and a query answered 2xx again
    for (;;) {
      const w = await call("POST", "/v1/databases/soak/write", `probe,b=x v=1i ${T0}`);
      const q = await call("GET", "/v1/databases/soak/series/soak/last");
      if (w.status === 204 && q.status === 200) break;
      await sleep(100);
    }
    const ms = Date.now() - downSince;
    upAt = Date.now();
    downSince = undefined;
    const check = await verify();
    recoveries.push({ kind, ms, check });
    process.stdout.write(
      `  ${check.at}s: kill -9 ${kind}, recovered in ${ms} ms; ${check.acknowledged} batches acknowledged, lost ${check.lost}, duplicated ${check.duplicated}, partial ${check.partial}\n`,
    );
  }
}

// ---- run
process.on("exit", () => api?.kill("SIGKILL"));
const tokenFile = join(dataDir, "admin-token");
await startApi();
for (let i = 0; !existsSync(tokenFile) && i < 200; i++) await sleep(50);
token = readFileSync(tokenFile, "utf8").trim();
const created = await fetch(`${base}/v1/databases`, {
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  body: JSON.stringify({ name: "soak", size: "dev", storage: { stripes: 2, stripeSizeGiB: 1 } }),
});
if (created.status !== 202) throw new Error(`database: ${created.status} ${await created.text()}`);
for (;;) {
  const db = await fetch(`${base}/v1/databases/soak`, { headers: { Authorization: `Bearer ${token}` } });
  if (((await db.json()) as { status: string }).status === "ready") break;
  await sleep(100);
}
process.stdout.write(`soak: ${SECONDS} s against guru-api (local mode) in ${dir}\n`);
const t0 = Date.now();
const deadline = t0 + SECONDS * 1000;
const load = [...Array.from({ length: WRITERS }, writer), querier(), sampler()];
await chaos(deadline);
await sleep(Math.max(0, deadline - Date.now()));
stopping = true;
await Promise.all(load);
const final = await verify();

// ---- report
const elapsed = (Date.now() - t0) / 1000;
process.stdout.write("\nMiB every 10 s: api RSS (V8 heap used, external) | engines RSS\n");
for (const s of samples)
  process.stdout.write(
    `  ${String(s.t).padStart(4)}s  ${s.api.toFixed(0).padStart(4)} (${s.heap.toFixed(0)}, ${s.external.toFixed(0)}) | ${s.engines.map((e) => e.toFixed(0)).join(" ")}\n`,
  );
process.stdout.write(`API restarts at: ${restarts.join("s, ")}s\n`);
process.stdout.write(`answers: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}\n`);
for (const [status, example] of examples) process.stdout.write(`  first ${status}: ${example}\n`);
const times = recoveries.map((r) => r.ms).sort((a, b) => a - b);
const byKind = (k: string) => recoveries.filter((r) => r.kind === k).map((r) => r.ms);
process.stdout.write(
  `recoveries: ${recoveries.length} (api ${byKind("api").join(", ")} ms; engine ${byKind("engine").join(", ")} ms)\n`,
);
const lost = Math.max(0, ...checks.map((c) => c.lost));
const duplicated = Math.max(0, ...checks.map((c) => c.duplicated));
const partial = Math.max(0, ...checks.map((c) => c.partial));
// flat: the API's RSS in the second half of each lifetime against the first
const apiGrowth = samples.length > 2 ? (samples.at(-1)?.api ?? 0) - (samples[1]?.api ?? 0) : 0;
const summary = {
  seconds: Math.round(elapsed),
  rowsAcknowledged: rowsAcked,
  rowsPerSecond: Math.round(rowsAcked / elapsed),
  queries,
  failedBatches: failed.size,
  lost,
  duplicated,
  partial,
  fivexxOutsideDownWindows: fivexxOutside,
  statuses: Object.fromEntries(statuses),
  recoveryMs: {
    count: times.length,
    median: times[Math.floor(times.length / 2)] ?? 0,
    max: times.at(-1) ?? 0,
  },
  finalCheck: final,
  rssMiB: samples,
};
writeResults("soak", summary);
process.stdout.write(
  `\nsoak: ${summary.seconds} s, ${rowsAcked} rows acknowledged (${summary.rowsPerSecond}/s), ${queries} queries, ${times.length} kills; lost ${lost}, duplicated ${duplicated}, partial ${partial}, 5xx outside down windows ${fivexxOutside}; recovery median ${summary.recoveryMs.median} ms, max ${summary.recoveryMs.max} ms; API RSS ${apiGrowth >= 0 ? "+" : ""}${apiGrowth.toFixed(0)} MiB first to last sample\n`,
);
api?.kill("SIGKILL");
await rm(dir, { recursive: true, force: true }).catch(() => {});
// exitCode, not exit(): a piped stdout gets everything written first
process.exitCode = lost > 0 || duplicated > 0 || fivexxOutside > 0 ? 1 : 0;
