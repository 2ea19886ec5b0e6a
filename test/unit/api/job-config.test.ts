/**
 * The configuration of the backup and restore programs (api/src/backups/job-config.ts): what the
 * operator sets parses, the defaults are the documented ones, and every variable is in
 * docs/operator.md.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import {
  JOB_VARIABLES,
  loadBackupJobConfig,
  loadRestoreJobConfig,
} from "../../../api/src/backups/job-config.js";
import { ConfigError } from "../../../api/src/config.js";

const operatorSets = {
  GURU_BACKUP_NAME: "nightly",
  GURU_BACKUP_DATABASE: "trades",
  GURU_BACKUP_ENGINE: "kdb",
  GURU_BACKUP_STRIPES: "2",
  GURU_BACKUP_ENDPOINT: "trades.markets.svc:5000",
  GURU_BACKUP_USER: "guru",
  GURU_BACKUP_PASSWORD: "pw",
  GURU_BACKUP_S3_BUCKET: "guru-backups",
  GURU_BACKUP_S3_PREFIX: "prod/markets/trades/nightly/",
};

describe("backup and restore programs: configuration", () => {
  it("takes what the operator sets, with AWS defaults for the rest", () => {
    assert.deepEqual(loadBackupJobConfig(operatorSets), {
      name: "nightly",
      database: "trades",
      engine: "kdb",
      stripes: 2,
      accountId: undefined,
      q: { host: "trades.markets.svc", port: 5000, user: "guru", password: "pw", timeoutMs: 600_000 },
      s3: {
        bucket: "guru-backups",
        prefix: "prod/markets/trades/nightly/",
        region: "us-east-1",
        endpoint: undefined,
        sse: "AES256",
        kmsKeyId: undefined,
        partBytes: 8 * 1024 * 1024,
      },
    });
    assert.equal(
      loadBackupJobConfig({ ...operatorSets, GURU_BACKUP_ACCOUNT_ID: "k3m9x2q7pa" }).accountId,
      "k3m9x2q7pa",
    );
    const restore = loadRestoreJobConfig({
      GURU_RESTORE_S3_BUCKET: "guru-backups",
      GURU_RESTORE_S3_PREFIX: "prod/markets/trades/nightly/",
      GURU_RESTORE_STRIPES: "/data/stripe-0/db /data/stripe-1/db",
      AWS_REGION: "eu-west-1",
    });
    assert.deepEqual(restore.segments, ["/data/stripe-0/db", "/data/stripe-1/db"]);
    assert.equal(restore.s3.region, "eu-west-1");
  });

  it("refuses a missing variable, naming it", () => {
    const { GURU_BACKUP_PASSWORD: _, ...rest } = operatorSets;
    assert.throws(
      () => loadBackupJobConfig(rest),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /GURU_BACKUP_PASSWORD/);
        assert.doesNotMatch(err.message, /\bpw\b/);
        return true;
      },
    );
  });

  it("documents every variable in docs/operator.md", () => {
    const docs = readFileSync("docs/operator.md", "utf8");
    const missing = [...JOB_VARIABLES.backup, ...JOB_VARIABLES.restore].filter(
      (v) => !docs.includes(`\`${v}\``),
    );
    assert.deepEqual(missing, []);
  });
});
