/**
 * docs/q-api.md `.guru.retention` and `.guru.retain`: a database keeps `days` whole days before
 * today (UTC); rows older than the cutoff are never seen and are dropped, rows exactly at it are
 * kept. The setting is database-wide, so the suite sets it back to 0 (keep all) when done.
 */
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampFromUnixNs } from "../../qipc/src/temporal.js";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { connect, useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { DAY, HOUR, NULL_TIME } from "./support/time.js";
import { asTable, bigints, column, entries, rowCount, symbolsOf } from "./support/values.js";

const DAYS = 3n;

function atom(value: QValue | undefined, type: number): bigint {
  assert.equal(value?.type, type, `expected an atom of type ${type}`);
  return (value as { value: bigint }).value;
}

/** The cutoff this client's clock expects for `days`: the start of today (UTC) minus `days`. */
function expectedCutoff(days: bigint): bigint {
  const now = timestampFromUnixNs(BigInt(Date.now()) * 1_000_000n);
  return (now / DAY - days) * DAY;
}

describe(".guru.retention and .guru.retain", () => {
  const c = useContract();
  const retention = async () => entries(await c.call(".guru.retention", q.nil));
  const retain = async (days: bigint) => entries(await c.call(".guru.retain", q.long(days)));

  before(async function () {
    // the cutoff moves at midnight UTC; start clear of it rather than race it
    const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (msToMidnight < 30_000) {
      this.timeout(60_000);
      await sleep(msToMidnight + 1000);
    }
  });

  after(async () => {
    // the suite's connection is closed by now (useContract's hook runs first)
    const client = await connect();
    await client.call(".guru.retain", q.long(0n));
    await client.close();
  });

  it("answers days, cutoff, oldest, lastRun and dropped, of the documented types", async () => {
    const reply = await retention();
    assert.deepEqual([...reply.keys()], ["days", "cutoff", "oldest", "lastRun", "dropped"]);
    assert.ok(atom(reply.get("days"), -7) >= 0n);
    atom(reply.get("cutoff"), -12);
    atom(reply.get("oldest"), -12);
    atom(reply.get("lastRun"), -12);
    assert.ok(atom(reply.get("dropped"), -7) >= 0n);
  });

  it("keeps everything with 0 days: cutoff 0Np", async () => {
    const reply = await retain(0n);
    assert.equal(atom(reply.get("days"), -7), 0n);
    assert.equal(atom(reply.get("cutoff"), -12), NULL_TIME);
  });

  it("puts the cutoff at the start of the day `days` before today (UTC)", async () => {
    const reply = await retain(DAYS);
    assert.equal(atom(reply.get("days"), -7), DAYS);
    assert.equal(atom(reply.get("cutoff"), -12), expectedCutoff(DAYS));
    assert.notEqual(atom(reply.get("lastRun"), -12), NULL_TIME, "retain runs the drop at once");
    await retain(0n);
  });

  it("hides rows older than the cutoff, keeps the row exactly at it, and drops the old ones", async () => {
    await retain(0n);
    const name = await c.create("retention", "host:s* v:j");
    const cutoff = expectedCutoff(DAYS);
    const now = timestampFromUnixNs(BigInt(Date.now()) * 1_000_000n);
    const times = [cutoff - 10n * DAY, cutoff - 1n, cutoff, cutoff + 1n, now - HOUR];
    const written = await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({
        time: q.timestamps(times),
        host: q.symbols(["a", "a", "b", "b", "a"]),
        v: q.longs([1n, 2n, 3n, 4n, 5n]),
      }),
    );
    assert.equal(atom(written, -7), 5n);

    const run = await retain(DAYS);
    assert.equal(atom(run.get("cutoff"), -12), cutoff);
    assert.ok(atom(run.get("dropped"), -7) >= 2n, "the two expired rows are dropped");
    assert.ok(atom(run.get("oldest"), -12) >= cutoff);

    const raw = asTable(await c.call(".guru.query", q.symbol(name), q.nil));
    assert.deepEqual(bigints(column(raw, "time")), [cutoff, cutoff + 1n, now - HOUR]);
    const early = await c.call(
      ".guru.query",
      q.symbol(name),
      q.dict(q.symbols(["start"]), q.list(q.timestamp(cutoff - 20n * DAY))),
    );
    assert.equal(rowCount(early), 3, "a start before the cutoff shows no expired row");
    const counted = await c.call(
      ".guru.query",
      q.symbol(name),
      q.dict(
        q.symbols(["agg"]),
        q.list(q.dict(q.symbols(["n", "lo"]), q.list(q.symbols(["count", "v"]), q.symbols(["min", "v"])))),
      ),
    );
    assert.deepEqual(bigints(column(counted, "n")), [3n]);
    assert.deepEqual(bigints(column(counted, "lo")), [3n]);

    const series = asTable(await c.call(".guru.series", q.nil));
    const row = symbolsOf(column(series, "name")).indexOf(name);
    assert.equal(bigints(column(series, "rows"))[row], 3n);
    assert.equal(bigints(column(series, "firstTime"))[row], cutoff);

    // expired rows were deleted, not only hidden: keeping everything again does not bring them back
    await retain(0n);
    const all = asTable(await c.call(".guru.query", q.symbol(name), q.nil));
    assert.deepEqual(bigints(column(all, "time")), [cutoff, cutoff + 1n, now - HOUR]);
  });

  it("never shows an expired row written after the cutoff was set", async () => {
    await retain(DAYS);
    const name = await c.create("retention_late", "v:j");
    const cutoff = expectedCutoff(DAYS);
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({ time: q.timestamps([cutoff - 1n, cutoff]), v: q.longs([1n, 2n]) }),
    );
    const raw = asTable(await c.call(".guru.query", q.symbol(name), q.nil));
    assert.deepEqual(bigints(column(raw, "time")), [cutoff]);
    const last = asTable(await c.call(".guru.last", q.symbol(name), q.symbols([])));
    assert.deepEqual(bigints(column(last, "time")), [cutoff]);
    assert.equal(
      atom(await c.call(".guru.delete", q.symbol(name), q.timestamp(NULL_TIME), q.timestamp(NULL_TIME)), -7),
      1n,
    );
    await retain(0n);
  });

  it("takes :: (guru.type: x) and a long of 0 to 36500 days", async () => {
    await rejectsWith(c.call(".guru.retention", q.long(1n)), "guru.type", "x");
    await rejectsWith(c.call(".guru.retain", q.int(3)), "guru.type", "days");
    await rejectsWith(c.call(".guru.retain", q.long(-1n)), "guru.arg");
    await rejectsWith(c.call(".guru.retain", q.long(36_501n)), "guru.arg");
  });
});
