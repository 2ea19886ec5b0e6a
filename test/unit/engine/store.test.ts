import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { DATA_FILE } from "../../../engine/src/store/database.js";
import { earliest, segmentOf } from "../../../engine/src/store/store.js";
import { QFail } from "../../../qipc/src/errors.js";
import type { QValue } from "../../../qipc/src/types.js";
import { DAY, NIL, openTestEngine, q, type TestEngine, values } from "./support.js";

describe("engine: storage", function () {
  this.timeout(20_000);
  let e: TestEngine;
  beforeEach(async () => {
    e = await openTestEngine(3);
    await e.call(".guru.create", q.sym("m"), q.schema("time:p host:s* v:f"));
  });
  afterEach(() => e.close());

  const write = (times: bigint[], host = "h") =>
    e.call(
      ".guru.write",
      q.sym("m"),
      q.table({
        time: q.tss(...times),
        host: q.syms(...times.map(() => host)),
        v: q.floats(...times.map(Number)),
      }),
    );
  const rowsIn = async (segment: string) => {
    const table = `t${e.store.series("m")?.id}`;
    const r = await e.store.read(`SELECT count(*)::BIGINT FROM ${segment}.${table}`, [], ["j"], {
      maxRows: 1,
    });
    return (r.columns[0] as BigInt64Array)[0];
  };

  it("places a batch whole on the segment of its earliest day, day mod segments", async () => {
    await write([2n * DAY + 5n, 0n, DAY]); // earliest day 0 → s0, all three rows
    await write([4n * DAY, 5n * DAY]); // day 4 → s1
    assert.deepEqual([await rowsIn("s0"), await rowsIn("s1"), await rowsIn("s2")], [3n, 2n, 0n]);
    const all = await e.call(".guru.query", q.sym("m"), NIL);
    assert.deepEqual(values(all, "time"), [0n, DAY, 2n * DAY + 5n, 4n * DAY, 5n * DAY]);
  });

  it("checkpoints a segment after a pause in its writes, once its WAL is large enough", async () => {
    const walOf = (i: number) =>
      statSync(`${join(e.segments[i] as string, DATA_FILE)}.wal`, { throwIfNoEntry: false })?.size ?? 0;
    const day = (d: bigint) => Array.from({ length: 2000 }, (_, i) => d * DAY + BigInt(i));
    await write(day(0n)); // s0
    await write(day(1n)); // s1
    const wal = [walOf(0), walOf(1)];
    assert.ok(wal[0]! > 0 && wal[1]! > 0, `WAL bytes ${wal}`);
    assert.deepEqual(await e.store.checkpointIdle(0), [], "writes since the previous look: not idle");
    await write(day(3n)); // s0 busy again
    assert.deepEqual(await e.store.checkpointIdle(wal[1]! + 1), [], "s1 idle but its WAL is small");
    await write(day(6n)); // s0 busy still
    assert.deepEqual(await e.store.checkpointIdle(0), ["s1"]);
    assert.ok(walOf(1) < wal[1]!, `s1's WAL after its checkpoint: ${walOf(1)} bytes`);
    assert.deepEqual(await e.store.checkpointIdle(0), ["s0"], "s1 not again: no write since");
    assert.deepEqual(await e.store.checkpointIdle(0), []);
    const t = await e.call(
      ".guru.query",
      q.sym("m"),
      q.dict({ agg: q.dict({ n: q.syms("count", "time") }) }),
    );
    assert.deepEqual(values(t, "n"), [8000n]);
  });

  it("finds segments of pre-2000 days by floored division", () => {
    assert.equal(segmentOf(-1n, 3), 2); // day -1
    assert.equal(segmentOf(-DAY, 3), 2);
    assert.equal(segmentOf(-DAY - 1n, 3), 1); // day -2
    assert.equal(segmentOf(3n * DAY, 3), 0);
    assert.equal(earliest(BigInt64Array.from([5n, -(2n ** 40n), 2n ** 40n, -1n])), -(2n ** 40n));
    assert.equal(earliest(BigInt64Array.from([2n ** 32n + 1n, 2n ** 32n, 4294967295n])), 4294967295n);
  });

  it("keeps schemas, rows and symbols across a restart", async () => {
    await write([1n, 2n], "alpha");
    await write([3n], "beta");
    await e.reopen();
    const t = await e.call(".guru.query", q.sym("m"), NIL);
    assert.deepEqual(values(t, "host"), ["alpha", "alpha", "beta"]);
    await write([4n], "gamma");
    assert.deepEqual(values(await e.call(".guru.last", q.sym("m"), q.sym("host")), "host"), [
      "alpha",
      "beta",
      "gamma",
    ]);
  });

  it("gives a series created again after a drop a fresh table and id", async () => {
    await write([1n]);
    const first = e.store.series("m")?.id as number;
    await e.call(".guru.drop", q.sym("m"));
    await e.reopen();
    await e.call(".guru.create", q.sym("m"), q.schema("time:p other:j"));
    await e.reopen();
    assert.ok((e.store.series("m")?.id as number) > first);
    const t = await e.call(".guru.query", q.sym("m"), NIL);
    assert.deepEqual((t as { columns: string[] }).columns, ["time", "other"]);
    assert.equal(values(t, "time").length, 0);
  });

  it("creates a name once when creates race", async () => {
    const schema = q.schema("time:p a:j");
    const results = await Promise.allSettled([
      e.call(".guru.create", q.sym("race"), schema),
      e.call(".guru.create", q.sym("race"), schema),
      e.call(".guru.create", q.sym("race"), q.schema("time:p b:j")),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "rejected"],
    );
    await e.reopen();
    assert.deepEqual(values(await e.call(".guru.series", NIL), "name"), ["m", "race"]);
  });

  it("commits concurrent batches (grouped) without losing any", async () => {
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => BigInt(b * 50 + i)),
    );
    const acks = await Promise.all(batches.map((times, b) => write(times, `h${b % 4}`)));
    assert.ok(acks.every((a) => (a as { value: bigint }).value === 50n));
    const t = await e.call(
      ".guru.query",
      q.sym("m"),
      q.dict({ agg: q.dict({ c: q.syms("count", "time") }) }),
    );
    assert.deepEqual(values(t, "c"), [1000n]);
  });

  it("stops a read whose request was aborted", async () => {
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      e.store.read("SELECT 1::BIGINT", [], ["j"], { maxRows: 1, signal: abort.signal }),
      (err: unknown) => err instanceof QFail && err.word === "stop",
    );
    const slow = new AbortController();
    const reading = e.store.read(
      "SELECT count(*)::BIGINT FROM range(100000000) a, range(1000) b WHERE a.range * b.range % 7 = 3",
      [],
      ["j"],
      { maxRows: 1, signal: slow.signal },
    );
    // mid-run: left alone, this scan would outlast the test's timeout by minutes
    setTimeout(() => slow.abort(), 100);
    await assert.rejects(reading, (err: unknown) => err instanceof QFail && err.word === "stop");
  });

  it("writes and reads nanosecond timestamps at the ends of the range", async () => {
    const extremes = [-(2n ** 63n) + 1n, -1n, 0n, 1n, 2n ** 63n - 1n];
    await write(extremes);
    const t = await e.call(".guru.query", q.sym("m"), NIL);
    assert.deepEqual(values(t, "time"), extremes);
    const v: QValue = t;
    assert.equal(v.type, 98);
  });
});
