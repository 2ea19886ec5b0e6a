/**
 * docs/q-api.md §4 and paging: the server's row limit is never exceeded silently
 * ('guru.query.limit), pages hold at most the row limit, and an oversized message is 'limit.
 */
import { strict as assert } from "node:assert";
import { q } from "../../qipc/src/values.js";
import { connect, useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { aggregate } from "./support/options.js";
import { asPage } from "./support/paging.js";
import { at, NS } from "./support/time.js";
import { rowCount } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const BATCH = 100_000;

describe("row and message limits", function () {
  // against a real server the row limit is 1,000,000 by default: writing that many rows takes a while
  this.timeout(300_000);
  const c = useContract();
  let name: string;
  let maxRows: number;

  before(async () => {
    maxRows = c.target().maxRows;
    name = await c.create("limits", "v:j");
    // maxRows + 1 rows, one nanosecond apart
    for (let from = 0; from <= maxRows; from += BATCH) {
      const n = Math.min(BATCH, maxRows + 1 - from);
      const time = new BigInt64Array(n);
      const v = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        time[i] = T0 + BigInt(from + i) * NS;
        v[i] = BigInt(from + i);
      }
      await c.call(".guru.write", q.symbol(name), q.table({ time: q.timestamps(time), v: q.longs(v) }));
    }
  });

  const query = (options: Parameters<typeof q.dictOf>[0]) =>
    c.call(".guru.query", q.symbol(name), q.dictOf(options));
  const bucketed = { bucket: q.timespan(NS), agg: aggregate({ n: ["count", "v"] }) };

  it("returns exactly the row limit", async () => {
    const result = await query({ end: q.timestamp(T0 + BigInt(maxRows) * NS) });
    assert.equal(rowCount(result), maxRows);
  });

  it("refuses one row more with guru.query.limit", async () => {
    await rejectsWith(query({}), "guru.query.limit");
  });

  it("caps a page at the row limit, whatever the limit asked", async () => {
    const page = asPage(await query({ limit: q.long(BigInt(maxRows) * 2n) }));
    assert.equal(rowCount(page.data), maxRows);
    assert.ok(page.next, "one row is left for the next page");
    const rest = asPage(await query({ limit: q.long(BigInt(maxRows) * 2n), cursor: page.next }));
    assert.equal(rowCount(rest.data), 1);
    assert.equal(rest.next, null);
  });

  it("refuses an aggregated result over the row limit, paged or not", async () => {
    await rejectsWith(query(bucketed), "guru.query.limit");
    await rejectsWith(query({ ...bucketed, limit: q.long(10n) }), "guru.query.limit");
  });

  it("counts filled buckets toward the row limit", async () => {
    const huge = { start: q.timestamp(0n), end: q.timestamp(2n ** 62n), fill: q.symbol("null") };
    await rejectsWith(query({ ...bucketed, ...huge }), "guru.query.limit");
    await rejectsWith(query({ ...bucketed, ...huge, limit: q.long(10n) }), "guru.query.limit");
  });

  it("refuses a message over the server's size limit with 'limit", async function () {
    const limit = c.target().maxMessageBytes;
    if (limit === undefined) this.skip();
    const rows = Math.ceil(limit / 16) + 1;
    const data = q.table({
      time: q.timestamps(new BigInt64Array(rows).fill(T0)),
      v: q.longs(new BigInt64Array(rows)),
    });
    // the contract does not say whether the server keeps the connection after this: use a spare one
    const spare = await connect();
    try {
      await rejectsWith(spare.call(".guru.write", q.symbol(name), data), "limit");
    } finally {
      spare.destroy();
    }
  });
});
