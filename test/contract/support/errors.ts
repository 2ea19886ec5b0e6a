/** Asserting q error replies: the stable word, and for `guru.type` the argument path. */
import { strict as assert } from "node:assert";
import { QRemoteError } from "../../../qipc/src/errors.js";

/** The word and detail of an error text `word` or `word: detail`. */
export function splitError(text: string): { word: string; detail: string | undefined } {
  const colon = text.indexOf(":");
  if (colon < 0) return { word: text, detail: undefined };
  return { word: text.slice(0, colon), detail: text.slice(colon + 1).trim() };
}

/** Awaits a call that must fail with `'word` (and, when given, exactly `detail`). */
export async function rejectsWith(call: Promise<unknown>, word: string, detail?: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof QRemoteError, `expected a q error reply, got ${String(err)}`);
    const parsed = splitError(err.word);
    assert.equal(parsed.word, word, `error text: ${err.word}`);
    if (detail !== undefined) assert.equal(parsed.detail, detail, `error text: ${err.word}`);
    return true;
  });
}
