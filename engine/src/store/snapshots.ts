/**
 * Snapshot directories: consistent copies of a database's files (docs/engine.md, backups), kept
 * under `guru-snapshots/<id>/` in the first segment until the backup that asked for one has read
 * it (`.guru.snapshotRead`) and freed it. A snapshot belongs to the engine's run: any left at
 * start, or older than `maxAgeMs`, is removed, so an API that died mid-backup leaks no disk.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, open, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { qFail } from "../../../q-api/src/index.js";

export const SNAPSHOT_DIR = "guru-snapshots";
/** the most bytes one `.guru.snapshotRead` returns */
export const SNAPSHOT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SnapshotFile {
  /** relative path, `segment-<k>/<file>`: where a restore puts it */
  name: string;
  bytes: number;
}

/** A file to copy into a snapshot, from its live path. */
export interface SnapshotSource {
  name: string;
  path: string;
}

const ID_PATTERN = /^[0-9a-f]{16}$/;

export class Snapshots {
  readonly #root: string;
  readonly #files = new Map<string, { createdAt: number; files: SnapshotFile[] }>();
  /** snapshots being copied: on disk, not yet readable */
  readonly #copying = new Set<string>();

  constructor(firstSegment: string) {
    this.#root = join(firstSegment, SNAPSHOT_DIR);
  }

  /** Removes every snapshot on disk (at start: none can still be read). */
  async clear(): Promise<void> {
    this.#files.clear();
    await rm(this.#root, { recursive: true, force: true });
  }

  /** Copies `sources` (missing ones skipped: a WAL that is absent) into a new snapshot. */
  async create(sources: readonly SnapshotSource[]): Promise<{ id: string; files: SnapshotFile[] }> {
    const id = randomBytes(8).toString("hex");
    const dir = join(this.#root, id);
    const files: SnapshotFile[] = [];
    this.#copying.add(id);
    try {
      for (const source of sources) {
        const bytes = await sizeOf(source.path);
        if (bytes === null) continue;
        const target = join(dir, source.name);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(source.path, target);
        files.push({ name: source.name, bytes: (await stat(target)).size });
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      this.#copying.delete(id);
    }
    this.#files.set(id, { createdAt: Date.now(), files });
    return { id, files };
  }

  /** Up to SNAPSHOT_CHUNK_BYTES of a snapshot's file from `offset`; empty at its end. */
  async read(id: string, name: string, offset: number): Promise<Uint8Array> {
    const file = this.#files.get(this.#known(id))?.files.find((f) => f.name === name);
    if (file === undefined) throw qFail("guru.arg", `name: no file ${name} in snapshot ${id}`);
    if (offset < 0 || offset > file.bytes) throw qFail("guru.arg", `offset: ${offset} is past ${file.bytes}`);
    const length = Math.min(SNAPSHOT_CHUNK_BYTES, file.bytes - offset);
    const buffer = new Uint8Array(length);
    const handle = await open(join(this.#root, id, file.name), "r");
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buffer : buffer.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  /** Removes a snapshot; the bytes it held. */
  async free(id: string): Promise<number> {
    const entry = this.#files.get(this.#known(id));
    this.#files.delete(id);
    await rm(join(this.#root, id), { recursive: true, force: true });
    return entry?.files.reduce((sum, f) => sum + f.bytes, 0) ?? 0;
  }

  /** Removes snapshots older than `maxAgeMs` (their backup died or forgot them). */
  async expire(maxAgeMs: number, now = Date.now()): Promise<void> {
    for (const [id, entry] of this.#files) if (now - entry.createdAt > maxAgeMs) await this.free(id);
    // directories without an entry are from an earlier run
    const present = await readdir(this.#root).catch(() => [] as string[]);
    for (const id of present)
      if (!this.#files.has(id) && !this.#copying.has(id))
        await rm(join(this.#root, id), { recursive: true, force: true });
  }

  #known(id: string): string {
    if (!ID_PATTERN.test(id) || !this.#files.has(id)) throw qFail("guru.arg", `id: no snapshot ${id}`);
    return id;
  }
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
