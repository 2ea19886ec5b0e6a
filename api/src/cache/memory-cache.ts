/** The in-process cache of local mode: a bounded map with expiry, same rules as Redis's. */
import type { Cache, CacheEntry, CacheHealth } from "./cache.js";

type Slot = { entry: CacheEntry; expiresAt: number } | { guard: true; expiresAt: number };

export interface MemoryCacheOptions {
  maxEntries?: number;
  guardMs: number;
  now?: () => number;
}

export class MemoryCache implements Cache {
  readonly #slots = new Map<string, Slot>();
  readonly #maxEntries: number;
  readonly #guardMs: number;
  readonly #now: () => number;

  constructor(options: MemoryCacheOptions) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#guardMs = options.guardMs;
    this.#now = options.now ?? Date.now;
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.#now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const slot = this.#live(key);
    return slot === undefined || "guard" in slot ? undefined : slot.entry;
  }

  async fill(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    if (this.#live(key) !== undefined) return;
    if (this.#slots.size >= this.#maxEntries) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.#maxEntries / 10);
      for (const k of this.#slots.keys()) {
        if (drop-- <= 0) break;
        this.#slots.delete(k);
      }
    }
    this.#slots.set(key, { entry: structuredClone(entry), expiresAt: this.#now() + ttlMs });
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#slots.set(key, { guard: true, expiresAt: this.#now() + this.#guardMs });
  }

  health(): CacheHealth {
    return { status: "ok" };
  }

  async close(): Promise<void> {
    this.#slots.clear();
  }
}
