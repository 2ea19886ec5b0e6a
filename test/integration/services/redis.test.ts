import { strict as assert } from "node:assert";
import { Redis } from "ioredis";
import { useService } from "../../services/index.js";

describe("service harness: redis-server", () => {
  let client: Redis;

  before(async () => {
    const redis = await useService("redis");
    client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await client.connect();
  });

  after(() => client.disconnect());

  it("stores and returns a value over a real connection", async () => {
    const value = `value-${process.pid}-${Date.now()}`;
    assert.equal(await client.set("harness:key", value, "EX", 60), "OK");
    assert.equal(await client.get("harness:key"), value);
    assert.equal(await client.get("harness:missing"), null);
  });
});
