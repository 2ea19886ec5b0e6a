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
 * Runs a status write; false when the object was deleted meanwhile. A deleted object has no
 * status left to report and its children go with it, so that is the end of its reconcile, not
 * a failure to retry.
 */
export async function statusWritten(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isApiError(err, 404)) return false;
    throw new Error("while writing status", { cause: err });
  }
}
