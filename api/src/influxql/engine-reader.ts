/**
 * What the InfluxQL statements read, behind one interface: the caller's databases, the series
 * (measurements) of one with their schemas, and `.guru.query` calls made from typed query options
 * (queries/query-options.ts builds and types them; no q is built from text). `serviceReader` is the
 * implementation over guru-api's services for one authenticated caller.
 */
import { type QList, type QTable, type QVector, UNIX_EPOCH_OFFSET_NS } from "../../../qipc/src/index.js";
import type { Principal } from "../auth/scopes.js";
import type { Services } from "../compose.js";
import { AppError } from "../errors/app-error.js";
import type { QueryInput } from "../queries/query-schemas.js";
import type { Column } from "../series/series-schemas.js";
import { StatementError } from "./statement-error.js";

export interface Measurement {
  name: string;
  columns: Column[];
}

export interface InfluxReader {
  /** rows one answer may hold (GURU_API_QUERY_MAX_ROWS) */
  readonly maxRows: number;
  /** the databases the caller may see, by name */
  databases(): Promise<string[]>;
  /** the series of a database, by name (StatementError when the database is not visible) */
  measurements(db: string): Promise<Measurement[]>;
  /** one series' columns, or undefined when it does not exist */
  schema(db: string, measurement: string): Promise<Column[] | undefined>;
  /** one `.guru.query`; more rows than the API answers at once is a StatementError */
  query(db: string, measurement: string, input: QueryInput): Promise<QTable>;
}

/** A cell of a result table: times and longs as bigint (times in ns since 1970), null for q nulls. */
export type EngineValue = number | bigint | string | boolean | null;

const LONG_NULL = -(2n ** 63n);
const INT_NULL = -(2 ** 31);
const utf8 = new TextDecoder();

/** The columns of a result table, each as a function of the row. */
export function tableColumns(table: QTable): Map<string, (row: number) => EngineValue> {
  const out = new Map<string, (row: number) => EngineValue>();
  table.columns.forEach((name, i) => {
    const data = table.data[i]!;
    if (data.type === 0) {
      const items = (data as QList).value as QVector[];
      out.set(name, (r) => utf8.decode(items[r]!.value as Uint8Array));
      return;
    }
    const v = (data as QVector).value;
    switch (data.type) {
      case 1:
        out.set(name, (r) => (v as Uint8Array)[r] === 1);
        break;
      case 6:
        out.set(name, (r) => ((v as Int32Array)[r] === INT_NULL ? null : BigInt((v as Int32Array)[r]!)));
        break;
      case 7:
      case 16:
        out.set(name, (r) => ((v as BigInt64Array)[r] === LONG_NULL ? null : (v as BigInt64Array)[r]!));
        break;
      case 8:
      case 9:
        out.set(name, (r) => {
          const x = (v as Float32Array | Float64Array)[r]!;
          return Number.isNaN(x) ? null : x;
        });
        break;
      case 11:
        out.set(name, (r) => (v as string[])[r] || null);
        break;
      case 12:
        out.set(name, (r) => {
          const t = (v as BigInt64Array)[r]!;
          return t === LONG_NULL ? null : t + UNIX_EPOCH_OFFSET_NS;
        });
        break;
      default:
        throw new Error(`unexpected q type ${data.type} in column ${name}`);
    }
  });
  return out;
}

export function rowsOf(table: QTable): number {
  const first = table.data[0] as QVector | QList | undefined;
  return first === undefined ? 0 : first.value.length;
}

/** Errors of the caller's input (4xx other than authorization) become the statement's error. */
function asStatementError(err: unknown): never {
  if (
    err instanceof AppError &&
    err.status >= 400 &&
    err.status < 500 &&
    ![401, 403, 429].includes(err.status)
  )
    throw new StatementError(err.message);
  throw err;
}

export function serviceReader(services: Services, principal: Principal): InfluxReader {
  const visible = async (db: string) => {
    try {
      return await services.databases.resolve(principal, db, "read");
    } catch (err) {
      if (err instanceof AppError && err.code === "DATABASE_NOT_FOUND")
        throw new StatementError(`database not found: ${db}`);
      throw err;
    }
  };
  return {
    maxRows: services.queries.maxRows,
    async databases() {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await services.databases.list(principal, 100, cursor);
        names.push(...page.items.map((d) => d.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return names;
    },
    async measurements(db) {
      await visible(db);
      const out: Measurement[] = [];
      let cursor: string | undefined;
      do {
        const page = await services.series.list(principal, db, 100, cursor);
        out.push(...page.items.map((s) => ({ name: s.name, columns: s.columns })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return out;
    },
    async schema(db, measurement) {
      const record = await visible(db);
      const series = await services.series.lookup(record, measurement);
      return series?.columns;
    },
    async query(db, measurement, input) {
      try {
        const prepared = await services.queries.prepare(principal, db, measurement, input, "body");
        const page = await services.queries.page(prepared, services.queries.maxRows, undefined);
        if (page.next !== null)
          throw new StatementError(
            `the result has more than ${services.queries.maxRows} rows (GURU_API_QUERY_MAX_ROWS): narrow the time range or widen GROUP BY time()`,
          );
        return page.table;
      } catch (err) {
        return asStatementError(err);
      }
    },
  };
}
