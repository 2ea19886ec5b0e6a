/**
 * Queries: the request typed against the series' schema, then `.guru.query` in paged mode (every
 * call carries a limit, so no reply exceeds the row limit and large results are fetched page by
 * page), or `.guru.last`. Reads are retried once after a lost connection (connections.ts).
 */
import {
  type QDict,
  type QList,
  type QTable,
  type QValue,
  type QVector,
  q,
} from "../../../qipc/src/index.js";
import type { Principal } from "../auth/scopes.js";
import type { DatabaseConnections } from "../data/connections.js";
import type { DatabaseRecord } from "../databases/databases-store.js";
import type { SeriesService } from "../series/series-service.js";
import { optionsDict, QueryBuilder } from "./query-options.js";
import type { QueryInput } from "./query-schemas.js";

export interface Page {
  table: QTable;
  /** the cursor of the next page (base64url), or null */
  next: string | null;
}

export interface PreparedQuery {
  db: DatabaseRecord;
  series: string;
  options: Record<string, QValue>;
}

export interface QueriesServiceOptions {
  series: SeriesService;
  connections: DatabaseConnections;
  /** rows of one non-streamed reply, and the largest page */
  maxRows: number;
  /** rows fetched per call while streaming */
  pageRows: number;
}

/** The engine's cursor text; the request schema made sure it is base64url. */
function engineCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, "base64url").toString("utf8");
}

export class QueriesService {
  readonly #o: QueriesServiceOptions;

  constructor(options: QueriesServiceOptions) {
    this.#o = options;
  }

  get maxRows(): number {
    return this.#o.maxRows;
  }

  get pageRows(): number {
    return this.#o.pageRows;
  }

  async prepare(
    principal: Principal,
    database: string,
    name: string,
    input: QueryInput,
    where: "query" | "body",
  ): Promise<PreparedQuery> {
    const { db, series } = await this.#o.series.target(principal, database, name, "read");
    const { options } = new QueryBuilder(series.columns, input, where).build();
    return { db, series: name, options };
  }

  /** One page of at most `limit` rows, from `cursor` (as returned in `next`). */
  async page(query: PreparedQuery, limit: number, cursor: string | undefined): Promise<Page> {
    const reply = (await this.#o.connections.request(
      query.db,
      ".guru.query",
      [q.symbol(query.series), optionsDict(query.options, limit, engineCursor(cursor))],
      { kind: "read" },
    )) as QDict;
    const [table, next] = (reply.values as QList).value as [QTable, QValue];
    return {
      table,
      next:
        next.type === 10 ? Buffer.from((next as QVector).value as Uint8Array).toString("base64url") : null,
    };
  }

  async last(principal: Principal, database: string, name: string, by: string[]): Promise<QTable> {
    const { db } = await this.#o.series.target(principal, database, name, "read");
    return (await this.#o.connections.request(db, ".guru.last", [q.symbol(name), q.symbols(by)], {
      kind: "read",
    })) as QTable;
  }
}
