/**
 * The single writer of one segment database. Appends queued while a commit is in flight are
 * committed together (group commit: one WAL sync for several batches); other mutations (DDL,
 * deletes, checkpoints) run alone, in queue order, so they never conflict with an append.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type duckdb from "@duckdb/node-bindings";
import type { QLogger } from "../../../qipc/src/index.js";
import type { AppendColumn } from "./append-columns.js";
import { appendRows } from "./chunk-append.js";
import type { Connection } from "./database.js";

export interface AppendJob {
  table: string;
  types: duckdb.LogicalType[];
  columns: readonly AppendColumn[];
  rows: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Item =
  | ({ kind: "append"; job: AppendJob } & Waiter)
  | ({ kind: "task"; task: (conn: DuckDBConnection) => Promise<void> } & Waiter);

/** Rows per group commit; bounds the memory of one transaction. */
const MAX_GROUP_ROWS = 500_000;

export class SegmentWriter {
  readonly database: string;
  readonly #conn: DuckDBConnection;
  readonly #raw: duckdb.Connection;
  readonly #logger: QLogger;
  #queue: Item[] = [];
  #draining = false;
  #committed = 0;

  constructor(connection: Connection, database: string, logger: QLogger) {
    this.#conn = connection.conn;
    this.#raw = connection.raw;
    this.database = database;
    this.#logger = logger;
  }

  /** Resolves once the rows are committed (durable in the WAL); a batch is all or nothing. */
  append(job: AppendJob): Promise<void> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: "append", job, resolve, reject }));
  }

  /** Runs `task` alone on the writer's connection. */
  run<T>(task: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let result: T;
      this.#enqueue({
        kind: "task",
        task: async (conn) => {
          result = await task(conn);
        },
        resolve: () => resolve(result),
        reject,
      });
    });
  }

  /** Batches acknowledged so far; read under a barrier, it is exactly what a snapshot holds. */
  get committed(): number {
    return this.#committed;
  }

  /** Finishes everything queued so far, then closes the connection. */
  close(): Promise<void> {
    return this.run(async (conn) => conn.closeSync());
  }

  #enqueue(item: Item): void {
    this.#queue.push(item);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
        if (head.kind === "task") {
          this.#queue.shift();
          await head.task(this.#conn).then(head.resolve, head.reject);
        } else {
          await this.#commitGroup(this.#takeAppends());
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #takeAppends(): (AppendJob & Waiter)[] {
    const group: (AppendJob & Waiter)[] = [];
    let rows = 0;
    while (this.#queue[0]?.kind === "append" && (group.length === 0 || rows < MAX_GROUP_ROWS)) {
      const item = this.#queue.shift() as Extract<Item, { kind: "append" }>;
      group.push({ ...item.job, resolve: item.resolve, reject: item.reject });
      rows += item.job.rows;
    }
    return group;
  }

  async #commitGroup(group: (AppendJob & Waiter)[]): Promise<void> {
    try {
      await this.#transaction(group);
      this.#committed += group.length;
      for (const job of group) job.resolve();
    } catch (err) {
      if (group.length === 1) {
        group[0]?.reject(err);
        return;
      }
      // one bad batch must not fail the others: commit each on its own
      this.#logger.warn(
        { err, database: this.database },
        "group commit failed; committing batches one by one",
      );
      for (const job of group)
        await this.#transaction([job]).then(() => {
          this.#committed++;
          job.resolve();
        }, job.reject);
    }
  }

  async #transaction(jobs: readonly AppendJob[]): Promise<void> {
    await this.#conn.run("BEGIN");
    try {
      const target = { connection: this.#raw, database: this.database };
      for (const job of jobs)
        appendRows({ ...target, table: job.table, types: job.types }, job.columns, job.rows);
      await this.#conn.run("COMMIT");
    } catch (err) {
      await this.#conn.run("ROLLBACK").catch(() => {});
      throw err;
    }
  }
}
