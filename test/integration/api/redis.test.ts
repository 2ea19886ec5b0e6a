import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { createAdminToken } from "../../../api/src/bootstrap.js";
import { useService } from "../../services/index.js";
import { freePort } from "../../services/process.js";
import { startRedis } from "../../services/redis.js";
import { eventually, newTenant, startTestApi, type TestApi } from "./support/harness.js";

const metric = async (api: TestApi, name: string) =>
  (await api.runtime.metrics.registry.getSingleMetricAsString(name))
    .split("\n")
    .filter((l) => !l.startsWith("#"));

describe("guru-api: Redis down (own redis-server)", function () {
  this.timeout(60_000);
  let api: TestApi;
  let redis: Awaited<ReturnType<typeof startRedis>>;

  before(async () => {
    redis = await startRedis(); // our own, so that stopping it does not disturb other suites
    api = await startTestApi({
      env: {
        GURU_API_CACHE: "redis",
        GURU_API_RATE_LIMIT: "redis",
        GURU_API_REDIS_URL: `redis://${redis.host}:${redis.port}`,
      },
    });
  });
  after(async () => {
    await api?.close();
    await redis?.stop();
  });

  it("keeps answering from DynamoDB when Redis goes away, and says so in /readyz and metrics", async () => {
    const tenant = await newTenant(api, "resilient");
    await api.call("POST", "/v1/databases", { token: tenant.token, body: { name: "steady" } });
    assert.equal((await api.call("GET", "/v1/databases/steady", { token: tenant.token })).status, 200);
    const cacheStatus = async () =>
      (await (await import("supertest")).default(api.runtime.app).get("/readyz")).body.checks.cache.status;
    // A slow command under load also counts as a cache failure for 10 s: start from a healthy cache.
    await eventually(
      "the cache reported ok",
      20_000,
      async () => (await cacheStatus()) === "ok" || undefined,
      250,
    );

    await redis.stop();
    await eventually(
      "the cache seeing Redis gone",
      10_000,
      async () => (await cacheStatus()) === "degraded" || undefined,
    );
    for (let i = 0; i < 5; i++) {
      assert.equal((await api.call("GET", "/v1/whoami", { token: tenant.token })).status, 200);
      assert.equal((await api.call("GET", "/v1/databases/steady", { token: tenant.token })).status, 200);
    }
    const revoke = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "during outage", scopes: ["db:steady:read"] },
    });
    assert.equal(revoke.status, 201);

    const ready = await (await import("supertest")).default(api.runtime.app).get("/readyz");
    assert.equal(ready.status, 200, "a cache outage does not make the API unready");
    assert.equal(ready.body.status, "degraded");
    assert.equal(ready.body.checks.cache.status, "degraded");
    assert.match(ready.body.checks.cache.detail, /redis/);

    const errors = await metric(api, "tsg_api_cache_errors_total");
    assert.ok(
      errors.some((l) => /operation="get"/.test(l) && Number(l.split(" ").at(-1)) > 0),
      errors.join("\n"),
    );
    assert.ok((await metric(api, "tsg_api_cache_up")).some((l) => l.endsWith(" 0")));
    const unchecked = await metric(api, "tsg_api_rate_limited_total");
    assert.ok(unchecked.some((l) => l.includes('reason="limiter_unavailable"')));
  });

  it("starts and answers with Redis unreachable from the beginning", async () => {
    const port = await freePort();
    const cold = await startTestApi({
      env: {
        GURU_API_CACHE: "redis",
        GURU_API_RATE_LIMIT: "redis",
        GURU_API_REDIS_URL: `redis://127.0.0.1:${port}`,
      },
    });
    try {
      const tenant = await newTenant(cold, "cold");
      assert.equal((await cold.call("GET", "/v1/whoami", { token: tenant.token })).status, 200);
    } finally {
      await cold.close();
    }
  });
});

describe("guru-api: rate limit per token (redis)", function () {
  this.timeout(30_000);
  let api: TestApi;

  before(async () => {
    const redis = await useService("redis");
    api = await startTestApi({
      env: {
        GURU_API_RATE_LIMIT: "redis",
        GURU_API_REDIS_URL: `redis://${redis.host}:${redis.port}/5`,
        GURU_API_RATE_LIMIT_PER_S: "2",
        GURU_API_RATE_LIMIT_BURST: "3",
      },
    });
  });
  after(() => api?.close());

  it("answers 429 with Retry-After past the burst, per token", async () => {
    // tokens made directly, so that setting up spends no request budget
    const a = await createAdminToken(api.runtime.services, { accountName: "greedy" });
    const b = await createAdminToken(api.runtime.services, { accountName: "patient" });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApi["call"]>> | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await api.call("GET", "/v1/whoami", { token: a.token });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    assert.ok(
      statuses.slice(0, 3).every((s) => s === 200),
      statuses.join(","),
    );
    assert.ok(limited !== undefined, statuses.join(","));
    assert.equal((limited.body as { code: string }).code, "RATE_LIMITED");
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.equal(limited.headers["ratelimit-remaining"], "0");
    // another token has its own budget
    assert.equal((await api.call("GET", "/v1/whoami", { token: b.token })).status, 200);
    // and the first one gets a request through once Retry-After has passed
    await sleep(Number(limited.headers["retry-after"]) * 1000);
    assert.equal((await api.call("GET", "/v1/whoami", { token: a.token })).status, 200);
  });
});
