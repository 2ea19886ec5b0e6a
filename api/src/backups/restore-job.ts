/**
 * The restore program, the `restore` init container of a KdbDatabase bootstrapped from a backup
 * (operator/src/builders/restore-container.ts): checks the manifest against the database's stripes
 * and engine, then fills segment directory k of GURU_RESTORE_STRIPES
 * with the backup's `segment-<k>/` files, each checked against the size and sha256 of the
 * backup's manifest, with the file copy the API's restore uses. A directory is filled under
 * `<dir>.restoring` and renamed once every file of it is right, so each is whole or absent; one
 * that already holds data (an earlier run, or the engine since) is left alone, and with every
 * one holding data nothing is read at all: a pod restart restores nothing twice. Exits non-zero
 * on any mismatch, with the partial directories removed.
 */
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { readManifest } from "./backup-manifest.js";
import { loadRestoreJobConfig } from "./job-config.js";
import { runJob } from "./job-process.js";
import { restoreFile, segmentOf } from "./restore-files.js";
import { S3BackupStorage, s3Client } from "./s3-backup-storage.js";

const holdsData = (dir: string) =>
  readdir(dir).then(
    (entries) => entries.length > 0,
    () => false,
  );

await runJob("restore-job", async (logger) => {
  const { s3, segments, engine } = loadRestoreJobConfig();
  const location = `s3://${s3.bucket}/${s3.prefix}`;
  const held = await Promise.all(segments.map(holdsData));
  if (held.every(Boolean)) {
    logger.info({ location, segments }, "every segment directory holds data: nothing to restore");
    return;
  }
  const client = s3Client(s3.region, s3.endpoint);
  // the restore only reads: the write settings are never used
  const storage = new S3BackupStorage({ client, ...s3, sse: "AES256", partBytes: 1 });
  const staging = segments.map((dir, k) => (held[k] ? undefined : `${dir}.restoring`));
  try {
    const { manifest } = await readManifest(storage, "", location);
    if (manifest.segments !== segments.length)
      throw new Error(
        `the backup has ${manifest.segments} segments, the database ${segments.length} stripes`,
      );
    // early manifests do not say their engine
    if (engine !== undefined && manifest.engine !== undefined && manifest.engine !== engine)
      throw new Error(`the backup is of a ${manifest.engine} database, this one runs ${engine}`);
    logger.info({ location, backup: manifest.backup, restoring: staging.filter(Boolean) }, "restore started");
    for (const dir of staging) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    for (const dir of staging) if (dir !== undefined) await mkdir(dir, { recursive: true });
    let bytes = 0;
    for (const file of manifest.files) {
      if (held[segmentOf(file.name).segment]) continue;
      await restoreFile(storage, "", file, staging, (n) => {
        bytes += n;
      });
    }
    for (const [k, dir] of staging.entries()) {
      if (dir === undefined) continue;
      const target = segments[k] as string;
      await rm(target, { recursive: true, force: true }); // empty: it holds no data
      await rename(dir, target);
    }
    logger.info(
      { location, backup: manifest.backup, files: manifest.files.length, bytes, rows: manifest.rows },
      "restore completed",
    );
  } catch (err) {
    for (const dir of staging) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    client.destroy();
  }
});
