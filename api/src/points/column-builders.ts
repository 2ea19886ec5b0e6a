/**
 * Growable typed columns, one per series column, filled row by row by every write format (JSON,
 * line protocol, CSV) and sent to `.guru.write` as a dict of typed vectors. Values arrive already
 * converted to the column's JS representation; a missing value is the type's q null.
 */
import { COLUMN_TYPES, LETTER_OF, type TypeLetter } from "../../../q-api/src/index.js";
import { type QValue, type QVector, q } from "../../../qipc/src/index.js";
import type { Column } from "../series/series-schemas.js";

type Numeric = Float64Array | Float32Array | Int32Array | Uint8Array | BigInt64Array;

const ARRAYS: Record<Exclude<TypeLetter, "s" | "C">, (n: number) => Numeric> = {
  p: (n) => new BigInt64Array(n),
  j: (n) => new BigInt64Array(n),
  n: (n) => new BigInt64Array(n),
  f: (n) => new Float64Array(n),
  e: (n) => new Float32Array(n),
  i: (n) => new Int32Array(n),
  b: (n) => new Uint8Array(n),
};

export interface ColumnBuilder {
  readonly letter: TypeLetter;
  readonly length: number;
  push(value: number | bigint | string): void;
  pushNull(): void;
  /** drops values past `length` (a row that turned out bad) */
  truncate(length: number): void;
  toQ(): QValue;
}

export class NumericColumn implements ColumnBuilder {
  readonly letter: TypeLetter;
  readonly #make: (n: number) => Numeric;
  readonly #nil: number | bigint;
  #values: Numeric;
  /** the 64-bit values as little-endian 32-bit words, for writers that avoid BigInts */
  #words: Int32Array;
  length = 0;

  constructor(letter: Exclude<TypeLetter, "s" | "C">, capacity: number) {
    this.letter = letter;
    this.#make = ARRAYS[letter];
    this.#nil = COLUMN_TYPES[letter].null;
    this.#values = this.#make(Math.max(16, capacity));
    this.#words = this.#wordsOf(this.#values);
  }

  #wordsOf(values: Numeric): Int32Array {
    return values instanceof BigInt64Array ? new Int32Array(values.buffer) : new Int32Array(0);
  }

  #reserve(): void {
    if (this.length < this.#values.length) return;
    const grown = this.#make(this.#values.length * 2);
    grown.set(this.#values as never);
    this.#values = grown;
    this.#words = this.#wordsOf(grown);
  }

  push(value: number | bigint | string): void {
    this.#reserve();
    (this.#values as unknown as (number | bigint | string)[])[this.length++] = value;
  }

  /**
   * Appends a row to a 64-bit column (p, j, n) and returns the words to write it into, at
   * `2 * (length - 1)` and the word after (see decimal-bytes.ts).
   */
  appendInt64(): Int32Array {
    this.#reserve();
    this.length++;
    return this.#words;
  }

  pushNull(): void {
    this.push(this.#nil);
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  toQ(): QValue {
    const value = this.#values.subarray(0, this.length);
    return { type: COLUMN_TYPES[this.letter].vector, attr: 0, value } as QVector;
  }
}

class TextColumn implements ColumnBuilder {
  readonly letter: "s" | "C";
  readonly #values: string[] = [];

  constructor(letter: "s" | "C") {
    this.letter = letter;
  }

  get length(): number {
    return this.#values.length;
  }

  push(value: number | bigint | string): void {
    this.#values.push(value as string);
  }

  pushNull(): void {
    this.#values.push("");
  }

  truncate(length: number): void {
    this.#values.length = Math.min(this.#values.length, length);
  }

  toQ(): QValue {
    if (this.letter === "s") return q.symbols(this.#values);
    return q.list(...this.#values.map((s) => q.string(s)));
  }
}

export function columnBuilder(letter: TypeLetter, capacity = 1024): ColumnBuilder {
  return letter === "s" || letter === "C" ? new TextColumn(letter) : new NumericColumn(letter, capacity);
}

/** The columns of one series being filled: `time` first, in schema order. */
export class SeriesColumns {
  readonly columns: readonly Column[];
  readonly builders: ColumnBuilder[];
  readonly #index: Map<string, number>;
  rows = 0;

  constructor(columns: readonly Column[], capacity = 1024) {
    this.columns = columns;
    this.builders = columns.map((c) => columnBuilder(LETTER_OF[c.type], capacity));
    this.#index = new Map(columns.map((c, i) => [c.name, i]));
  }

  indexOf(name: string): number | undefined {
    return this.#index.get(name);
  }

  /** Ends a row: every column not set in it gets its null. */
  endRow(): void {
    this.rows++;
    for (const b of this.builders) if (b.length < this.rows) b.pushNull();
  }

  /** Forgets a row begun but not ended. */
  dropRow(): void {
    for (const b of this.builders) b.truncate(this.rows);
  }

  /** The dict `.guru.write` takes: column name → typed vector. */
  toQ(): QValue {
    return q.dictOf(Object.fromEntries(this.columns.map((c, i) => [c.name, this.builders[i]!.toQ()])));
  }
}
