/**
 * Backups in a local directory (local mode). A file is written to `<name>.partial` and renamed
 * once whole and synced, so a crash never leaves a truncated file under its final name.
 */
import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BackupStorage, StoredObject } from "./backup-storage.js";

export class LocalBackupStorage implements BackupStorage {
  readonly kind = "local";
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  /** The path of a key, refusing any that would leave the root (keys are ours, but still). */
  #path(key: string): string {
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep)) throw new Error(`backup key outside the store: ${key}`);
    return path;
  }

  async write(key: string, source: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.partial`;
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    await pipeline(counted, createWriteStream(partial));
    const handle = await open(partial, "r");
    await handle.sync().finally(() => handle.close());
    await rename(partial, path);
    return { bytes };
  }

  async read(key: string): Promise<Readable> {
    const path = this.#path(key);
    // open first, so a missing object fails here rather than mid-stream
    const handle = await open(path, "r");
    return handle.createReadStream();
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(join(this.#root, ...prefix.split("/").filter(Boolean)), { recursive: true, force: true });
  }
}
