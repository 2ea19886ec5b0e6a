/**
 * One line-protocol parse as a job that runs the same in this thread or in a worker thread:
 * the body and the schemas of its series in; for each series its rows, encoded as the `.guru.write`
 * columns argument, out. Everything in and out can be posted between threads.
 */
import { encodeValue } from "../../../qipc/src/index.js";
import type { Column } from "../series/series-schemas.js";
import { LineProtocolParser } from "./line-protocol.js";
import { LineProtocolBatch, type LineRejection, type SeriesProposal } from "./line-protocol-batch.js";
import type { WritePrecision } from "./point-values.js";

export interface ParseJob {
  /** the body; in a SharedArrayBuffer when it goes to a worker, so that it is not copied */
  body: Uint8Array;
  schemas: Map<string, readonly Column[]>;
  precision: WritePrecision;
  /** q time of lines without a timestamp */
  now: bigint;
  /** collect proposals for measurements without a series */
  mayCreate: boolean;
  /** only these measurements (the pass after creating their series) */
  only?: Set<string>;
  /** measurements whose series could not be created, with the reason */
  refused?: Map<string, string>;
}

export interface EncodedSeries {
  name: string;
  rows: number;
  /** `encodeValue` of the dict of typed columns */
  columns: Uint8Array;
}

export interface ParseResult {
  series: EncodedSeries[];
  proposals: Map<string, SeriesProposal>;
  rejections: LineRejection[];
  rejected: number;
}

// One per thread, kept across jobs: its cache of tag values and names is what saves the strings.
const parser = new LineProtocolParser();

export function runParseJob(job: ParseJob): ParseResult {
  const { body, schemas, precision, now, mayCreate, only, refused } = job;
  const batch = new LineProtocolBatch({ schemas, precision, now, mayCreate, only, refused });
  parser.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength), batch);
  const series = [...batch.series]
    .filter(([, columns]) => columns.rows > 0)
    .map(([name, columns]) => ({ name, rows: columns.rows, columns: encodeValue(columns.toQ()) }));
  return { series, proposals: batch.proposals, rejections: batch.rejections, rejected: batch.rejected };
}
