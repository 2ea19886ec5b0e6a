/**
 * What services call after every catalog change: invalidates this instance's cache at once (so a
 * client reading through the same cache sees its own write) and publishes the event for every
 * other cache. A failed publish does not fail the request (the change is already in DynamoDB);
 * it is logged and counted, and the other caches catch up when their TTLs run out.
 */
import type { Logger } from "pino";
import type { Cache } from "../cache/cache.js";
import type { ApiMetrics } from "../metrics.js";
import {
  type CatalogEvent,
  type ChangeInput,
  cacheKeysFor,
  type EventPublisher,
  newEvent,
} from "./events.js";

export class ChangeFeed {
  readonly #cache: Cache;
  readonly #publisher: EventPublisher;
  readonly #metrics: ApiMetrics;
  readonly #logger: Logger;
  readonly #source: string;

  constructor(options: {
    cache: Cache;
    publisher: EventPublisher;
    metrics: ApiMetrics;
    logger: Logger;
    source: string;
  }) {
    this.#cache = options.cache;
    this.#publisher = options.publisher;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#source = options.source;
  }

  async changed(change: ChangeInput): Promise<CatalogEvent> {
    const event = newEvent(change, this.#source);
    await this.#cache.invalidate(cacheKeysFor(event));
    try {
      await this.#publisher.publish(event);
      this.#metrics.eventsPublished.inc({ type: event.type, outcome: "ok" });
    } catch (err) {
      this.#metrics.eventsPublished.inc({ type: event.type, outcome: "error" });
      this.#logger.error({ err, event }, "could not publish a change event; other caches wait for their TTL");
    }
    return event;
  }

  /** Applies an event received from the queue to this instance's cache. */
  async apply(event: CatalogEvent): Promise<void> {
    await this.#cache.invalidate(cacheKeysFor(event));
  }
}
