/**
 * Connections for reads. A query holds one connection while it runs; when its request is
 * aborted (deadline or client gone) the connection is interrupted so DuckDB stops working on it.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { qFail } from "../../../q-api/src/index.js";

export class ReaderPool {
  readonly #free: DuckDBConnection[];
  readonly #all: DuckDBConnection[];
  readonly #waiting: ((conn: DuckDBConnection) => void)[] = [];

  constructor(connections: DuckDBConnection[]) {
    this.#all = connections;
    this.#free = [...connections];
  }

  async use<T>(work: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const conn = await this.#acquire();
    const interrupt = () => conn.interrupt();
    try {
      if (signal?.aborted) throw qFail("stop");
      signal?.addEventListener("abort", interrupt, { once: true });
      return await work(conn);
    } catch (err) {
      throw signal?.aborted ? qFail("stop", undefined, { cause: err }) : err;
    } finally {
      signal?.removeEventListener("abort", interrupt);
      this.#release(conn);
    }
  }

  close(): void {
    for (const conn of this.#all) conn.closeSync();
  }

  #acquire(): Promise<DuckDBConnection> {
    const conn = this.#free.pop();
    if (conn !== undefined) return Promise.resolve(conn);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(conn: DuckDBConnection): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free.push(conn);
    else next(conn);
  }
}
