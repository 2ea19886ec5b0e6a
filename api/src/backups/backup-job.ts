/**
 * The backup program of a KdbBackup's Job (guru-operator, operator/src/builders/backup-job.ts):
 * snapshots the database at GURU_BACKUP_ENDPOINT over q IPC and streams it to
 * s3://GURU_BACKUP_S3_BUCKET/GURU_BACKUP_S3_PREFIX with the copy the API's backups use. It exits
 * 0 only once the manifest, written last, is stored. Whatever an earlier attempt left under the
 * prefix is deleted first, and a failed backup's objects after, so a prefix holds a manifest
 * only when its files are whole; a killed one leaves no manifest, and nothing restores it.
 * SIGTERM (the Job's deadline, an eviction) ends it as a failure at once: the uploads in flight
 * are dropped, the engine's snapshot freed (not kept until the engine's limit) and the objects
 * deleted, within the pod's grace period.
 */
import { QClient } from "../../../qipc/src/index.js";
import { type BackupJobConfig, loadBackupJobConfig } from "./job-config.js";
import { runJob, terminated } from "./job-process.js";
import { S3BackupStorage, s3Client } from "./s3-backup-storage.js";
import { copySnapshot } from "./snapshot-copy.js";
import { SnapshotSource } from "./snapshot-source.js";

const storageFor = ({ s3 }: BackupJobConfig) => {
  const client = s3Client(s3.region, s3.endpoint);
  return { client, storage: new S3BackupStorage({ client, ...s3 }) };
};

await runJob("backup-job", async (logger) => {
  const config = loadBackupJobConfig();
  const stop = terminated();
  const { client, storage } = storageFor(config);
  const where = {
    backup: config.name,
    database: config.database,
    location: `s3://${config.s3.bucket}/${config.s3.prefix}`,
  };
  logger.info(where, "backup started");
  let q: QClient | undefined;
  let snapshot: string | undefined;
  const source = new SnapshotSource((name, args) => (q as QClient).call(name, ...args));
  const copy = async () => {
    // an earlier attempt's objects go first: a manifest under the prefix is only ever this run's
    await storage.deletePrefix("");
    q = await QClient.connect(config.q);
    return copySnapshot(
      source,
      storage,
      "",
      {
        backup: config.name,
        database: config.database,
        engine: config.engine,
        stripes: config.stripes,
        ...(config.accountId === undefined ? {} : { accountId: config.accountId }),
      },
      {
        taken: async ({ id, files }) => {
          snapshot = id;
          if (stop.error !== undefined) throw stop.error;
          logger.info({ ...where, snapshot: id, files: files.length }, "snapshot taken");
        },
      },
    ).finally(() => q?.close());
  };
  const running = copy();
  running.catch(() => undefined); // a terminated run is abandoned, not awaited
  try {
    const copied = await Promise.race([running, stop.signal]);
    const { manifest } = copied;
    const done = {
      files: manifest.files.length,
      bytes: copied.sizeBytes,
      rows: manifest.rows,
      at: manifest.at,
    };
    logger.info({ ...where, ...done }, "backup completed");
  } catch (err) {
    let cleanup = storage;
    if (stop.error !== undefined) {
      // uploads in flight are dropped with the client, then the snapshot freed on the same connection
      client.destroy();
      cleanup = storageFor(config).storage;
      if (snapshot !== undefined) await source.free(snapshot).catch(() => undefined);
      // a snapshot still being taken is freed once it is (its `taken` hook throws)
      else if (q !== undefined) await running.catch(() => undefined);
      logger.warn({ ...where, snapshot }, "terminated: snapshot freed");
    }
    await cleanup.deletePrefix("").catch(() => undefined);
    throw err;
  } finally {
    client.destroy();
    stop.dispose();
  }
});
