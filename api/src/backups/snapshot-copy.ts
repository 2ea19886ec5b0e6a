/**
 * One backup's copy: take a consistent snapshot (`.guru.snapshot`), stream each of its files into
 * the storage while hashing it, check its size, write the manifest last (the backup is complete
 * only then), and free the snapshot whatever happened. Shared by the API's backups and the
 * KdbBackup Job (backup-job.ts).
 */
import { createHash } from "node:crypto";
import { type BackupManifest, MANIFEST, type ManifestIdentity } from "./backup-manifest.js";
import type { BackupStorage } from "./backup-storage.js";
import type { BackupFile } from "./backups-store.js";
import type { SnapshotDescription, SnapshotSource } from "./snapshot-source.js";

export interface CopyHooks {
  /** once the snapshot is taken, before any file is copied */
  taken?(snapshot: SnapshotDescription): Promise<void>;
  /** after each chunk handed to the storage */
  chunk?(bytes: number): Promise<void>;
  /** after each file is stored whole */
  stored?(file: BackupFile): void;
}

export interface CopiedBackup {
  snapshot: SnapshotDescription;
  files: BackupFile[];
  manifest: BackupManifest;
  /** bytes of every file and the manifest */
  sizeBytes: number;
  /** sha256 of the manifest's bytes */
  checksum: string;
}

const once = (bytes: Buffer) =>
  (async function* () {
    yield bytes;
  })();

export async function copySnapshot(
  source: SnapshotSource,
  storage: BackupStorage,
  prefix: string,
  identity: ManifestIdentity,
  hooks: CopyHooks = {},
): Promise<CopiedBackup> {
  const snapshot = await source.take();
  try {
    await hooks.taken?.(snapshot);
    const files: BackupFile[] = [];
    for (const file of snapshot.files) {
      const hash = createHash("sha256");
      const chunks = async function* () {
        for await (const chunk of source.file(snapshot.id, file.name)) {
          hash.update(chunk);
          yield chunk;
          await hooks.chunk?.(chunk.length);
        }
      };
      const stored = await storage.write(prefix + file.name, chunks());
      if (stored.bytes !== file.bytes)
        throw new Error(`${file.name}: ${stored.bytes} bytes copied, the snapshot has ${file.bytes}`);
      const done = { name: file.name, bytes: stored.bytes, sha256: hash.digest("hex") };
      files.push(done);
      hooks.stored?.(done);
    }
    const time = (t: bigint | null) => (t === null ? null : String(t));
    const manifest: BackupManifest = {
      version: 1,
      ...identity,
      segments: snapshot.segments,
      at: String(snapshot.at),
      writes: String(snapshot.writes),
      rows: String(snapshot.rows),
      firstTime: time(snapshot.first),
      lastTime: time(snapshot.last),
      files,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    await storage.write(prefix + MANIFEST, once(bytes));
    return {
      snapshot,
      files,
      manifest,
      sizeBytes: files.reduce((sum, f) => sum + f.bytes, 0) + bytes.length,
      checksum: createHash("sha256").update(bytes).digest("hex"),
    };
  } finally {
    await source.free(snapshot.id).catch(() => undefined);
  }
}
