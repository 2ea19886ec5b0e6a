/**
 * Streamed replies (JSON Lines, CSV) with backpressure: each chunk waits for the socket to drain
 * before the next page is fetched, so a slow reader slows the query instead of filling memory.
 * A failure after the first bytes cannot become a problem+json any more: the connection is cut,
 * so the client sees an incomplete chunked body rather than a silently short result.
 */
import { once } from "node:events";
import type { Response } from "express";

/** Writes `text`; resolves when it may write more, or false when the client went away. */
export async function writeChunk(res: Response, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(text)) return true;
  await Promise.race([once(res, "drain"), once(res, "close")]);
  return !res.destroyed;
}

export async function streamPages(
  res: Response,
  first: string,
  more: () => Promise<string | undefined>,
): Promise<void> {
  try {
    if (!(await writeChunk(res, first))) return;
    for (let chunk = await more(); chunk !== undefined; chunk = await more())
      if (!(await writeChunk(res, chunk))) return;
    res.end();
  } catch (err) {
    res.destroy(err as Error);
  }
}
