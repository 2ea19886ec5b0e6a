import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildEngine, spawnEngine } from "../../../engine/src/child-process.js";
import { QClient } from "../../../qipc/src/client.js";
import { q, values } from "../../unit/engine/support.js";

const BATCH = 500;
const WRITERS = 3;

/**
 * Sustained ingest from three connections into an engine in a child process, stopped at a random
 * moment (`kill -9`, or SIGTERM), then restarted on the same directories: every acknowledged
 * batch is whole, and no batch is partly present.
 */
describe("engine reliability: stop during ingest, restart", function () {
  this.timeout(30_000);
  let dir: string;
  let engine: ChildEngine | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "guru-engine-kill-"));
  });
  afterEach(async () => {
    await engine?.kill();
    engine = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    spawnEngine({
      env: {
        GURU_SEGMENTS: [0, 1, 2].map((i) => join(dir, `s${i}`)).join(","),
        GURU_CREDENTIALS: "w:w",
        GURU_PORT: "0",
        GURU_HTTP_PORT: "0",
        GURU_LOG_LEVEL: "warn",
        // checkpoints happen during the run too
        GURU_CHECKPOINT_MB: "1",
      },
    });
  const connect = (port: number) => QClient.connect({ host: "127.0.0.1", port, user: "w", password: "w" });

  /** Writes batches from several connections until `stop` ends the engine; returns the acked ids. */
  async function ingestUntil(stop: (engine: ChildEngine) => Promise<number | null>): Promise<Set<bigint>> {
    const running = await start();
    engine = running;
    const setup = await connect(running.port);
    await setup.call(".guru.create", q.sym("ingest"), q.schema("time:p writer:s* batch:j v:f"));
    await setup.close();
    const acked = new Set<bigint>();
    let stopped = false;
    const writer = async (w: number) => {
      const client = await connect(running.port);
      for (let b = 0; !stopped; b++) {
        const id = BigInt(w * 1_000_000 + b);
        // 7 hours apart: batches land on every segment and now and then straddle midnight
        const base = BigInt(b) * 7n * 3_600_000_000_000n + BigInt(w);
        const time = Array.from({ length: BATCH }, (_, i) => base + BigInt(i) * 10_000_000_000n);
        const data = q.table({
          time: q.tss(...time),
          writer: q.syms(...time.map(() => `w${w}`)),
          batch: q.longs(...time.map(() => id)),
          v: q.floats(...time.map((_, i) => i)),
        });
        try {
          await client.call(".guru.write", q.sym("ingest"), data);
          acked.add(id);
        } catch {
          client.destroy();
          return; // the engine stopped under us
        }
      }
    };
    const writing = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 1500));
    await stop(running);
    stopped = true;
    await Promise.all(writing);
    return acked;
  }

  async function checkAfterRestart(acked: Set<bigint>): Promise<void> {
    assert.ok(acked.size > 0, "some batches were acknowledged before the stop");
    engine = await start();
    const reader = await connect(engine.port);
    const firstRows = await reader.call(
      ".guru.query",
      q.sym("ingest"),
      q.dict({ columns: q.syms("batch"), where: q.list(q.list(q.sym("v"), q.sym("="), q.float(0))) }),
    );
    const present = new Set(values(firstRows, "batch") as bigint[]);
    for (const id of acked) assert.ok(present.has(id), `acknowledged batch ${id} is missing`);
    // every batch present is whole: rows = batches present × batch size
    const total = await reader.call(
      ".guru.query",
      q.sym("ingest"),
      q.dict({ agg: q.dict({ n: q.syms("count", "time") }) }),
    );
    assert.deepEqual(values(total, "n"), [BigInt(present.size * BATCH)]);
    await reader.close();
    assert.equal(await engine.stop(), 0);
  }

  it("keeps every acknowledged row and no partial batch after kill -9", async () => {
    const acked = await ingestUntil((e) => e.kill());
    await checkAfterRestart(acked);
  });

  it("finishes in-flight writes and exits 0 on SIGTERM", async () => {
    const acked = await ingestUntil((e) => e.stop());
    assert.equal(await engine?.exited, 0);
    await checkAfterRestart(acked);
  });
});
