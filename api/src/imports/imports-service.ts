/**
 * CSV import into one series, as a job: the upload is read record by record, converted against
 * the series' schema, and written in batches of 10,000 rows, each durable before the next batch
 * is read (so memory stays flat and a slow database slows the upload). Bad rows are counted and
 * reported with their line numbers; good ones are kept. Progress is saved to the catalog as it
 * goes, so `GET /v1/jobs/{id}` answers from any API instance.
 */
import type { Readable } from "node:stream";
import type { Principal } from "../auth/scopes.js";
import { AppError } from "../errors/app-error.js";
import { BadRequestError } from "../errors/errors.js";
import { randomId } from "../ids.js";
import { type Job, runningJob } from "../jobs/jobs-schemas.js";
import { type JobLeaseOptions, LeasedJob } from "../jobs/leased-job.js";
import { SeriesColumns } from "../points/column-builders.js";
import { MAX_REPORTED, push } from "../points/line-protocol-batch.js";
import { fromText, type Precision, ValueError } from "../points/point-values.js";
import type { PointsService } from "../points/points-service.js";
import type { SeriesService } from "../series/series-service.js";
import { type CsvRecord, CsvRecordError, csvRecords } from "./csv-records.js";

export const IMPORT_BATCH_ROWS = 10_000;
const SAVE_EVERY_MS = 500;

export interface ImportsServiceOptions {
  points: PointsService;
  series: SeriesService;
  /** import jobs are leased to this instance (a sweeper fails them if it dies) */
  leases: JobLeaseOptions;
}

export interface StartedImport {
  job: Job;
  /** runs the import to its end; resolves with the final job (never rejects) */
  run(): Promise<Job>;
}

type Target = Awaited<ReturnType<SeriesService["target"]>>;

function malformed(detail: string): BadRequestError {
  return new BadRequestError("MALFORMED_BODY", detail);
}

/** Header names → column indexes in the series; every name a column, once, `time` among them. */
function headerIndexes(header: CsvRecord, target: SeriesColumns): number[] {
  const indexes = header.fields.map((name) => {
    const index = target.indexOf(name.trim());
    if (index === undefined)
      throw malformed(`the header names ${JSON.stringify(name)}, which the series lacks`);
    return index;
  });
  if (new Set(indexes).size !== indexes.length) throw malformed("the header names a column twice");
  if (!indexes.includes(0)) throw malformed("the header must name the time column");
  return indexes;
}

export class ImportsService {
  readonly #o: ImportsServiceOptions;

  constructor(options: ImportsServiceOptions) {
    this.#o = options;
  }

  /** Checks the target and the header, records the job; the rows are read by `run`. */
  async start(
    principal: Principal,
    database: string,
    series: string,
    body: Readable,
    precision: Precision,
  ): Promise<StartedImport> {
    const target = await this.#o.series.target(principal, database, series, "write");
    const records = csvRecords(body)[Symbol.asyncIterator]();
    let header: IteratorResult<CsvRecord>;
    try {
      header = await records.next();
    } catch (err) {
      throw malformed(`the upload cannot be read: ${(err as Error).message}`);
    }
    if (header.done) throw malformed("the upload is empty: a header line naming the columns comes first");
    const indexes = headerIndexes(header.value, new SeriesColumns(target.series.columns, 1));
    const now = new Date().toISOString();
    const job = runningJob({ id: randomId(16), kind: "csv-import", database, series }, now);
    const leased = await LeasedJob.start(this.#o.leases, principal.accountId, job);
    return { job, run: () => this.#run(leased, target, records, indexes, precision) };
  }

  async #run(
    leased: LeasedJob,
    target: Target,
    records: AsyncIterator<CsvRecord>,
    indexes: number[],
    precision: Precision,
  ): Promise<Job> {
    const job = leased.job;
    let columns = new SeriesColumns(target.series.columns, IMPORT_BATCH_ROWS);
    let savedAt = Date.now();
    const flush = async () => {
      job.rowsWritten += await this.#o.points.write(target.db, target.series.name, columns);
      columns = new SeriesColumns(target.series.columns, IMPORT_BATCH_ROWS);
      if (Date.now() - savedAt >= SAVE_EVERY_MS) {
        savedAt = Date.now();
        await leased.save();
      }
    };
    try {
      for (let r = await records.next(); !r.done; r = await records.next()) {
        job.rowsRead++;
        const reason = this.#row(r.value, columns, indexes, precision);
        if (reason !== undefined) {
          job.rowsRejected++;
          if (job.rejections.length < MAX_REPORTED) job.rejections.push({ line: r.value.line, reason });
        }
        if (columns.rows >= IMPORT_BATCH_ROWS) await flush();
      }
      await flush();
      return await leased.finish("succeeded");
    } catch (err) {
      return leased.finish(
        "failed",
        err instanceof AppError || err instanceof CsvRecordError
          ? `${err.message}; rows written before it stay (${job.rowsWritten})`
          : "internal error",
      );
    }
  }

  /** Adds one record as a row; the reason it was refused, or undefined. */
  #row(
    record: CsvRecord,
    columns: SeriesColumns,
    indexes: number[],
    precision: Precision,
  ): string | undefined {
    if (record.fields.length !== indexes.length)
      return `expected ${indexes.length} fields, got ${record.fields.length}`;
    let i = 0;
    try {
      for (; i < indexes.length; i++) {
        const builder = columns.builders[indexes[i]!]!;
        const value = fromText(builder.letter, record.fields[i]!, precision);
        if (value === null && indexes[i] === 0) throw new ValueError("time is required");
        push(builder, value);
      }
      columns.endRow();
      return undefined;
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      columns.dropRow();
      return `${columns.columns[indexes[i]!]?.name}: ${err.message}`;
    }
  }
}
