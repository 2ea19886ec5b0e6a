/** One place that reads @kubernetes/client-node's errors. */
import { ApiException } from "@kubernetes/client-node";

/** Whether `err` is an API server answer with one of the given HTTP codes (any code when none given). */
export function isApiError(err: unknown, ...codes: number[]): err is ApiException<unknown> {
  if (!(err instanceof ApiException)) return false;
  return codes.length === 0 || codes.includes(err.code);
}

/** The Status message of an API error (the body may be a string or an object), else the error's message. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === "string") {
      const text = body;
      try {
        body = JSON.parse(text);
      } catch {
        return `HTTP ${err.code}: ${text.slice(0, 500)}`;
      }
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    return `HTTP ${err.code}: ${typeof message === "string" ? message : err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** `err`'s message with its causes (`while …: cause`), for logs and conditions. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(apiErrorMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/**
 * A write refused with 409 Conflict: the object changed since it was read (a stale
 * resourceVersion). Not a failure: the reconcile reads it again at once, without backoff
 * (requeueOnConflict in operator/src/controller/reconciler.ts).
 */
export class ConflictError extends Error {
  constructor(context: string, cause: unknown) {
    super(`${context}: the object changed since it was read`, { cause });
    this.name = "ConflictError";
  }
}

/**
 * Runs a write to the object being reconciled. Deleted meanwhile (404): undefined, since it has
 * nothing left to write and its children go with it, so that is the end of its reconcile, not a
 * failure to retry. Changed meanwhile (409): a ConflictError. Any other refusal fails with `context`.
 */
export async function ownWrite<T>(context: string, write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    if (isApiError(err, 409)) throw new ConflictError(context, err);
    throw new Error(context, { cause: err });
  }
}

/** A status write (an ownWrite); false when the object was deleted meanwhile. */
export async function statusWritten(write: () => Promise<unknown>): Promise<boolean> {
  const written = await ownWrite("while writing status", async () => {
    await write();
    return true;
  });
  return written ?? false;
}
