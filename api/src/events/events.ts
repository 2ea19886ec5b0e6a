/**
 * Change events: every change to the catalog publishes one (SNS in the cloud, in process locally).
 * Each region's cache has an SQS queue subscribed to the topic; the API's consumer applies each
 * event to its cache by invalidating the keys it names, so a change made in one place is seen
 * everywhere without waiting for TTLs. Events say what changed, not the new state: invalidation
 * commutes, so SQS's unordered, at-least-once delivery cannot leave a cache with an old value.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { cacheKeys } from "../cache/cache.js";

export const EVENT_TYPES = [
  "account.created",
  "account.updated",
  "account.deleted",
  "token.created",
  "token.revoked",
  "token.deleted",
  "database.created",
  "database.updated",
  "database.deleted",
  "series.created",
  "series.deleted",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const catalogEventSchema = z.object({
  /** shape version */
  v: z.literal(1),
  /** unique per event (consumers may see one twice) */
  id: z.string().min(1),
  type: z.enum(EVENT_TYPES),
  /** when the change was made, RFC 3339 */
  at: z.string(),
  /** the API instance that made it */
  source: z.string(),
  accountId: z.string(),
  tokenId: z.string().optional(),
  database: z.string().optional(),
  /** the database incarnation, for series keys */
  databaseUid: z.string().optional(),
  series: z.string().optional(),
});

export type CatalogEvent = z.infer<typeof catalogEventSchema>;
export type ChangeInput = Omit<CatalogEvent, "v" | "id" | "at" | "source">;

export function newEvent(change: ChangeInput, source: string): CatalogEvent {
  return { v: 1, id: randomUUID(), at: new Date().toISOString(), source, ...change };
}

/** The cache keys an event makes stale. */
export function cacheKeysFor(event: CatalogEvent): string[] {
  const out: string[] = [];
  if (event.tokenId !== undefined) out.push(cacheKeys.token(event.tokenId));
  if (event.database !== undefined) out.push(cacheKeys.database(event.accountId, event.database));
  if (event.series !== undefined && event.databaseUid !== undefined)
    out.push(cacheKeys.series(event.databaseUid, event.series));
  return out;
}

export interface EventPublisher {
  publish(event: CatalogEvent): Promise<void>;
  close(): Promise<void>;
}

/** Receives events and hands each to a handler until closed. */
export interface EventConsumer {
  start(handler: (event: CatalogEvent) => Promise<void>): void;
  health(): { status: "ok" | "degraded" | "disabled"; detail?: string };
  close(): Promise<void>;
}

/** Parses a queue message: our event as is (raw delivery) or wrapped in an SNS notification. */
export function parseEventMessage(body: string): CatalogEvent | undefined {
  try {
    let parsed: unknown = JSON.parse(body);
    const envelope = parsed as { Type?: unknown; Message?: unknown };
    if (envelope.Type === "Notification" && typeof envelope.Message === "string")
      parsed = JSON.parse(envelope.Message);
    const result = catalogEventSchema.safeParse(parsed);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
