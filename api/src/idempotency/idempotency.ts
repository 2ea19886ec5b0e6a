/**
 * `Idempotency-Key` on creates (as in the IETF draft and Stripe's API): the first request with a
 * key runs and its successful reply is kept for 24 hours; a retry with the same key and the same
 * request gets that reply again (header `Idempotent-Replayed: true`) without running twice; the
 * same key with a different request is 422; while the first is still running, 409. A request that
 * fails is forgotten, so it can be retried with the same key.
 */
import { createHash } from "node:crypto";
import { CatalogConflict } from "../catalog/table.js";
import { ConflictError, UnprocessableError } from "../errors/errors.js";
import type { Reply } from "../http/route.js";
import type { IdempotencyRecord, IdempotencyStore } from "./idempotency-store.js";

const TTL_SECONDS = 24 * 3600;
/** a started record older than this belongs to a request that died */
const STALE_MS = 60_000;

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest("base64url");
}

export class Idempotency {
  readonly #store: IdempotencyStore;

  constructor(store: IdempotencyStore) {
    this.#store = store;
  }

  async run(
    accountId: string,
    key: string | undefined,
    print: string,
    work: () => Promise<Reply>,
  ): Promise<Reply> {
    if (key === undefined) return work();
    const now = Date.now();
    const record: IdempotencyRecord = {
      accountId,
      key,
      fingerprint: print,
      state: "started",
      reply: null,
      startedAt: now,
      expiresAt: Math.floor(now / 1000) + TTL_SECONDS,
    };
    try {
      await this.#store.claim(record, Math.floor(now / 1000));
    } catch (err) {
      if (!(err instanceof CatalogConflict)) throw err;
      const existing = await this.#store.get(accountId, key);
      if (existing === undefined) return this.run(accountId, key, print, work); // expired meanwhile
      if (existing.fingerprint !== print)
        throw new UnprocessableError(
          "IDEMPOTENCY_KEY_REUSED",
          `Idempotency-Key ${key} was used for another request`,
        );
      if (existing.state === "done" && existing.reply !== null)
        return { ...existing.reply, headers: { ...existing.reply.headers, "Idempotent-Replayed": "true" } };
      if (now - existing.startedAt < STALE_MS)
        throw new ConflictError(
          "IDEMPOTENCY_IN_PROGRESS",
          `a request with Idempotency-Key ${key} is in progress`,
        );
      await this.#store.takeOver(record, existing.startedAt).catch((e: unknown) => {
        if (e instanceof CatalogConflict)
          throw new ConflictError(
            "IDEMPOTENCY_IN_PROGRESS",
            `a request with Idempotency-Key ${key} is in progress`,
          );
        throw e;
      });
    }
    let reply: Reply;
    try {
      reply = await work();
    } catch (err) {
      await this.#store.release(accountId, key).catch(() => undefined);
      throw err;
    }
    await this.#store.finish({ ...record, state: "done", reply });
    return reply;
  }
}
