/**
 * guru-engine's storage: series schemas and symbols in `meta`, rows in one table per series in
 * every segment database. A write batch goes whole to one segment (the one of its earliest row's
 * day, `day mod segments`, as kdb+ spreads date partitions over `par.txt`), so it commits
 * atomically; reads cover every segment.
 */
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type duckdb from "@duckdb/node-bindings";
import { qFail, type TypeLetter } from "../../../q-api/src/index.js";
import type { QLogger } from "../../../qipc/src/index.js";
import { type ColumnValue, prepareColumns } from "./append-columns.js";
import { Catalog } from "./catalog.js";
import { logicalTypes } from "./chunk-append.js";
import { COLUMN_SQL, DAY_NS, int64Words } from "./column-types.js";
import { DATA_FILE, type Database, type DatabaseSettings, META_FILE, openDatabase } from "./database.js";
import { ReaderPool } from "./reader-pool.js";
import { type RawResult, readResult } from "./result-columns.js";
import { type Clock, Retention, type RetentionRun, systemClock } from "./retention.js";
import { type ColumnDef, ident, type SeriesDef, sameColumns, tableName, timeRange } from "./schema.js";
import { SegmentWriter } from "./segment-writer.js";
import { Serial } from "./serial.js";
import type { SnapshotFile, Snapshots } from "./snapshots.js";
import { bindParams, type Param } from "./sql-params.js";
import { SymbolTable } from "./symbols.js";

export interface StoreSettings extends DatabaseSettings {
  readConnections: number;
  /** days of data kept (0: all); when given, it replaces the stored setting (the operator's wins) */
  retentionDays?: number;
  clock?: Clock;
}

/** What a snapshot holds: every write acknowledged before `at`, none after. */
export interface SnapshotInfo {
  id: string;
  /** the moment of the cut (q nanoseconds) */
  at: bigint;
  /** write batches this engine acknowledged since it started, all of them in the snapshot */
  writes: bigint;
  rows: bigint;
  first: bigint | null;
  last: bigint | null;
  segments: number;
  files: SnapshotFile[];
}

const RETENTION_SETTING = "retention.days";

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
  readonly retention: Retention;
  readonly #dirs: readonly string[];
  /** per segment: batches committed at the previous idle check, and at its last idle checkpoint */
  readonly #seenCommits: number[];
  readonly #checkpointedCommits: number[];

  private constructor(
    db: Database,
    catalog: Catalog,
    symbols: SymbolTable,
    writers: SegmentWriter[],
    readers: ReaderPool,
    series: SeriesDef[],
    retention: Retention,
    dirs: readonly string[],
  ) {
    this.retention = retention;
    this.#dirs = dirs;
    this.#db = db;
    this.#catalog = catalog;
    this.symbols = symbols;
    this.#writers = writers;
    this.#seenCommits = writers.map(() => 0);
    this.#checkpointedCommits = writers.map(() => 0);
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
      new Retention(
        settings.retentionDays ?? Number(stored.settings.get(RETENTION_SETTING) ?? 0),
        settings.clock ?? systemClock,
      ),
      settings.segments,
    );
    await store.#reconcileTables(logger);
    if (settings.retentionDays !== undefined) await store.setRetention(settings.retentionDays);
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
      throw qFail("guru.series.exists", name);
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
    if (this.#series.get(series.name) !== series) throw qFail("guru.series.unknown", series.name);
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
      if (this.#series.get(series.name) !== series) throw qFail("guru.series.unknown", series.name);
      throw err;
    }
  }

  /** Deletes rows with `start <= time < end` (null: unbounded); returns how many. */
  async delete(series: SeriesDef, start: bigint | null, end: bigint | null): Promise<bigint> {
    // expired rows are not there for the caller: they are neither deleted nor counted here
    const range = timeRange(this.visibleFrom(start), end);
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
        return readResult(await statement.run(), letters, options.maxRows);
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
    const where = timeRange(this.retention.cutoff(), null)
      .map((c) => ` WHERE ${c}`)
      .join("");
    const union = this.segments
      .map((s) => `SELECT "time" FROM ${s}.${tableName(series)}${where}`)
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

  /**
   * Checkpoints each segment that took no write since the previous call and whose WAL holds at
   * least `minWalBytes`; returns their names. Called on a timer, so a pause in writes writes the
   * rows held in memory into the file (DuckDB's own threshold waits for a larger WAL), which frees
   * that memory and shortens the WAL replayed at a restart; a busy segment is left to the
   * threshold, and a small WAL to grow (every checkpoint rewrites the last, partly filled row group).
   */
  async checkpointIdle(minWalBytes: number): Promise<string[]> {
    const wal = this.#db.walBytes();
    const done: string[] = [];
    for (const [i, writer] of this.#writers.entries()) {
      const commits = writer.committed;
      const idle = commits === this.#seenCommits[i];
      this.#seenCommits[i] = commits;
      if (!idle || commits === this.#checkpointedCommits[i] || (wal[i] ?? 0) < minWalBytes) continue;
      // a reader's open transaction may refuse it: the next call tries again
      const ok = await writer
        .run((conn) => conn.run(`CHECKPOINT ${writer.database}`))
        .then(
          () => true,
          () => false,
        );
      if (!ok) continue;
      this.#checkpointedCommits[i] = commits;
      done.push(writer.database);
    }
    return done;
  }

  /** The first time queries see: the later of `start` and the retention cutoff. */
  visibleFrom(start: bigint | null): bigint | null {
    const cutoff = this.retention.cutoff();
    if (cutoff === null) return start;
    return start === null || start < cutoff ? cutoff : start;
  }

  /** Sets and stores the days kept (0: all), then drops what is now expired. */
  async setRetention(days: number): Promise<RetentionRun | null> {
    await this.#catalog.setSetting(RETENTION_SETTING, String(days));
    this.retention.days = days;
    return this.enforceRetention();
  }

  /**
   * Deletes the rows older than the cutoff (whole days: the cutoff is day-aligned), segment by
   * segment on each writer's queue. Queries already ignore them; this frees their space.
   */
  async enforceRetention(): Promise<RetentionRun | null> {
    const cutoff = this.retention.cutoff();
    if (cutoff === null) return null;
    const at = this.retention.clock();
    const counts = await Promise.all(
      this.#writers.map((w) => w.run((conn) => this.#expire(conn, w, cutoff))),
    );
    const run = { at, cutoff, dropped: BigInt(counts.reduce((a, b) => a + b, 0)) };
    this.retention.recordRun(run);
    return run;
  }

  async #expire(conn: DuckDBConnection, writer: SegmentWriter, cutoff: bigint): Promise<number> {
    let dropped = 0;
    for (const series of this.#series.values()) {
      const sql = `DELETE FROM ${writer.database}.${tableName(series)} WHERE "time" < ${cutoff}`;
      dropped += (await conn.run(sql)).rowsChanged;
    }
    return dropped;
  }

  /** The earliest retained time of any series, or null when none holds a row. */
  async oldest(signal?: AbortSignal): Promise<bigint | null> {
    let oldest: bigint | null = null;
    for (const s of this.list()) {
      const { first } = await this.extent(s, signal);
      if (first !== null && (oldest === null || first < oldest)) oldest = first;
    }
    return oldest;
  }

  /**
   * A consistent copy of every file: every segment writer is held at one point of its queue (a
   * barrier: writes keep arriving and wait), expired rows are dropped and each segment is
   * checkpointed, `meta` is copied while no catalog change runs, and the writers are released.
   * So the snapshot holds exactly the writes acknowledged before the cut.
   */
  snapshot(snapshots: Snapshots): Promise<SnapshotInfo> {
    return this.#ddl.run(() =>
      this.#barrier(async () => {
        const at = this.retention.clock();
        const writes = BigInt(this.#writers.reduce((sum, w) => sum + w.committed, 0));
        const meta = join(this.#dirs[0] as string, META_FILE);
        const { id, files } = await this.#catalog.exclusive(async (conn) => {
          await conn.run("CHECKPOINT meta").catch(() => {});
          return snapshots.create([
            ...walPair("segment-0", META_FILE, meta),
            ...this.#dirs.flatMap((dir, i) => walPair(`segment-${i}`, DATA_FILE, join(dir, DATA_FILE))),
          ]);
        });
        let rows = 0n;
        let first: bigint | null = null;
        let last: bigint | null = null;
        for (const s of this.list()) {
          const e = await this.extent(s);
          rows += e.rows;
          if (e.first !== null && (first === null || e.first < first)) first = e.first;
          if (e.last !== null && (last === null || e.last > last)) last = e.last;
        }
        return { id, at, writes, rows, first, last, segments: this.#dirs.length, files };
      }),
    );
  }

  /** Holds every writer at one point of its queue while `work` runs. */
  async #barrier<T>(work: () => Promise<T>): Promise<T> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const cutoff = this.retention.cutoff();
    const reached = this.#writers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.run(async (conn) => {
            if (cutoff !== null) await this.#expire(conn, w, cutoff);
            // best effort: a reader's open transaction may defer it, and the WAL is copied too
            await conn.run(`CHECKPOINT ${w.database}`).catch(() => {});
            resolve();
            await released;
          }).catch(reject);
        }),
    );
    try {
      await Promise.all(reached);
      return await work();
    } finally {
      release();
    }
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

/** A DuckDB file and its write-ahead log, as snapshot sources. */
function walPair(dir: string, file: string, path: string): { name: string; path: string }[] {
  return [
    { name: `${dir}/${file}`, path },
    { name: `${dir}/${file}.wal`, path: `${path}.wal` },
  ];
}

function createTableSql(database: string, series: SeriesDef): string {
  const columns = series.columns.map((c) => `${ident(c.name)} ${COLUMN_SQL[c.type]}`);
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
