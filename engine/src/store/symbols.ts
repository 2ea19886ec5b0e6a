/**
 * The database's symbol list: every symbol value (tags and symbol fields) is stored as its index
 * here, as kdb+ enumerates symbols against its `sym` file. Indexes are shared by all series and
 * segments, so queries group and filter on integers and turn them back into text at the end.
 */

/** q's null symbol (the empty one) always has the first id, so SQL can test for it. */
export const NULL_SYMBOL_ID = 0;

/** Makes names `[from, from + names.length)` durable. */
export type PersistSymbols = (from: number, names: readonly string[]) => Promise<void>;

export class SymbolTable {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #persist: PersistSymbols;
  /** names below this index are durable */
  #durable = 0;
  #flushing: Promise<void> = Promise.resolve();
  /** lexical rank of each id, rebuilt when the list has grown */
  #ranks: Int32Array = new Int32Array(0);

  constructor(stored: readonly string[], persist: PersistSymbols) {
    this.#persist = persist;
    if (stored.length > 0 && stored[NULL_SYMBOL_ID] !== "")
      throw new Error("the stored symbol list does not start with ``");
    for (const name of stored) this.#add(name);
    this.#durable = this.#names.length;
    if (stored.length === 0) this.#add("");
  }

  get size(): number {
    return this.#names.length;
  }

  name(id: number): string {
    return this.#names[id] ?? "";
  }

  id(name: string): number | undefined {
    return this.#ids.get(name);
  }

  /** Every name with its id as index, for evaluating predicates over the whole list. */
  get names(): readonly string[] {
    return this.#names;
  }

  /**
   * Writes the ids of `values` into `out`, adding new names. Resolves once every id used is
   * durable: rows must never be committed with an index whose name could be lost in a crash.
   */
  enumerate(values: readonly string[], out: Int32Array): Promise<void> {
    const ids = this.#ids;
    let previous: string | undefined;
    let previousId = 0;
    let highest = -1;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as string;
      // runs of one tag value are common; skip the map lookup for them
      if (value !== previous) {
        previousId = ids.get(value) ?? this.#add(value);
        previous = value;
        if (previousId > highest) highest = previousId;
      }
      out[i] = previousId;
    }
    return highest < this.#durable ? Promise.resolve() : this.#flush();
  }

  /** Ranks by text in UTF-8 byte order, q's order for symbols (docs/q-api.md, where). */
  ranks(): Int32Array {
    if (this.#ranks.length === this.#names.length) return this.#ranks;
    const bytes = this.#names.map((n) => Buffer.from(n, "utf8"));
    const order = [...bytes.keys()].sort((a, b) => Buffer.compare(bytes[a] as Buffer, bytes[b] as Buffer));
    const ranks = new Int32Array(order.length);
    order.forEach((id, rank) => {
      ranks[id] = rank;
    });
    this.#ranks = ranks;
    return ranks;
  }

  #add(name: string): number {
    const id = this.#names.length;
    this.#names.push(name);
    this.#ids.set(name, id);
    return id;
  }

  /** Persists everything not yet durable, after any flush already running. A failed flush is
   * retried by the next one, since `#durable` only moves on success. */
  #flush(): Promise<void> {
    const run = async () => {
      const from = this.#durable;
      const to = this.#names.length;
      if (from >= to) return;
      await this.#persist(from, this.#names.slice(from, to));
      this.#durable = Math.max(this.#durable, to);
    };
    const flushing = this.#flushing.then(run, run);
    this.#flushing = flushing.catch(() => {});
    return flushing;
  }
}
