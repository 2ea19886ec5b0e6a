/** Publishes change events to the SNS topic, with the type as a message attribute for filter policies. */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { CatalogEvent, EventPublisher } from "./events.js";

export class SnsPublisher implements EventPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.#client = client;
    this.#topicArn = topicArn;
  }

  async publish(event: CatalogEvent): Promise<void> {
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { type: { DataType: "String", StringValue: event.type } },
      }),
    );
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
