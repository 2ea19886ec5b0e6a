import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { engineConfig } from "../../../engine/src/config.js";
import { type Engine, startEngine } from "../../../engine/src/engine.js";
import { GENERIC_NULL } from "../../../qipc/src/call.js";
import { QClient } from "../../../qipc/src/client.js";
import { QRemoteError } from "../../../qipc/src/errors.js";
import type { QValue } from "../../../qipc/src/types.js";
import { DAY, entry, MINUTE, q, values } from "../../unit/engine/support.js";

const T0 = 24n * 365n * DAY;
const MAX_LONG = 2n ** 63n - 1n;

describe("engine over q IPC", function () {
  this.timeout(30_000);
  let dir: string;
  let engine: Engine;
  let client: QClient;
  const call = (name: string, ...args: QValue[]) =>
    client.call(name, ...(args.length === 0 ? [GENERIC_NULL] : args));
  const failure = async (request: Promise<unknown>) => {
    try {
      await request;
    } catch (err) {
      if (err instanceof QRemoteError) return err.word;
      throw err;
    }
    throw new Error("the call succeeded");
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "guru-engine-it-"));
    const config = engineConfig({
      segments: [join(dir, "s0"), join(dir, "s1")],
      credentials: "tester:secret",
      port: 0,
      httpPort: 0,
      compression: "always",
      maxRows: 10_000,
    });
    engine = await startEngine(config, pino({ level: "silent" }));
    client = await QClient.connect({
      host: "127.0.0.1",
      port: engine.port,
      user: "tester",
      password: "secret",
    });
    await call(".guru.create", q.sym("cpu"), q.schema("time:p host:s* usage:f n:j note:C"));
  });

  after(async () => {
    await client?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers ping and refuses everything but the nine functions", async () => {
    assert.deepEqual(entry(await call(".guru.ping"), "engine"), q.sym("guru-engine"));
    assert.equal(await failure(client.sync(q.str("1+1"))), "access");
    assert.equal(await failure(client.sync(q.str("\\\\ls"))), "access");
    assert.equal(await failure(client.sync(q.sym(".guru.ping"))), "access");
    assert.equal(await failure(client.call(".z.pg", q.str("1+1"))), "access");
    assert.equal(await failure(client.call("system", q.str("ls"))), "access");
    assert.equal(await failure(client.call(".guru.nope", GENERIC_NULL)), "access");
    assert.equal(await failure(client.call(".guru.query", q.sym("cpu"))), "rank");
    // the name as a char vector, as node-q sends it
    const pong = await client.sync(q.list(q.str(".guru.ping"), GENERIC_NULL));
    assert.deepEqual(entry(pong, "version"), q.str("1.0"));
  });

  it("refuses a wrong password by closing the connection", async () => {
    await assert.rejects(
      QClient.connect({ host: "127.0.0.1", port: engine.port, user: "tester", password: "wrong" }),
    );
  });

  it("writes and reads back exact nanoseconds and 64-bit longs", async () => {
    const time = [T0 + 1n, T0 + 2n, T0 + MINUTE + 999_999_999n, T0 + DAY + 123_456_789n];
    const written = await call(
      ".guru.write",
      q.sym("cpu"),
      q.table({
        time: q.tss(...time),
        host: q.syms("a", "b", "a", "b"),
        usage: q.floats(1, 2, 3, 4),
        n: q.longs(MAX_LONG, -MAX_LONG, 0n, 9_007_199_254_740_993n),
        note: q.strs("one", "", "three", "four"),
      }),
    );
    assert.deepEqual(written, q.long(4n));
    const t = await call(".guru.query", q.sym("cpu"), GENERIC_NULL);
    assert.deepEqual(values(t, "time"), time);
    assert.deepEqual(values(t, "n"), [MAX_LONG, -MAX_LONG, 0n, 9_007_199_254_740_993n]);
    assert.deepEqual(values(t, "note"), ["one", "", "three", "four"]);
  });

  it("queries with range, where, by, bucket, agg, fill and order", async () => {
    const query = (options: Record<string, QValue>) => call(".guru.query", q.sym("cpu"), q.dict(options));
    const ranged = await query({ start: q.ts(T0 + 2n), end: q.ts(T0 + DAY), order: q.sym("desc") });
    assert.deepEqual(values(ranged, "time"), [T0 + MINUTE + 999_999_999n, T0 + 2n]);
    const filtered = await query({ where: q.list(q.list(q.sym("usage"), q.sym(">="), q.float(3))) });
    assert.deepEqual(values(filtered, "usage"), [3, 4]);
    const grouped = await query({ by: q.sym("host"), agg: q.dict({ u: q.syms("avg", "usage") }) });
    assert.deepEqual(values(grouped, "host"), ["a", "b"]);
    assert.deepEqual(values(grouped, "u"), [2, 3]);
    const bucketed = await query({
      start: q.ts(T0),
      end: q.ts(T0 + 3n * MINUTE),
      bucket: q.span(MINUTE),
      fill: q.sym("zero"),
      agg: q.dict({ c: q.syms("count", "time"), s: q.syms("sum", "usage") }),
    });
    assert.deepEqual(values(bucketed, "time"), [T0, T0 + MINUTE, T0 + 2n * MINUTE]);
    assert.deepEqual(values(bucketed, "c"), [2n, 1n, 0n]);
    assert.deepEqual(values(bucketed, "s"), [3, 3, 0]);
  });

  it("pages with limit and cursor", async () => {
    const rows: bigint[] = [];
    let options: Record<string, QValue> = { limit: q.long(3n) };
    for (;;) {
      const page = await call(".guru.query", q.sym("cpu"), q.dict(options));
      rows.push(...(values(entry(page, "data"), "time") as bigint[]));
      const next = entry(page, "next");
      if (next.type !== 10) break;
      options = { limit: q.long(3n), cursor: next };
    }
    assert.equal(rows.length, 4);
  });

  it("answers last, series and stats", async () => {
    const last = await call(".guru.last", q.sym("cpu"), q.sym("host"));
    assert.deepEqual(values(last, "usage"), [3, 4]);
    const series = await call(".guru.series");
    assert.deepEqual(values(series, "rows"), [4n]);
    const stats = await call(".guru.stats");
    assert.deepEqual(entry(stats, "rows"), q.long(4n));
    assert.equal(values(entry(stats, "segments"), "bytes").length, 2);
  });

  it("deletes a range and drops the series", async () => {
    assert.deepEqual(
      await call(".guru.delete", q.sym("cpu"), q.ts(T0 + DAY), q.ts(-(2n ** 63n))),
      q.long(1n),
    );
    assert.deepEqual(await call(".guru.drop", q.sym("cpu")), q.long(3n));
    assert.equal(await failure(call(".guru.query", q.sym("cpu"), GENERIC_NULL)), "guru.series.unknown: cpu");
  });

  it("serves health, readiness and metrics on the side port", async () => {
    const base = `http://127.0.0.1:${engine.httpPort}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /guru_rows_written_total 4/);
    assert.match(metrics, /guru_requests_total\{function="\.guru\.write",outcome="ok"\} 1/);
    assert.match(metrics, /guru_segment_bytes\{segment=".*s1"\} \d+/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});
