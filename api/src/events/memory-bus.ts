/** Local mode's events: published and consumed in this process. */
import type { CatalogEvent, EventConsumer, EventPublisher } from "./events.js";

export class MemoryEventBus implements EventPublisher, EventConsumer {
  readonly #handlers: ((event: CatalogEvent) => Promise<void>)[] = [];

  async publish(event: CatalogEvent): Promise<void> {
    // delivered after the publisher's own work, as a queue would
    const copy = structuredClone(event);
    queueMicrotask(() => {
      for (const handler of this.#handlers) void handler(copy).catch(() => undefined);
    });
  }

  start(handler: (event: CatalogEvent) => Promise<void>): void {
    this.#handlers.push(handler);
  }

  health() {
    return { status: "ok" as const };
  }

  async close(): Promise<void> {
    this.#handlers.length = 0;
  }
}
