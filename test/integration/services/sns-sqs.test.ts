import { strict as assert } from "node:assert";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { testCredentials, useService } from "../../services/index.js";

describe("service harness: moto (SNS and SQS)", () => {
  let sns: SNSClient;
  let sqs: SQSClient;

  before(async function () {
    this.timeout(60_000); // moto imports all its services on start
    const moto = await useService("moto");
    const endpoint = `http://${moto.host}:${moto.port}`;
    sns = new SNSClient({ endpoint, ...testCredentials });
    sqs = new SQSClient({ endpoint, ...testCredentials });
  });

  after(() => {
    sns.destroy();
    sqs.destroy();
  });

  it("delivers an SNS publish to a subscribed SQS queue", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "catalog-changes" }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "cache-us-east-1" }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );

    const event = JSON.stringify({ kind: "database.updated", id: `db-${Date.now()}` });
    await sns.send(new PublishCommand({ TopicArn, Message: event }));

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }),
    );
    assert.equal(Messages?.length, 1);
    assert.equal(Messages?.[0]?.Body, event);
  });
});
