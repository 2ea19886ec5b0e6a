/**
 * Series: their schema lives in the catalog (for listing and for the data plane's validation) and
 * is applied on the database with `.guru.create`, which is idempotent for an identical schema.
 * The database is asked first, so the catalog never lists a series the database lacks; a crash
 * between the two is repaired by creating the series again.
 */

import { LETTER_OF, NAME_PATTERN } from "../../../q-api/src/index.js";
import { q } from "../../../qipc/src/index.js";
import type { Principal } from "../auth/scopes.js";
import { type Cache, type CacheTtl, cacheKeys, readThrough } from "../cache/cache.js";
import { CatalogConflict } from "../catalog/table.js";
import type { DatabaseConnections } from "../data/connections.js";
import type { DatabasesService } from "../databases/databases-service.js";
import type { DatabaseRecord } from "../databases/databases-store.js";
import { ConflictError, NotFoundError } from "../errors/errors.js";
import type { ChangeFeed } from "../events/change-feed.js";
import type { ApiMetrics } from "../metrics.js";
import { decodeCursor, encodeCursor, type Page } from "../paging/cursors.js";
import type { Column, CreateSeriesInput, SeriesView } from "./series-schemas.js";
import type { SeriesRecord, SeriesStore } from "./series-store.js";

export function seriesView(series: SeriesRecord): SeriesView {
  return {
    name: series.name,
    database: series.database,
    columns: series.columns,
    createdAt: series.createdAt,
  };
}

export function columnsOf(input: CreateSeriesInput): Column[] {
  return [
    { name: "time", type: "timestamp", tag: false },
    ...input.tags.map((name) => ({ name, type: "symbol" as const, tag: true })),
    ...input.fields.map((f) => ({ name: f.name, type: f.type, tag: false })),
  ];
}

/** The schema table `.guru.create` takes: name (S), type (C), tag (b). */
export function qSchema(columns: readonly Column[]) {
  return q.table({
    name: q.symbols(columns.map((c) => c.name)),
    type: q.string(columns.map((c) => LETTER_OF[c.type]).join("")),
    tag: q.booleans(columns.map((c) => c.tag)),
  });
}

const sameColumns = (a: readonly Column[], b: readonly Column[]) => JSON.stringify(a) === JSON.stringify(b);

export interface SeriesServiceOptions {
  store: SeriesStore;
  databases: DatabasesService;
  connections: DatabaseConnections;
  changes: ChangeFeed;
  cache: Cache;
  ttl: CacheTtl;
  metrics: ApiMetrics;
}

export class SeriesService {
  readonly #o: SeriesServiceOptions;

  constructor(options: SeriesServiceOptions) {
    this.#o = options;
  }

  /** The series through the cache (the data plane's lookup). */
  async lookup(db: DatabaseRecord, name: string): Promise<SeriesRecord | undefined> {
    return readThrough(
      this.#o.cache,
      this.#o.metrics,
      "series",
      cacheKeys.series(db.uid, name),
      this.#o.ttl,
      async () => {
        const series = await this.#o.store.get(db.accountId, db.name, name);
        return series?.databaseUid === db.uid ? series : undefined;
      },
    );
  }

  /** The database, ready for `access`, and the series in it, which must exist (the data plane's). */
  async target(principal: Principal, database: string, name: string, access: "read" | "write") {
    const db = await this.#o.databases.resolveReady(principal, database, access);
    const series = await this.lookup(db, name);
    if (series === undefined)
      throw new NotFoundError("SERIES_NOT_FOUND", `no series ${name} in database ${database}`);
    return { db, series };
  }

  /** Creates the series; `created` is false when it existed with the same schema. */
  async create(
    principal: Principal,
    database: string,
    input: CreateSeriesInput,
  ): Promise<{ series: SeriesRecord; created: boolean }> {
    const db = await this.#o.databases.resolveReady(principal, database, "write");
    const columns = columnsOf(input);
    const existing = await this.#o.store.get(db.accountId, db.name, input.name);
    if (existing !== undefined && existing.databaseUid === db.uid) {
      if (!sameColumns(existing.columns, columns))
        throw new ConflictError("SERIES_EXISTS", `series ${input.name} exists with another schema`);
      return { series: existing, created: false };
    }
    await this.#o.connections.call(db, ".guru.create", q.symbol(input.name), qSchema(columns));
    const series: SeriesRecord = {
      accountId: db.accountId,
      database: db.name,
      databaseUid: db.uid,
      name: input.name,
      columns,
      createdAt: new Date().toISOString(),
      version: 1,
    };
    try {
      await this.#o.store.create(series);
    } catch (err) {
      if (!(err instanceof CatalogConflict)) throw err;
      // created concurrently: the database accepted both, so the schemas are the same
      const winner = await this.#o.store.get(db.accountId, db.name, input.name);
      if (winner !== undefined) return { series: winner, created: false };
      throw err;
    }
    await this.#o.changes.changed({
      type: "series.created",
      accountId: db.accountId,
      database: db.name,
      databaseUid: db.uid,
      series: series.name,
    });
    return { series, created: true };
  }

  async get(principal: Principal, database: string, name: string): Promise<SeriesRecord> {
    const db = await this.#o.databases.resolve(principal, database, "see");
    const series = await this.lookup(db, name);
    if (series === undefined)
      throw new NotFoundError("SERIES_NOT_FOUND", `no series ${name} in database ${database}`);
    return series;
  }

  async list(
    principal: Principal,
    database: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<SeriesView>> {
    const db = await this.#o.databases.resolve(principal, database, "see");
    const after =
      cursor === undefined
        ? undefined
        : decodeCursor(cursor, ["name"], (p) => NAME_PATTERN.test(p.name ?? "")).name;
    const page = await this.#o.store.list(db.accountId, db.name, limit, after);
    return {
      items: page.items.filter((s) => s.databaseUid === db.uid).map(seriesView),
      nextCursor: page.last === undefined ? null : encodeCursor({ name: page.last }),
    };
  }

  /** Drops the series and its data on the database, then forgets it. */
  async delete(principal: Principal, database: string, name: string): Promise<void> {
    const db = await this.#o.databases.resolveReady(principal, database, "write");
    const series = await this.#o.store.get(db.accountId, db.name, name);
    if (series === undefined || series.databaseUid !== db.uid)
      throw new NotFoundError("SERIES_NOT_FOUND", `no series ${name} in database ${database}`);
    try {
      await this.#o.connections.call(db, ".guru.drop", q.symbol(name));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err; // already gone on the database
    }
    await this.#o.store.delete(series);
    await this.#o.changes.changed({
      type: "series.deleted",
      accountId: db.accountId,
      database: db.name,
      databaseUid: db.uid,
      series: name,
    });
  }
}
