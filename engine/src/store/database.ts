/**
 * The DuckDB instance behind one guru-engine database: an in-memory main database with one file
 * attached per segment directory (`s0`, `s1`, …, like the lines of kdb+'s `par.txt`) and the
 * metadata file (`meta`: schemas and the symbol list) in the first segment directory.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBConnection } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";

export interface DatabaseSettings {
  /** segment directories; created when missing */
  segments: readonly string[];
  memoryLimitMb: number;
  threads: number;
  /** WAL size that triggers an automatic checkpoint */
  checkpointMb: number;
}

export const DATA_FILE = "guru-data.duckdb";
export const META_FILE = "guru-meta.duckdb";
const TEMP_DIR = "guru-tmp";

/** A connection and its raw binding handle (node-api keeps the handle private; the bulk append
 * path needs it). */
export interface Connection {
  conn: DuckDBConnection;
  raw: duckdb.Connection;
}

export interface Database {
  /** attached names of the segment databases, in segment order */
  readonly segments: readonly string[];
  connect(): Promise<Connection>;
  /** bytes on disk of each segment (its database file and WAL; the first also holds `meta`) */
  segmentBytes(): number[];
  /** bytes in each segment's write-ahead log: rows not yet checkpointed into its file */
  walBytes(): number[];
  close(): void;
}

export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  const dirs = settings.segments;
  const first = dirs[0];
  if (first === undefined) throw new Error("at least one segment directory is required");
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  const db = await duckdb.open(
    ":memory:",
    config({
      threads: String(settings.threads),
      memory_limit: `${settings.memoryLimitMb}MB`,
      checkpoint_threshold: `${settings.checkpointMb}MB`,
      // spill to the first volume rather than the working directory
      temp_directory: join(first, TEMP_DIR),
    }),
  );
  const connect = async (): Promise<Connection> => {
    const raw = await duckdb.connect(db);
    return { raw, conn: new DuckDBConnection(raw) };
  };
  const segments = dirs.map((_, i) => `s${i}`);
  const { conn: setup } = await connect();
  try {
    await setup.run(`ATTACH ${literal(join(first, META_FILE))} AS meta`);
    for (const [i, dir] of dirs.entries())
      await setup.run(`ATTACH ${literal(join(dir, DATA_FILE))} AS s${i}`);
  } finally {
    setup.closeSync();
  }
  const dataFiles = dirs.map((dir) => join(dir, DATA_FILE));
  const files = dataFiles.map((data, i) => [data, ...(i === 0 ? [join(first, META_FILE)] : [])]);
  return {
    segments,
    connect,
    segmentBytes: () =>
      files.map((paths) => paths.reduce((sum, p) => sum + fileBytes(p) + fileBytes(`${p}.wal`), 0)),
    walBytes: () => dataFiles.map((data) => fileBytes(`${data}.wal`)),
    close: () => duckdb.close_sync(db),
  };
}

function config(options: Record<string, string>): duckdb.Config {
  const result = duckdb.create_config();
  for (const [name, value] of Object.entries(options)) duckdb.set_config(result, name, value);
  return result;
}

/** A SQL string literal; used only for paths from the operator's configuration. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
