/**
 * Line protocol into typed columns: one SeriesColumns per measurement whose series is known,
 * each line converted against the series' fixed schema (tags → symbol columns, fields → typed
 * columns). A line that does not fit (unknown column, wrong type, duplicate key) is refused with
 * its number and reason and leaves no trace; the other lines are kept. Lines of measurements
 * without a series are either refused or, when the caller may create series, collected as a
 * schema proposal (first type seen wins) and parsed again once the series exist.
 */
import type { Column } from "../series/series-schemas.js";
import { type ColumnBuilder, SeriesColumns } from "./column-builders.js";
import type { FieldKind, LineHandler, ParsedLine } from "./line-protocol.js";
import { type Converted, fromLineField, type Precision, unixToQTime, ValueError } from "./point-values.js";

export interface LineRejection {
  line: number;
  reason: string;
}

/** What a new series would look like, from the lines of its measurement. */
export interface SeriesProposal {
  tags: string[];
  fields: Map<string, FieldKind>;
}

export const MAX_REPORTED = 100;

export class LineProtocolBatch implements LineHandler {
  readonly series = new Map<string, SeriesColumns>();
  readonly proposals = new Map<string, SeriesProposal>();
  readonly rejections: LineRejection[] = [];
  rejected = 0;
  readonly #schemas: ReadonlyMap<string, readonly Column[]>;
  readonly #precision: Precision;
  readonly #now: bigint;
  /** undefined: every measurement; else only these (the second pass after creating series) */
  readonly #only: ReadonlySet<string> | undefined;
  readonly #mayCreate: boolean;
  readonly #refused: ReadonlyMap<string, string>;

  constructor(options: {
    schemas: ReadonlyMap<string, readonly Column[]>;
    precision: Precision;
    /** q time of lines without a timestamp */
    now: bigint;
    mayCreate: boolean;
    only?: ReadonlySet<string>;
    /** measurements whose series could not be created, with the reason */
    refused?: ReadonlyMap<string, string>;
  }) {
    this.#refused = options.refused ?? new Map();
    this.#schemas = options.schemas;
    this.#precision = options.precision;
    this.#now = options.now;
    this.#mayCreate = options.mayCreate;
    this.#only = options.only;
  }

  error(lineNo: number, reason: string): void {
    // A line that does not parse has no measurement: the first pass already refused it.
    if (this.#only !== undefined) return;
    this.#refuse(lineNo, reason);
  }

  #refuse(lineNo: number, reason: string): void {
    this.rejected++;
    if (this.rejections.length < MAX_REPORTED) this.rejections.push({ line: lineNo, reason });
  }

  line(line: ParsedLine): void {
    if (this.#only !== undefined && !this.#only.has(line.measurement)) return;
    const columns = this.#schemas.get(line.measurement);
    if (columns !== undefined) {
      this.#append(line, columns);
      return;
    }
    const refused = this.#refused.get(line.measurement);
    if (refused !== undefined) this.#refuse(line.lineNo, refused);
    else if (!this.#mayCreate) this.#refuse(line.lineNo, `series ${line.measurement} does not exist`);
    else this.#propose(line);
  }

  #target(measurement: string, columns: readonly Column[]): SeriesColumns {
    let target = this.series.get(measurement);
    if (target === undefined) {
      target = new SeriesColumns(columns, 8192);
      this.series.set(measurement, target);
    }
    return target;
  }

  #append(line: ParsedLine, columns: readonly Column[]): void {
    const target = this.#target(line.measurement, columns);
    try {
      const time = line.time === undefined ? this.#now : unixToQTime(line.time, this.#precision);
      target.builders[0]!.push(time);
      for (let i = 0; i < line.tagCount; i++) {
        const builder = this.#slot(target, line.tagKeys[i]!);
        if (builder.letter !== "s")
          throw new ValueError(`${line.tagKeys[i]} is a field of the series, not a tag`);
        builder.push(line.tagValues[i]!);
      }
      for (let i = 0; i < line.fieldCount; i++) {
        const builder = this.#slot(target, line.fieldKeys[i]!);
        push(builder, fromLineField(builder.letter, line.fieldKinds[i]!, line.fieldValues[i]!));
      }
      target.endRow();
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      target.dropRow();
      this.#refuse(line.lineNo, err.message);
    }
  }

  /** The builder of column `key`, which must exist and not be set yet in this row. */
  #slot(target: SeriesColumns, key: string): ColumnBuilder {
    const index = target.indexOf(key);
    if (index === undefined || index === 0)
      throw new ValueError(`the series has no column ${key} (its schema is fixed)`);
    const builder = target.builders[index]!;
    if (builder.length > target.rows) throw new ValueError(`${key} appears twice`);
    return builder;
  }

  #propose(line: ParsedLine): void {
    let proposal = this.proposals.get(line.measurement);
    if (proposal === undefined) {
      proposal = { tags: [], fields: new Map() };
      this.proposals.set(line.measurement, proposal);
    }
    for (let i = 0; i < line.tagCount; i++)
      if (!proposal.tags.includes(line.tagKeys[i]!)) proposal.tags.push(line.tagKeys[i]!);
    for (let i = 0; i < line.fieldCount; i++)
      if (!proposal.fields.has(line.fieldKeys[i]!))
        proposal.fields.set(line.fieldKeys[i]!, line.fieldKinds[i]!);
  }
}

export function push(builder: ColumnBuilder, value: Converted): void {
  if (value === null) builder.pushNull();
  else builder.push(value);
}
