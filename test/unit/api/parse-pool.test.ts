import { strict as assert } from "node:assert";
import { pino } from "pino";
import { defaultParseThreads } from "../../../api/src/config.js";
import { SHARED_BODY_BYTES } from "../../../api/src/http/raw-body.js";
import { type ParseJob, type ParseResult, runParseJob } from "../../../api/src/points/line-protocol-job.js";
import { ParsePool } from "../../../api/src/points/parse-pool.js";
import type { Column } from "../../../api/src/series/series-schemas.js";

const cpu: Column[] = [
  { name: "time", type: "timestamp", tag: false },
  { name: "hostname", type: "symbol", tag: true },
  { name: "usage_user", type: "float", tag: false },
  { name: "count", type: "long", tag: false },
];

/** TSBS-shaped lines of known series and a new one, with a bad line every 1,000 */
function body(lines: number, seed: number): Uint8Array {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const t = 1_700_000_000_000_000_000n + BigInt(i) * 10_000_000_000n + BigInt(seed);
    if (i % 1000 === 999) out.push(`cpu,hostname=host_${i % 7} usage_user=oops ${t}`);
    else if (i % 10 === 0) out.push(`mem,hostname=host_${i % 7} used=${i}i ${t}`);
    else out.push(`cpu,hostname=host_${i % 7} usage_user=${(i * 0.37 + seed).toFixed(3)},count=${i}i ${t}`);
  }
  return new TextEncoder().encode(`${out.join("\n")}\n`);
}

function job(bytes: Uint8Array): ParseJob {
  return { body: bytes, schemas: new Map([["cpu", cpu]]), precision: "ns", now: 0n, mayCreate: true };
}

/** a Buffer crosses threads as a Uint8Array: the bytes are what must be equal */
function plain(result: ParseResult): ParseResult {
  return { ...result, series: result.series.map((s) => ({ ...s, columns: Uint8Array.from(s.columns) })) };
}

describe("api: the line-protocol parse pool", () => {
  const logger = pino({ level: "silent" });

  it("answers in worker threads exactly what the inline parser answers", async function () {
    this.timeout(30_000);
    const pool = new ParsePool({ threads: 2, logger });
    try {
      const bodies = [1, 2, 3, 4].map((seed) => body(4_000, seed));
      assert.ok(
        bodies.every((b) => b.byteLength >= SHARED_BODY_BYTES),
        "large enough to go to a worker",
      );
      const pooled = await Promise.all(bodies.map((b) => pool.run(job(b))));
      const inline = bodies.map((b) => runParseJob(job(b)));
      assert.deepEqual(pooled.map(plain), inline.map(plain));
      assert.deepEqual(
        pooled[0]?.series.map((s) => [s.name, s.rows]),
        [["cpu", 3_596]],
      );
      assert.equal(pooled[0]?.rejected, 4);
      assert.deepEqual([...(pooled[0]?.proposals.keys() ?? [])], ["mem"]);
    } finally {
      await pool.close();
    }
  });

  it("keeps the posted body usable by the caller (bodies in shared memory are not moved)", async function () {
    this.timeout(30_000);
    const pool = new ParsePool({ threads: 1, logger });
    try {
      const bytes = body(4_000, 9);
      const before = Buffer.from(bytes).toString("latin1");
      await pool.run(job(bytes));
      assert.equal(Buffer.from(bytes).toString("latin1"), before);
    } finally {
      await pool.close();
    }
  });

  it("uses workers only when cores are left beside the thread serving HTTP", () => {
    assert.deepEqual([1, 2, 3, 4, 16].map(defaultParseThreads), [0, 0, 2, 3, 15]);
  });
});
