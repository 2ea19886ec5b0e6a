/** Backup records as the API shows them. */
import { timestampToString } from "../../../qipc/src/index.js";
import type { BackupView } from "./backups-schemas.js";
import type { BackupRecord } from "./backups-store.js";

function timeOf(ns: string | null): string | null {
  return ns === null ? null : timestampToString(BigInt(ns));
}

export function backupView(b: BackupRecord): BackupView {
  return {
    id: b.id,
    database: b.database,
    status: b.status,
    engine: b.engine,
    origin: b.origin ?? "manual",
    stripes: b.stripes,
    sizeBytes: b.sizeBytes,
    files: b.files.length,
    rows: b.rows,
    timeRange: { first: timeOf(b.firstTime), last: timeOf(b.lastTime) },
    coversWritesBefore: b.coversWritesBefore,
    checksum: b.checksum,
    jobId: b.jobId,
    error: b.error,
    createdAt: b.createdAt,
    finishedAt: b.finishedAt,
  };
}
