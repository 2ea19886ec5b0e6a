/**
 * Strings for byte ranges, made once per distinct value: tag values and keys repeat on every line,
 * so a parser that asks here allocates a string only the first time it meets one. An open-
 * addressing table keyed by an FNV-1a hash of the bytes; it is emptied when half full, which bounds
 * its memory however many distinct values pass (high cardinality costs a string each, as before).
 */

const SLOTS = 1 << 14;
const MAX_LENGTH = 256; // longer values are rare and not worth keeping

export class ByteStrings {
  #keys: (Uint8Array | undefined)[] = new Array(SLOTS);
  #texts: string[] = new Array(SLOTS);
  #size = 0;

  /** The UTF-8 text of `bytes[start, end)`. */
  get(bytes: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_LENGTH) return utf8(bytes, start, end);
    let hash = 0x811c9dc5;
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ (bytes[p] as number), 0x01000193);
    for (let slot = hash & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
      const key = this.#keys[slot];
      if (key === undefined) return this.#add(slot, bytes, start, end);
      if (key.length === length && sameBytes(key, bytes, start)) return this.#texts[slot] as string;
    }
  }

  #add(slot: number, bytes: Uint8Array, start: number, end: number): string {
    const text = utf8(bytes, start, end);
    if (this.#size >= SLOTS / 2) {
      this.#keys = new Array(SLOTS);
      this.#texts = new Array(SLOTS);
      this.#size = 0;
      return text; // the slot belonged to the old table
    }
    // a copy: a view (what Buffer's slice is) would keep the whole body alive as long as the key,
    // and would change under the key if that memory were reused
    this.#keys[slot] = Uint8Array.prototype.slice.call(bytes, start, end);
    this.#texts[slot] = text;
    this.#size++;
    return text;
  }
}

/** Whether `bytes` from `start` begins with `key`'s bytes. */
export function sameBytes(key: Uint8Array, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== bytes[start + i]) return false;
  return true;
}

/** Whether `bytes[a, aEnd)` and `bytes[b, bEnd)` hold the same bytes (a loop beats a native call on a few). */
export function sameSpan(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 0; i < aEnd - a; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

export function utf8(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8");
}
