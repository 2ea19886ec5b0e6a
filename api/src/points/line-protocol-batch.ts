/**
 * Line protocol into typed columns: one SeriesColumns per measurement whose series is known,
 * each line converted against the series' fixed schema (tags → symbol columns, fields → typed
 * columns). A line that does not fit (unknown column, wrong type, duplicate key) is refused with
 * its number and reason and leaves no trace; the other lines are kept. Lines of measurements
 * without a series are either refused or, when the caller may create series, collected as a
 * schema proposal (first type seen wins) and parsed again once the series exist.
 */
import type { Column } from "../series/series-schemas.js";
import { sameBytes, sameSpan } from "./byte-strings.js";
import { type ColumnBuilder, type NumericColumn, SeriesColumns } from "./column-builders.js";
import { parseIntegerBytes, writeBigInt, writeSafeInteger, writeUnixTime } from "./decimal-bytes.js";
import {
  type FieldKind,
  FLOAT,
  INTEGER,
  type LineHandler,
  type ParsedLine,
  UNSIGNED,
} from "./line-protocol.js";
import {
  type Converted,
  fromLineField,
  unixToQTime,
  ValueError,
  type WritePrecision,
} from "./point-values.js";

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

/**
 * The columns of one measurement being filled, with what its previous line taught: which column
 * each key position named (lines of one source repeat their keys in one order, so a byte compare
 * with that column's name replaces a lookup) and the time it had (often shared by many lines).
 */
class LineTarget {
  readonly columns: SeriesColumns;
  readonly names: Buffer[];
  readonly tagSlots: number[] = [];
  readonly fieldSlots: number[] = [];
  timeStart = 0;
  timeEnd = -1;

  constructor(columns: readonly Column[]) {
    this.columns = new SeriesColumns(columns, 8192);
    this.names = columns.map((c) => Buffer.from(c.name));
  }

  /** The column index of the key at `bytes[start, end)`, when it is the one `slots[k]` remembers. */
  remembered(slots: number[], k: number, bytes: Buffer, start: number, end: number): number | undefined {
    const slot = slots[k];
    if (slot === undefined) return undefined;
    const name = this.names[slot] as Buffer;
    return name.length === end - start && sameBytes(name, bytes, start) ? slot : undefined;
  }
}

export class LineProtocolBatch implements LineHandler {
  readonly #targets = new Map<string, LineTarget>();
  readonly proposals = new Map<string, SeriesProposal>();
  readonly rejections: LineRejection[] = [];
  rejected = 0;
  readonly #schemas: ReadonlyMap<string, readonly Column[]>;
  readonly #precision: WritePrecision;
  readonly #now: bigint;
  /** undefined: every measurement; else only these (the second pass after creating series) */
  readonly #only: ReadonlySet<string> | undefined;
  readonly #mayCreate: boolean;
  readonly #refused: ReadonlyMap<string, string>;
  #lastName = "";
  #lastTarget: LineTarget | undefined;

  constructor(options: {
    schemas: ReadonlyMap<string, readonly Column[]>;
    precision: WritePrecision;
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

  /** The typed columns filled, by series name. */
  get series(): Map<string, SeriesColumns> {
    return new Map([...this.#targets].map(([name, target]) => [name, target.columns]));
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
    const name = line.measurement;
    const target = name === this.#lastName ? this.#lastTarget : this.#target(name);
    if (target !== undefined) {
      this.#append(line, target);
      return;
    }
    if (this.#only !== undefined && !this.#only.has(name)) return;
    const refused = this.#refused.get(name);
    if (refused !== undefined) this.#refuse(line.lineNo, refused);
    else if (!this.#mayCreate) this.#refuse(line.lineNo, `series ${name} does not exist`);
    else this.#propose(line);
  }

  #target(name: string): LineTarget | undefined {
    let target = this.#targets.get(name);
    if (target === undefined && (this.#only === undefined || this.#only.has(name))) {
      const columns = this.#schemas.get(name);
      if (columns !== undefined) {
        target = new LineTarget(columns);
        this.#targets.set(name, target);
      }
    }
    this.#lastName = name;
    this.#lastTarget = target;
    return target;
  }

  #append(line: ParsedLine, target: LineTarget): void {
    const columns = target.columns;
    try {
      this.#time(line, target);
      for (let i = 0; i < line.tagCount; i++) {
        const builder = this.#tagSlot(line, target, i);
        if (builder.letter !== "s")
          throw new ValueError(`${line.tagKey(i)} is a field of the series, not a tag`);
        builder.push(line.tagValue(i));
      }
      for (let i = 0; i < line.fieldCount; i++) pushField(this.#fieldSlot(line, target, i), line, i);
      columns.endRow();
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      columns.dropRow();
      target.timeEnd = -1; // the row it remembered is gone
      this.#refuse(line.lineNo, err.message);
    }
  }

  /** Appends the line's time: as written before, without parsing; or parsed without a BigInt. */
  #time(line: ParsedLine, target: LineTarget): void {
    const builder = target.columns.builders[0] as NumericColumn;
    const words = builder.appendInt64();
    const row = builder.length - 1;
    const { bytes, timeStart: start, timeEnd: end } = line;
    if (start < 0) {
      target.timeEnd = -1;
      writeBigInt(words, row, this.#now);
      return;
    }
    if (sameSpan(bytes, target.timeStart, target.timeEnd, start, end)) {
      words[2 * row] = words[2 * row - 2] as number;
      words[2 * row + 1] = words[2 * row - 1] as number;
      return;
    }
    if (!writeUnixTime(bytes, start, end, this.#precision, words, row))
      writeBigInt(words, row, unixToQTime(line.time() as bigint, this.#precision));
    target.timeStart = start;
    target.timeEnd = end;
  }

  #tagSlot(line: ParsedLine, target: LineTarget, i: number): ColumnBuilder {
    const start = line.tagKeyStart[i] as number;
    const end = line.tagKeyEnd[i] as number;
    const index =
      target.remembered(target.tagSlots, i, line.bytes, start, end) ??
      this.#lookup(target, line.tagKey(i), target.tagSlots, i);
    return this.#unset(target, index);
  }

  #fieldSlot(line: ParsedLine, target: LineTarget, i: number): ColumnBuilder {
    const start = line.fieldKeyStart[i] as number;
    const end = line.fieldKeyEnd[i] as number;
    const index =
      target.remembered(target.fieldSlots, i, line.bytes, start, end) ??
      this.#lookup(target, line.fieldKey(i), target.fieldSlots, i);
    return this.#unset(target, index);
  }

  /** The column `key` names, which must exist (and not be time); remembered at `slots[k]`. */
  #lookup(target: LineTarget, key: string, slots: number[], k: number): number {
    const index = target.columns.indexOf(key);
    if (index === undefined || index === 0)
      throw new ValueError(`the series has no column ${key} (its schema is fixed)`);
    slots[k] = index;
    return index;
  }

  /** The builder of column `index`, which must not be set yet in this row. */
  #unset(target: LineTarget, index: number): ColumnBuilder {
    const builder = target.columns.builders[index] as ColumnBuilder;
    if (builder.length > target.columns.rows)
      throw new ValueError(`${target.columns.columns[index]?.name} appears twice`);
    return builder;
  }

  #propose(line: ParsedLine): void {
    let proposal = this.proposals.get(line.measurement);
    if (proposal === undefined) {
      proposal = { tags: [], fields: new Map() };
      this.proposals.set(line.measurement, proposal);
    }
    for (let i = 0; i < line.tagCount; i++) {
      const key = line.tagKey(i);
      if (!proposal.tags.includes(key)) proposal.tags.push(key);
    }
    for (let i = 0; i < line.fieldCount; i++) {
      const key = line.fieldKey(i);
      if (!proposal.fields.has(key)) proposal.fields.set(key, line.fieldKind(i));
    }
  }
}

/**
 * Appends field `i` of the line to its column. Floats into float columns and integers of up to
 * 15 digits into 64-bit columns (nearly every field) take no string and no BigInt; every other
 * pairing goes through `fromLineField`, which owns the conversion rules.
 */
function pushField(builder: ColumnBuilder, line: ParsedLine, i: number): void {
  const kind = line.fieldKinds[i];
  const letter = builder.letter;
  if (kind === FLOAT && (letter === "f" || letter === "e")) {
    builder.push(line.fieldNumbers[i] as number);
    return;
  }
  if ((kind === INTEGER || kind === UNSIGNED) && (letter === "j" || letter === "n")) {
    const start = line.fieldValueStart[i] as number;
    const n = parseIntegerBytes(line.bytes, start, line.fieldValueEnd[i] as number, kind === INTEGER);
    if (typeof n === "number") {
      const column = builder as NumericColumn;
      writeSafeInteger(column.appendInt64(), column.length - 1, n);
      return;
    }
  }
  push(builder, fromLineField(letter, line.fieldKind(i), line.fieldValue(i)));
}

export function push(builder: ColumnBuilder, value: Converted): void {
  if (value === null) builder.pushNull();
  else builder.push(value);
}
