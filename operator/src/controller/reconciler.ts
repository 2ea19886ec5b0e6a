/**
 * What the three reconcilers (KdbDatabase, KdbBackup, KdbScheduledBackup) share: the key that
 * names an object in their work queues, what a reconcile asks for next, and a write that met a
 * newer version of its object as a quiet requeue.
 */
import { ConflictError } from "../kube/api-error.js";

/** What a reconcile asks for next: nothing, or another look after a delay. */
export interface Result {
  requeueAfterMs?: number;
}

export const done: Result = {};

export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * Runs a reconcile. A write refused because its object changed since it was read (409) is no
 * failure: the object is read again at once (outcome requeue, no backoff, no failure recorded).
 */
export async function requeueOnConflict(reconcile: () => Promise<Result>): Promise<Result> {
  try {
    return await reconcile();
  } catch (err) {
    if (err instanceof ConflictError) return { requeueAfterMs: 0 };
    throw err;
  }
}
