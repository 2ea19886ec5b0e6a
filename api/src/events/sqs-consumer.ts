/**
 * Long-polls this region's SQS queue and hands each change event to the handler (the cache
 * invalidation), deleting messages once handled. A message that is not an event is deleted and
 * counted, so it cannot come back forever. Errors back off (up to 30 s) and are reported in
 * readiness detail; the cache TTLs bound staleness meanwhile.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import type { ApiMetrics } from "../metrics.js";
import { type CatalogEvent, type EventConsumer, parseEventMessage } from "./events.js";

export interface SqsConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  /** long-poll wait, 0–20 s */
  waitSeconds: number;
  metrics: ApiMetrics;
  logger: Logger;
}

export class SqsConsumer implements EventConsumer {
  readonly #options: SqsConsumerOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #failures = 0;
  #lastError: string | undefined;

  constructor(options: SqsConsumerOptions) {
    this.#options = options;
  }

  start(handler: (event: CatalogEvent) => Promise<void>): void {
    this.#loop ??= this.#run(handler);
  }

  async #run(handler: (event: CatalogEvent) => Promise<void>): Promise<void> {
    const { client, queueUrl, waitSeconds, logger } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: waitSeconds,
            VisibilityTimeout: 30,
          }),
          { abortSignal: signal },
        );
        await this.#handle(out.Messages ?? [], handler);
        if (this.#failures > 0) logger.info({ queueUrl }, "event queue reachable again");
        this.#failures = 0;
        this.#lastError = undefined;
      } catch (err) {
        if (signal.aborted) break;
        this.#failures++;
        this.#lastError = (err as Error).message;
        if (this.#failures === 1) logger.warn({ err, queueUrl }, "cannot receive change events; retrying");
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.min(30_000, 250 * 2 ** Math.min(this.#failures, 7)));
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
    }
  }

  async #handle(messages: Message[], handler: (event: CatalogEvent) => Promise<void>): Promise<void> {
    const { client, queueUrl, metrics, logger } = this.#options;
    const done: { Id: string; ReceiptHandle: string }[] = [];
    for (const [i, message] of messages.entries()) {
      const event = parseEventMessage(message.Body ?? "");
      if (event === undefined) {
        metrics.eventsReceived.inc({ outcome: "invalid" });
        logger.warn({ messageId: message.MessageId }, "dropped a queue message that is not a change event");
      } else {
        try {
          await handler(event);
          metrics.eventsReceived.inc({ outcome: "applied" });
        } catch (err) {
          // left on the queue: it comes back after the visibility timeout
          metrics.eventsReceived.inc({ outcome: "failed" });
          logger.warn({ err, eventId: event.id }, "could not apply a change event");
          continue;
        }
      }
      if (message.ReceiptHandle) done.push({ Id: String(i), ReceiptHandle: message.ReceiptHandle });
    }
    if (done.length > 0)
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done }));
  }

  health() {
    return this.#failures === 0
      ? { status: "ok" as const }
      : { status: "degraded" as const, detail: `sqs: ${this.#lastError}` };
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#options.client.destroy();
  }
}
