import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Redis } from "ioredis";
import { testCredentials, useService } from "../../services/index.js";
import { FakeProvisioner } from "./support/fake-provisioner.js";
import { eventually, newTenant, startTestApi, type TestApi, waitForStatus } from "./support/harness.js";

/**
 * Two API instances, as in two regions: one catalog table, each its own Redis database and its
 * own SQS queue subscribed to the one SNS topic. A change through one must reach the other's
 * cache through the event, long before the cache's TTL (300 s for tokens here).
 */
describe("guru-api: change events reach another instance's cache (redis, moto)", function () {
  this.timeout(90_000);
  let one: TestApi;
  let two: TestApi;
  let redisTwo: Redis;

  before(async function () {
    this.timeout(90_000); // moto imports all its services on first start
    const [redis, moto] = await Promise.all([useService("redis"), useService("moto")]);
    const endpoint = `http://${moto.host}:${moto.port}`;
    const sns = new SNSClient({ endpoint, ...testCredentials });
    const sqs = new SQSClient({ endpoint, ...testCredentials });
    const suffix = randomBytes(3).toString("hex");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `catalog-changes-${suffix}` }));
    const queue = async (name: string, raw: boolean) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${suffix}` }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: "sqs",
          Endpoint: Attributes!.QueueArn,
          Attributes: raw ? { RawMessageDelivery: "true" } : {},
        }),
      );
      return QueueUrl!;
    };
    // one queue gets raw messages, the other SNS envelopes: the consumer reads both
    const [queueOne, queueTwo] = [await queue("cache-one", true), await queue("cache-two", false)];
    sns.destroy();
    sqs.destroy();
    const env = (db: number, queueUrl: string, instance: string) => ({
      GURU_API_INSTANCE_ID: instance,
      GURU_API_CACHE: "redis",
      GURU_API_REDIS_URL: `redis://${redis.host}:${redis.port}/${db}`,
      GURU_API_CACHE_TOKEN_TTL_S: "300",
      GURU_API_CACHE_DATABASE_TTL_S: "300",
      GURU_API_EVENTS: "sns",
      GURU_API_EVENTS_TOPIC_ARN: TopicArn!,
      GURU_API_EVENTS_QUEUE_URL: queueUrl,
      GURU_API_SNS_ENDPOINT: endpoint,
      GURU_API_SQS_ENDPOINT: endpoint,
      GURU_API_EVENTS_WAIT_S: "1",
      AWS_REGION: "us-east-1",
    });
    const provisioner = new FakeProvisioner();
    one = await startTestApi({ env: env(3, queueOne, "one"), provisioner });
    two = await startTestApi({ env: env(4, queueTwo, "two"), provisioner, table: one.table });
    redisTwo = new Redis(`redis://${redis.host}:${redis.port}/4`);
  });

  /** Reads through instance two until its cache holds `key` (a change's invalidation guards it for a second). */
  const cachedOnTwo = (key: string, read: () => Promise<unknown>) =>
    eventually(`instance two caches ${key}`, 5000, async () => {
      await read();
      const value = await redisTwo.get(key);
      return value?.startsWith("v") ? value : undefined;
    });

  after(async () => {
    redisTwo?.disconnect();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("serves tokens from the cache (a change made behind its back is not seen)", async () => {
    const tenant = await newTenant(one, "cached");
    await cachedOnTwo(`tsg:v1:token:${tenant.tokenId}`, () =>
      two.call("GET", "/v1/whoami", { token: tenant.token }),
    );
    // revoke in DynamoDB directly, without an event: instance two keeps its cached copy
    const store = one.runtime.services.stores.tokens;
    const record = (await store.get(tenant.accountId, tenant.tokenId))!;
    await store.replace(
      { ...record, revokedAt: new Date().toISOString(), version: record.version + 1 },
      record.version,
    );
    assert.equal((await two.call("GET", "/v1/whoami", { token: tenant.token })).status, 200);
  });

  it("revokes a token on another instance through SNS/SQS, long before the TTL", async () => {
    const tenant = await newTenant(one, "revoked");
    await cachedOnTwo(`tsg:v1:token:${tenant.tokenId}`, () =>
      two.call("GET", "/v1/whoami", { token: tenant.token }),
    );
    assert.ok((await redisTwo.pttl(`tsg:v1:token:${tenant.tokenId}`)) > 250_000);
    const started = Date.now();
    const revoked = await one.call("DELETE", `/v1/accounts/${tenant.accountId}/tokens/${tenant.tokenId}`, {
      token: tenant.token,
    });
    assert.equal(revoked.status, 204);
    // the instance that made the change sees it at once
    assert.equal((await one.call("GET", "/v1/whoami", { token: tenant.token })).status, 401);
    const refused = await eventually("instance two refuses the revoked token", 15_000, async () => {
      const res = await two.call("GET", "/v1/whoami", { token: tenant.token });
      return res.status === 401 ? res : undefined;
    });
    assert.equal((refused.body as { code: string }).code, "AUTH_REVOKED");
    assert.ok(Date.now() - started < 15_000);
  });

  it("shows a database change through the other instance's cache", async () => {
    const tenant = await newTenant(one, "db-change");
    await one.call("POST", "/v1/databases", { token: tenant.token, body: { name: "shared", size: "small" } });
    await waitForStatus(two, tenant.token, "shared", "ready");
    const cached = await cachedOnTwo(`tsg:v1:db:${tenant.accountId}:shared`, () =>
      two.call("GET", "/v1/databases/shared", { token: tenant.token }),
    );
    assert.match(cached, /"status":"ready"/);
    await one.call("PATCH", "/v1/databases/shared", { token: tenant.token, body: { size: "large" } });
    await eventually("instance two sees size large", 15_000, async () => {
      const res = await two.call("GET", "/v1/databases/shared", { token: tenant.token });
      return (res.body as { size: string }).size === "large" ? res : undefined;
    });
  });
});
