/**
 * The backup program of a KdbBackup's Job (guru-operator, operator/src/builders/backup-job.ts):
 * snapshots the database at GURU_BACKUP_ENDPOINT over q IPC and streams it to
 * s3://GURU_BACKUP_S3_BUCKET/GURU_BACKUP_S3_PREFIX with the copy the API's backups use. It exits
 * 0 only once the manifest, written last, is stored. Whatever an earlier attempt left under the
 * prefix is deleted first, and a failed backup's objects after, so a prefix holds a manifest
 * only when its files are whole; a killed one leaves no manifest, and nothing restores it.
 */
import { QClient } from "../../../qipc/src/index.js";
import { loadBackupJobConfig } from "./job-config.js";
import { runJob } from "./job-process.js";
import { S3BackupStorage, s3Client } from "./s3-backup-storage.js";
import { copySnapshot } from "./snapshot-copy.js";
import { SnapshotSource } from "./snapshot-source.js";

await runJob("backup-job", async (logger) => {
  const config = loadBackupJobConfig();
  const { s3 } = config;
  const client = s3Client(s3.region, s3.endpoint);
  const storage = new S3BackupStorage({ client, ...s3 });
  const where = {
    backup: config.name,
    database: config.database,
    location: `s3://${s3.bucket}/${s3.prefix}`,
  };
  logger.info(where, "backup started");
  try {
    // an earlier attempt's objects go first: a manifest under the prefix is only ever this run's
    await storage.deletePrefix("");
    const q = await QClient.connect(config.q);
    const copied = await copySnapshot(
      new SnapshotSource((name, args) => q.call(name, ...args)),
      storage,
      "",
      { backup: config.name, database: config.database },
    ).finally(() => q.close());
    const { manifest } = copied;
    const done = {
      files: manifest.files.length,
      bytes: copied.sizeBytes,
      rows: manifest.rows,
      at: manifest.at,
    };
    logger.info({ ...where, ...done }, "backup completed");
  } catch (err) {
    await storage.deletePrefix("").catch(() => undefined);
    throw err;
  } finally {
    client.destroy();
  }
});
