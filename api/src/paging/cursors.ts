/**
 * Cursors of list pages: the sort key of the last item returned, base64url-encoded. The partition
 * is never taken from the cursor (it comes from the caller's account), so a forged cursor can only
 * move within what the caller may list anyway.
 */
import { ValidationError } from "../errors/errors.js";

export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

function invalid(): ValidationError {
  return new ValidationError([
    { code: "invalid_format", path: ["query", "cursor"], message: "not a cursor of this list" },
  ]);
}

/** Decodes a cursor holding exactly `fields` (strings); `check` may reject values. */
export function decodeCursor(
  cursor: string,
  fields: readonly string[],
  check: (position: Record<string, string>) => boolean = () => true,
): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  if (
    entries.length !== fields.length ||
    !fields.every((f) => typeof (parsed as Record<string, unknown>)[f] === "string")
  )
    throw invalid();
  const position = parsed as Record<string, string>;
  if (!check(position)) throw invalid();
  return position;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
