/**
 * The metadata database (`meta`): series schemas and the symbol list. It is the source of truth
 * for which series exist; segment tables are created after, and dropped after, their entry here.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { isTypeLetter } from "../../../q-api/src/index.js";
import type { ColumnDef, SeriesDef } from "./schema.js";
import { Serial } from "./serial.js";

export interface StoredCatalog {
  series: SeriesDef[];
  symbols: string[];
  /** database settings (retention), by name */
  settings: Map<string, string>;
}

export class Catalog {
  readonly #conn: DuckDBConnection;
  readonly #serial = new Serial();

  private constructor(conn: DuckDBConnection) {
    this.#conn = conn;
  }

  static async open(conn: DuckDBConnection): Promise<{ catalog: Catalog; stored: StoredCatalog }> {
    await conn.run("CREATE TABLE IF NOT EXISTS meta.series (id INTEGER, name VARCHAR, columns VARCHAR)");
    await conn.run("CREATE TABLE IF NOT EXISTS meta.sym (id INTEGER, name VARCHAR)");
    await conn.run("CREATE TABLE IF NOT EXISTS meta.settings (name VARCHAR, value VARCHAR)");
    // ids are never reused, so nothing keyed by an id (tables, cursors) outlives its series
    await conn.run("CREATE SEQUENCE IF NOT EXISTS meta.series_id START 1");
    const series = (await conn.runAndReadAll("SELECT id, name, columns FROM meta.series ORDER BY id"))
      .getRowObjectsJS()
      .map((row) => ({
        id: Number(row.id),
        name: String(row.name),
        columns: parseColumns(String(row.columns)),
      }));
    const symbols = (await conn.runAndReadAll("SELECT name FROM meta.sym ORDER BY id"))
      .getRowObjectsJS()
      .map((row) => String(row.name));
    const settings = new Map(
      (await conn.runAndReadAll("SELECT name, value FROM meta.settings"))
        .getRowObjectsJS()
        .map((row) => [String(row.name), String(row.value)] as const),
    );
    return { catalog: new Catalog(conn), stored: { series, symbols, settings } };
  }

  /** Records a new series under a fresh id. */
  insertSeries(name: string, columns: ColumnDef[]): Promise<SeriesDef> {
    return this.#serial.run(async () => {
      const insert = await this.#conn.prepare(
        "INSERT INTO meta.series VALUES (nextval('meta.series_id'), $1, $2) RETURNING id",
      );
      insert.bindVarchar(1, name);
      insert.bindVarchar(2, JSON.stringify(columns));
      const id = (await insert.runAndReadAll()).getRowsJS()[0]?.[0];
      return { id: Number(id), name, columns };
    });
  }

  deleteSeries(id: number): Promise<void> {
    return this.#serial.run(async () => {
      await this.#conn.run(`DELETE FROM meta.series WHERE id = ${id}`);
    });
  }

  /** Appends symbols `[from, from + names.length)` in one transaction. */
  appendSymbols(from: number, names: readonly string[]): Promise<void> {
    return this.#serial.run(async () => {
      await this.#conn.run("BEGIN");
      try {
        const appender = await this.#conn.createAppender("sym", "main", "meta");
        names.forEach((name, i) => {
          appender.appendInteger(from + i);
          appender.appendVarchar(name);
          appender.endRow();
        });
        appender.closeSync();
        await this.#conn.run("COMMIT");
      } catch (err) {
        await this.#conn.run("ROLLBACK");
        throw err;
      }
    });
  }

  /** Sets a database setting (one transaction: the old value or the new, never none). */
  setSetting(name: string, value: string): Promise<void> {
    return this.#serial.run(async () => {
      await this.#conn.run("BEGIN");
      try {
        const remove = await this.#conn.prepare("DELETE FROM meta.settings WHERE name = $1");
        remove.bindVarchar(1, name);
        await remove.run();
        const insert = await this.#conn.prepare("INSERT INTO meta.settings VALUES ($1, $2)");
        insert.bindVarchar(1, name);
        insert.bindVarchar(2, value);
        await insert.run();
        await this.#conn.run("COMMIT");
      } catch (err) {
        await this.#conn.run("ROLLBACK").catch(() => {});
        throw err;
      }
    });
  }

  /** Runs `task` while no catalog change is in flight (a snapshot copies `meta` meanwhile). */
  exclusive<T>(task: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.#serial.run(() => task(this.#conn));
  }

  /** Checkpoints `meta` and closes the connection. */
  close(): Promise<void> {
    return this.#serial.run(async () => {
      await this.#conn.run("CHECKPOINT meta");
      this.#conn.closeSync();
    });
  }
}

function parseColumns(json: string): ColumnDef[] {
  const parsed = JSON.parse(json) as { name: string; type: string; tag: boolean }[];
  return parsed.map((c) => {
    if (!isTypeLetter(c.type)) throw new Error(`stored schema has unknown type ${c.type}`);
    return { name: c.name, type: c.type, tag: c.tag };
  });
}
