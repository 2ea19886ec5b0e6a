/**
 * A backup's files into segment directories: `segment-<k>/<file>` into `segments[k]`, each
 * streamed to `<file>.restoring`, checked against the size and sha256 its backup recorded,
 * synced, then renamed, so a file under its final name is always whole and right. Shared by the
 * API's restore (the local provisioner) and the Kubernetes restore (restore-job.ts).
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { BackupStorage } from "./backup-storage.js";
import type { BackupFile } from "./backups-store.js";

const SEGMENT_FILE = /^segment-(\d+)\/([A-Za-z0-9._-]+)$/;

/** The segment a backup file belongs to, and its name there. */
export function segmentOf(name: string): { segment: number; file: string } {
  const match = SEGMENT_FILE.exec(name);
  if (match === null) throw new Error(`the backup's file ${name} is not segment-<k>/<file>`);
  return { segment: Number(match[1]), file: match[2] as string };
}

export async function restoreFile(
  storage: BackupStorage,
  prefix: string,
  file: BackupFile,
  segments: readonly (string | undefined)[],
  onBytes: (bytes: number) => void = () => undefined,
): Promise<void> {
  const { segment, file: name } = segmentOf(file.name);
  const dir = segments[segment];
  if (dir === undefined)
    throw new Error(`the backup's file ${file.name} has no place in ${segments.length} stripes`);
  const target = join(dir, name);
  const partial = `${target}.restoring`;
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash("sha256");
  let bytes = 0;
  const source = await storage.read(prefix + file.name);
  const counted = async function* () {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(chunk.length);
      yield chunk;
    }
  };
  await pipeline(counted, createWriteStream(partial));
  const digest = hash.digest("hex");
  if (bytes !== file.bytes || digest !== file.sha256)
    throw new Error(
      `${file.name} does not match its backup: ${bytes} bytes, sha256 ${digest}; the backup recorded ${file.bytes} bytes, sha256 ${file.sha256}`,
    );
  const handle = await open(partial, "r");
  await handle.sync().finally(() => handle.close());
  await rename(partial, target);
}
