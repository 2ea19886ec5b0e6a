import { strict as assert } from "node:assert";
import { cacheKeys, readThrough } from "../../../api/src/cache/cache.js";
import { MemoryCache } from "../../../api/src/cache/memory-cache.js";
import { cacheKeysFor, newEvent, parseEventMessage } from "../../../api/src/events/events.js";
import { createMetrics } from "../../../api/src/metrics.js";
import { gcra, MemoryRateLimiter } from "../../../api/src/rate-limit/rate-limiter.js";

describe("api: GCRA rate limiting", () => {
  it("allows a burst, then one request per interval", async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter({ perSecond: 10, burst: 3 }, () => now);
    const burst = await Promise.all([1, 2, 3, 4].map(() => limiter.take("t")));
    assert.deepEqual(
      burst.map((d) => d.allowed),
      [true, true, true, false],
    );
    assert.deepEqual(
      burst.map((d) => d.remaining),
      [2, 1, 0, 0],
    );
    assert.equal(burst[3]!.retryAfterMs, 100);
    now += 100;
    assert.ok((await limiter.take("t")).allowed);
    assert.ok(!(await limiter.take("t")).allowed);
    assert.ok((await limiter.take("other")).allowed);
  });

  it("never lets more than burst + rate × time through", () => {
    let tat: number | undefined;
    let allowed = 0;
    for (let t = 0; t < 10_000; t += 7) {
      const d = gcra(t, tat, 5, 4);
      if (d.allowed) {
        tat = d.tat;
        allowed++;
      }
    }
    assert.ok(allowed <= 4 + 5 * 10, String(allowed));
    assert.ok(allowed >= 5 * 10 - 1, String(allowed));
  });
});

describe("api: memory cache", () => {
  it("caches hits and absences for their TTLs, and refuses fills while guarded", async () => {
    let now = 0;
    const cache = new MemoryCache({ guardMs: 1000, now: () => now });
    const metrics = createMetrics({ defaultMetrics: false });
    let loads = 0;
    const load = async () => {
      loads++;
      return loads === 1 ? { v: 1 } : { v: 2 };
    };
    const ttl = { hitMs: 5000, missMs: 100 };
    assert.deepEqual(await readThrough(cache, metrics, "k", "a", ttl, load), { v: 1 });
    assert.deepEqual(await readThrough(cache, metrics, "k", "a", ttl, load), { v: 1 });
    assert.equal(loads, 1);
    await cache.invalidate(["a"]);
    assert.deepEqual(await readThrough(cache, metrics, "k", "a", ttl, load), { v: 2 });
    assert.deepEqual(await readThrough(cache, metrics, "k", "a", ttl, load), { v: 2 });
    assert.equal(loads, 3, "guarded: read through without filling");
    now += 1001;
    await readThrough(cache, metrics, "k", "a", ttl, load);
    await readThrough(cache, metrics, "k", "a", ttl, load);
    assert.equal(loads, 4);

    let missing = 0;
    const absent = async () => {
      missing++;
      return undefined;
    };
    await readThrough(cache, metrics, "k", "b", ttl, absent);
    await readThrough(cache, metrics, "k", "b", ttl, absent);
    assert.equal(missing, 1, "negative entry");
    now += 101;
    await readThrough(cache, metrics, "k", "b", ttl, absent);
    assert.equal(missing, 2);
  });
});

describe("api: change events", () => {
  it("name the cache keys they make stale", () => {
    const event = newEvent(
      { type: "series.deleted", accountId: "acc", database: "db1", databaseUid: "u1", series: "cpu" },
      "me",
    );
    assert.deepEqual(cacheKeysFor(event), [cacheKeys.database("acc", "db1"), cacheKeys.series("u1", "cpu")]);
    assert.deepEqual(
      cacheKeysFor(newEvent({ type: "token.revoked", accountId: "acc", tokenId: "t1" }, "me")),
      [cacheKeys.token("t1")],
    );
  });

  it("are read raw or inside an SNS envelope, and garbage is refused", () => {
    const event = newEvent({ type: "token.revoked", accountId: "acc", tokenId: "t1" }, "me");
    assert.deepEqual(parseEventMessage(JSON.stringify(event)), event);
    assert.deepEqual(
      parseEventMessage(JSON.stringify({ Type: "Notification", Message: JSON.stringify(event) })),
      event,
    );
    assert.equal(parseEventMessage("not json"), undefined);
    assert.equal(parseEventMessage(JSON.stringify({ ...event, type: "token.stolen" })), undefined);
  });
});
