/**
 * guru-engine's storage: series schemas and symbols in `meta`, rows in one table per series in
 * every segment database. A write batch goes whole to one segment (the one of its earliest row's
 * day, `day mod segments`, as kdb+ spreads date partitions over `par.txt`), so it commits
 * atomically; reads cover every segment.
 */
import type duckdb from "@duckdb/node-bindings";
import { QFail } from "../../../qipc/src/errors.js";
import type { QLogger } from "../../../qipc/src/logger.js";
import { type ColumnValue, prepareColumns } from "./append-columns.js";
import { Catalog } from "./catalog.js";
import { logicalTypes } from "./chunk-append.js";
import { COLUMN_TYPES, DAY_NS, int64Words, type TypeLetter } from "./column-types.js";
import { type Database, type DatabaseSettings, openDatabase } from "./database.js";
import { ReaderPool } from "./reader-pool.js";
import { type RawResult, readResult } from "./result-columns.js";
import { type ColumnDef, ident, type SeriesDef, sameColumns, tableName, timeRange } from "./schema.js";
import { SegmentWriter } from "./segment-writer.js";
import { Serial } from "./serial.js";
import { bindParams, type Param } from "./sql-params.js";
import { SymbolTable } from "./symbols.js";

export interface StoreSettings extends DatabaseSettings {
  readConnections: number;
}

export interface ReadOptions {
  maxRows: number;
  signal?: AbortSignal;
}

export class Store {
  readonly symbols: SymbolTable;
  readonly #db: Database;
  readonly #catalog: Catalog;
  readonly #writers: SegmentWriter[];
  readonly #readers: ReaderPool;
  readonly #series = new Map<string, SeriesDef>();
  readonly #types = new Map<number, duckdb.LogicalType[]>();
  /** creates and drops, one at a time: two creates of one name must not both insert it */
  readonly #ddl = new Serial();

  private constructor(
    db: Database,
    catalog: Catalog,
    symbols: SymbolTable,
    writers: SegmentWriter[],
    readers: ReaderPool,
    series: SeriesDef[],
  ) {
    this.#db = db;
    this.#catalog = catalog;
    this.symbols = symbols;
    this.#writers = writers;
    this.#readers = readers;
    for (const s of series) this.#series.set(s.name, s);
  }

  static async open(settings: StoreSettings, logger: QLogger): Promise<Store> {
    const db = await openDatabase(settings);
    const metaConn = await db.connect();
    const { catalog, stored } = await Catalog.open(metaConn.conn);
    const symbols = new SymbolTable(stored.symbols, (from, names) => catalog.appendSymbols(from, names));
    const writers = await Promise.all(
      db.segments.map(async (name) => new SegmentWriter(await db.connect(), name, logger)),
    );
    const readers = await Promise.all(Array.from({ length: settings.readConnections }, () => db.connect()));
    const store = new Store(
      db,
      catalog,
      symbols,
      writers,
      new ReaderPool(readers.map((r) => r.conn)),
      stored.series,
    );
    await store.#reconcileTables(logger);
    logger.info(
      { segments: settings.segments, series: stored.series.length, symbols: symbols.size },
      "store open",
    );
    return store;
  }

  get segments(): readonly string[] {
    return this.#db.segments;
  }

  series(name: string): SeriesDef | undefined {
    return this.#series.get(name);
  }

  list(): SeriesDef[] {
    return [...this.#series.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates a series, or returns the existing one when its schema is identical. */
  create(name: string, columns: ColumnDef[]): Promise<SeriesDef> {
    return this.#ddl.run(() => this.#create(name, columns));
  }

  async #create(name: string, columns: ColumnDef[]): Promise<SeriesDef> {
    const existing = this.#series.get(name);
    if (existing !== undefined) {
      if (sameColumns(existing.columns, columns)) return existing;
      throw new QFail(`guru.series.exists: ${name}`);
    }
    const series = await this.#catalog.insertSeries(name, columns);
    await Promise.all(
      this.#writers.map((w) => w.run((conn) => conn.run(createTableSql(w.database, series)))),
    );
    // visible only once every segment has its table
    this.#series.set(name, series);
    return series;
  }

  /** Drops a series; returns the rows it held. */
  drop(series: SeriesDef): Promise<bigint> {
    return this.#ddl.run(() => this.#drop(series));
  }

  async #drop(series: SeriesDef): Promise<bigint> {
    if (this.#series.get(series.name) !== series) throw new QFail(`guru.series.unknown: ${series.name}`);
    const { rows } = await this.extent(series);
    this.#series.delete(series.name);
    await this.#catalog.deleteSeries(series.id);
    await Promise.all(
      this.#writers.map((w) =>
        w.run((conn) => conn.run(`DROP TABLE IF EXISTS ${w.database}.${tableName(series)}`)),
      ),
    );
    this.#types.delete(series.id);
    return rows;
  }

  /** Appends one batch (`values` in schema order, already checked); resolves once durable. */
  async write(series: SeriesDef, values: readonly ColumnValue[], rows: number): Promise<void> {
    if (rows === 0) return;
    const letters = series.columns.map((c) => c.type);
    const prepared = prepareColumns(letters, values, rows, this.symbols);
    await prepared.symbolsDurable;
    const time = values[0]?.value as BigInt64Array;
    const writer = this.#writers[segmentOf(earliest(time), this.#writers.length)] as SegmentWriter;
    try {
      await writer.append({
        table: tableName(series),
        types: this.#typesOf(series),
        columns: prepared.columns,
        rows,
      });
    } catch (err) {
      if (this.#series.get(series.name) !== series) throw new QFail(`guru.series.unknown: ${series.name}`);
      throw err;
    }
  }

  /** Deletes rows with `start <= time < end` (null: unbounded); returns how many. */
  async delete(series: SeriesDef, start: bigint | null, end: bigint | null): Promise<bigint> {
    const range = timeRange(start, end);
    const where = range.length === 0 ? "" : ` WHERE ${range.join(" AND ")}`;
    const counts = await Promise.all(
      this.#writers.map((w) =>
        w.run(
          async (conn) =>
            (await conn.run(`DELETE FROM ${w.database}.${tableName(series)}${where}`)).rowsChanged,
        ),
      ),
    );
    return BigInt(counts.reduce((a, b) => a + b, 0));
  }

  /** Runs a query on a reader connection; the result's columns are read as `letters`. */
  read(
    sql: string,
    params: readonly Param[],
    letters: readonly TypeLetter[],
    options: ReadOptions,
  ): Promise<RawResult> {
    return this.#readers.use(async (conn) => {
      const statement = await conn.prepare(sql);
      try {
        bindParams(statement, params);
        return await readResult(await statement.stream(), letters, options.maxRows);
      } finally {
        statement.destroySync();
      }
    }, options.signal);
  }

  /** Rows, first and last time (null when empty) of a series. */
  async extent(
    series: SeriesDef,
    signal?: AbortSignal,
  ): Promise<{ rows: bigint; first: bigint | null; last: bigint | null }> {
    const union = this.segments
      .map((s) => `SELECT "time" FROM ${s}.${tableName(series)}`)
      .join(" UNION ALL ");
    const sql = `SELECT count(*)::BIGINT, coalesce(min("time"), 0), coalesce(max("time"), 0) FROM (${union})`;
    const { columns } = await this.read(sql, [], ["j", "p", "p"], { maxRows: 1, signal });
    const [rows, first, last] = columns.map((c) => (c as BigInt64Array)[0] as bigint) as [
      bigint,
      bigint,
      bigint,
    ];
    return rows === 0n ? { rows, first: null, last: null } : { rows, first, last };
  }

  segmentBytes(): number[] {
    return this.#db.segmentBytes();
  }

  /** Finishes queued writes, writes every WAL into its database file, and closes. */
  async close(): Promise<void> {
    await Promise.all(this.#writers.map((w) => w.run((conn) => conn.run(`CHECKPOINT ${w.database}`))));
    await Promise.all(this.#writers.map((w) => w.close()));
    await this.#catalog.close();
    this.#readers.close();
    this.#db.close();
  }

  #typesOf(series: SeriesDef): duckdb.LogicalType[] {
    let types = this.#types.get(series.id);
    if (types === undefined) {
      types = logicalTypes(series.columns.map((c) => c.type));
      this.#types.set(series.id, types);
    }
    return types;
  }

  /** Creates missing segment tables (a crash after a create) and drops orphans (after a drop). */
  async #reconcileTables(logger: QLogger): Promise<void> {
    const wanted = new Map([...this.#series.values()].map((s) => [tableName(s), s]));
    await Promise.all(
      this.#writers.map((w) =>
        w.run(async (conn) => {
          const rows = await conn.runAndReadAll(
            `SELECT table_name FROM duckdb_tables() WHERE database_name = '${w.database}' AND schema_name = 'main'`,
          );
          const present = new Set(rows.getRowObjectsJS().map((r) => String(r.table_name)));
          for (const table of present) {
            if (wanted.has(table) || !/^t\d+$/.test(table)) continue;
            logger.warn({ segment: w.database, table }, "dropping the table of a dropped series");
            await conn.run(`DROP TABLE ${w.database}.${table}`);
          }
          for (const series of wanted.values()) await conn.run(createTableSql(w.database, series));
        }),
      ),
    );
  }
}

function createTableSql(database: string, series: SeriesDef): string {
  const columns = series.columns.map((c) => `${ident(c.name)} ${COLUMN_TYPES[c.type].sql}`);
  return `CREATE TABLE IF NOT EXISTS ${database}.${tableName(series)} (${columns.join(", ")})`;
}

/** The earliest timestamp of a batch, compared as 32-bit halves (no BigInt per value). */
export function earliest(time: BigInt64Array): bigint {
  const words = int64Words(time);
  let best = 0;
  for (let i = 1; i < time.length; i++) {
    const hi = words[2 * i + 1] as number;
    const bestHi = words[2 * best + 1] as number;
    if (hi < bestHi || (hi === bestHi && (words[2 * i] as number) >>> 0 < (words[2 * best] as number) >>> 0))
      best = i;
  }
  return time[best] ?? 0n;
}

/** Segment of a timestamp's day (days since 2000.01.01, floored), like kdb+'s `date mod count par`. */
export function segmentOf(time: bigint, segments: number): number {
  const day = time >= 0n ? time / DAY_NS : (time + 1n) / DAY_NS - 1n;
  const n = BigInt(segments);
  return Number(((day % n) + n) % n);
}
