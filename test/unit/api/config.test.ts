import { strict as assert } from "node:assert";
import { ConfigError, loadConfig } from "../../../api/src/config.js";

describe("api: configuration", () => {
  it("defaults to local mode: dynalite, memory cache and events, local provisioner, bootstrap", () => {
    const config = loadConfig({});
    assert.equal(config.mode, "local");
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 8080);
    assert.deepEqual(
      [
        config.catalog.kind,
        config.cache.kind,
        config.events.kind,
        config.provisioner.kind,
        config.rateLimit.kind,
      ],
      ["dynalite", "memory", "memory", "local", "memory"],
    );
    assert.ok(config.bootstrapAdmin);
    assert.ok(config.catalog.createTable);
  });

  it("needs Redis, SNS/SQS and a kubeconfig per region in cloud mode", () => {
    assert.throws(
      () => loadConfig({ GURU_API_MODE: "cloud" }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /GURU_API_REDIS_URL/);
        assert.match(err.message, /GURU_API_EVENTS_TOPIC_ARN/);
        return true;
      },
    );
    const config = loadConfig({
      GURU_API_MODE: "cloud",
      AWS_REGION: "eu-west-1",
      GURU_API_REGIONS: "eu-west-1,us-east-1",
      GURU_API_REDIS_URL: "redis://cache:6379",
      GURU_API_EVENTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:1:changes",
      GURU_API_EVENTS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/1/cache-eu-west-1",
      GURU_API_KUBECONFIGS: "eu-west-1=in-cluster,us-east-1=/etc/kube/us-east-1.yaml",
    });
    assert.equal(config.region, "eu-west-1");
    assert.equal(config.host, "0.0.0.0");
    assert.deepEqual(config.provisioner.kubeconfigs, {
      "eu-west-1": "in-cluster",
      "us-east-1": "/etc/kube/us-east-1.yaml",
    });
    assert.ok(!config.bootstrapAdmin);
  });

  it("lists every bad variable at once", () => {
    assert.throws(
      () =>
        loadConfig({ GURU_API_PORT: "eighty", GURU_API_CACHE: "memcached", GURU_API_TRUST_PROXY: "maybe" }),
      (err: Error) =>
        /GURU_API_PORT/.test(err.message) &&
        /GURU_API_CACHE/.test(err.message) &&
        /GURU_API_TRUST_PROXY/.test(err.message),
    );
  });
});
