/** Reading `.guru.query`'s paged mode: `data`next!(table; cursor or ::). */
import { strict as assert } from "node:assert";
import type { QClient } from "../../../qipc/src/client.js";
import type { QTable, QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import { asTable, entries, rowCount, values } from "./values.js";

export interface Page {
  data: QTable;
  /** the cursor text, or null for `::` */
  next: QValue | null;
}

export function asPage(reply: QValue): Page {
  const dict = entries(reply);
  assert.deepEqual([...dict.keys()], ["data", "next"]);
  const next = dict.get("next") as QValue;
  if (next.type === 101) return { data: asTable(dict.get("data") as QValue), next: null };
  assert.equal(next.type, 10, "next must be a char vector or ::");
  return { data: asTable(dict.get("data") as QValue), next };
}

/** Every page of a query, `limit` rows at a time; asserts each page's size. */
export async function allPages(
  client: QClient,
  name: string,
  options: Record<string, QValue>,
  limit: bigint,
): Promise<QTable[]> {
  const pages: QTable[] = [];
  let cursor: QValue | null = null;
  do {
    const asked = { ...options, limit: q.long(limit), ...(cursor ? { cursor } : {}) };
    const page = asPage(await client.call(".guru.query", q.symbol(name), q.dictOf(asked)));
    assert.ok(
      rowCount(page.data) <= Number(limit),
      `a page of ${rowCount(page.data)} rows for limit ${limit}`,
    );
    pages.push(page.data);
    cursor = page.next;
    assert.ok(pages.length < 10_000, "paging does not end");
  } while (cursor !== null);
  return pages;
}

/** The pages' rows joined, column by column, as plain arrays. */
export function joinColumn(pages: readonly QTable[], column: string): unknown[] {
  return pages.flatMap((page) => values(page.data[page.columns.indexOf(column)] as QValue));
}
