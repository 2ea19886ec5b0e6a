/**
 * Growable typed columns, one per series column, filled row by row by every write format (JSON,
 * line protocol, CSV) and sent to `.guru.write` as a dict of typed vectors. Values arrive already
 * converted to the column's JS representation; a missing value is the type's q null.
 */
import { LONG_NULL } from "../../../qipc/src/temporal.js";
import type { QValue } from "../../../qipc/src/types.js";
import { NULL, q } from "../../../qipc/src/values.js";
import { COLUMN_TYPES } from "../series/column-types.js";
import type { Column } from "../series/series-schemas.js";

export type TypeLetter = (typeof COLUMN_TYPES)[keyof typeof COLUMN_TYPES];

type Numeric = Float64Array | Float32Array | Int32Array | Uint8Array | BigInt64Array;

const NUMERIC: Record<
  Exclude<TypeLetter, "s" | "C">,
  { make: (n: number) => Numeric; nil: number | bigint }
> = {
  p: { make: (n) => new BigInt64Array(n), nil: LONG_NULL },
  j: { make: (n) => new BigInt64Array(n), nil: LONG_NULL },
  n: { make: (n) => new BigInt64Array(n), nil: LONG_NULL },
  f: { make: (n) => new Float64Array(n), nil: NULL.float },
  e: { make: (n) => new Float32Array(n), nil: NULL.real },
  i: { make: (n) => new Int32Array(n), nil: NULL.int },
  b: { make: (n) => new Uint8Array(n), nil: 0 },
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
    this.#make = NUMERIC[letter].make;
    this.#nil = NUMERIC[letter].nil;
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
    const v = this.#values.subarray(0, this.length);
    switch (this.letter) {
      case "p":
        return q.timestamps(v as BigInt64Array);
      case "j":
        return q.longs(v as BigInt64Array);
      case "n":
        return q.timespans(v as BigInt64Array);
      case "f":
        return q.floats(v as Float64Array);
      case "e":
        return q.reals(v as Float32Array);
      case "i":
        return q.ints(v as Int32Array);
      default:
        return q.booleans(v as Uint8Array);
    }
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
    this.builders = columns.map((c) => columnBuilder(COLUMN_TYPES[c.type], capacity));
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
