/**
 * The programs guru-operator runs from the guru-api image, as real processes: `backup-job.js`
 * (a KdbBackup's Job) against a guru-engine in a child process and S3 in moto, then
 * `restore-job.js` (a bootstrapped database's init container) into empty directories, and a
 * guru-engine opened on them answers exactly the rows written. Bad environments, a refused login
 * a corrupted or mismatched backup and a backup-job killed before its manifest end with their
 * exit code (and a JSON log line), and never leave a backup that looks complete (a manifest under
 * its prefix).
 */
import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  BACKUP_COMMAND,
  BACKUP_ENV,
  RESTORE_COMMAND,
  RESTORE_ENV,
} from "../../../crds/src/backup-programs.js";
import { type ChildEngine, spawnEngine } from "../../../engine/src/child-process.js";
import { QClient } from "../../../qipc/src/client.js";
import type { QValue } from "../../../qipc/src/types.js";
import { testCredentials, useService } from "../../services/index.js";
import { q, values } from "../../unit/engine/support.js";
import { holdingProxy } from "./support/holding-proxy.js";

const ROWS = 3000;
const HOUR = 3_600_000_000_000n;
const T0 = 1_714_521_600_000_000_000n - 946_684_800_000_000_000n; // 2024-05-01 in q's epoch

interface Run {
  code: number | null;
  lines: Record<string, unknown>[];
}

/** Runs one program to its end, with exactly `env` (and PATH); its stdout as JSON lines. */
function runProgram(command: string[], env: Record<string, string>): Promise<Run> {
  const [node, script] = command;
  assert.equal(node, "node");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script as string],
      {
        env: {
          PATH: process.env.PATH ?? "",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          ...env,
        },
      },
      (err, stdout) => {
        const lines = stdout
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), lines });
      },
    );
  });
}

const message = (run: Run, msg: string) => run.lines.find((l) => l.msg === msg);

describe("backup-job and restore-job programs (guru-engine child process, S3: moto)", function () {
  this.timeout(120_000);
  const bucket = `guru-programs-${randomBytes(3).toString("hex")}`;
  let dir: string;
  let s3: S3Client;
  let motoUrl: string;
  let source: ChildEngine;
  let restored: ChildEngine | undefined;
  const aws = {
    AWS_ACCESS_KEY_ID: testCredentials.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.credentials.secretAccessKey,
    AWS_REGION: testCredentials.region,
  };

  const engineOn = (segments: string[]) =>
    spawnEngine({
      env: {
        GURU_SEGMENTS: segments.join(","),
        GURU_CREDENTIALS: "backup:s3cret",
        GURU_PORT: "0",
        GURU_HTTP_PORT: "0",
        GURU_LOG_LEVEL: "warn",
      },
    });
  const connect = (engine: ChildEngine) =>
    QClient.connect({ host: "127.0.0.1", port: engine.port, user: "backup", password: "s3cret" });
  const backupEnv = (prefix: string, extra: Record<string, string> = {}) => ({
    ...aws,
    [BACKUP_ENV.name]: "trades-1",
    [BACKUP_ENV.database]: "trades",
    [BACKUP_ENV.engine]: "guru-engine",
    [BACKUP_ENV.stripes]: "2",
    [BACKUP_ENV.accountId]: "k3m9x2q7pa",
    [BACKUP_ENV.endpoint]: `127.0.0.1:${source.port}`,
    [BACKUP_ENV.user]: "backup",
    [BACKUP_ENV.password]: "s3cret",
    [BACKUP_ENV.bucket]: bucket,
    [BACKUP_ENV.prefix]: prefix,
    GURU_BACKUP_S3_ENDPOINT: motoUrl,
    ...extra,
  });
  const restoreEnv = (prefix: string, segments: string[]) => ({
    ...aws,
    [RESTORE_ENV.bucket]: bucket,
    [RESTORE_ENV.prefix]: prefix,
    [RESTORE_ENV.stripes]: segments.join(" "),
    [RESTORE_ENV.engine]: "guru-engine",
    GURU_RESTORE_S3_ENDPOINT: motoUrl,
  });
  const keys = async (prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map(
      (o) => o.Key as string,
    );
  const rowsOf = async (engine: ChildEngine) => {
    const client = await connect(engine);
    const table = (await client.call(
      ".guru.query",
      q.sym("trades"),
      q.dict({ columns: q.syms("time", "sym", "size") }),
    )) as QValue;
    await client.close();
    const [time, sym, size] = ["time", "sym", "size"].map((c) => values(table, c));
    return (time as bigint[]).map((t, i) => `${t} ${sym?.[i]} ${size?.[i]}`).sort();
  };
  const written: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-backup-programs-"));
    const moto = await useService("moto");
    motoUrl = `http://${moto.host}:${moto.port}`;
    s3 = new S3Client({ endpoint: motoUrl, forcePathStyle: true, ...testCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    source = await engineOn([join(dir, "a0"), join(dir, "a1")]);
    const client = await connect(source);
    await client.call(".guru.create", q.sym("trades"), q.schema("time:p sym:s* size:j"));
    // an hour apart: the rows span days, so both segments hold some; sizes past 2^53
    const time = Array.from({ length: ROWS }, (_, i) => T0 + BigInt(i) * HOUR + BigInt(i % 7));
    const sym = time.map((_, i) => `s${i % 5}`);
    const size = time.map((_, i) => 9_007_199_254_740_993n + BigInt(i));
    await client.call(
      ".guru.write",
      q.sym("trades"),
      q.table({ time: q.tss(...time), sym: q.syms(...sym), size: q.longs(...size) }),
    );
    await client.close();
    written.push(...time.map((t, i) => `${t} ${sym[i]} ${size[i]}`).sort());
  });

  after(async () => {
    await source?.kill();
    await restored?.kill();
    s3?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("backs up to S3, restores into empty directories, and the engine on them answers exactly the rows written", async () => {
    const prefix = "prod/markets/trades/trades-1/";
    const backup = await runProgram(BACKUP_COMMAND, backupEnv(prefix));
    assert.equal(backup.code, 0, JSON.stringify(backup.lines));
    const done = message(backup, "backup completed");
    assert.equal(done?.rows, String(ROWS));
    assert.equal(JSON.stringify(backup.lines).includes("s3cret"), false, "the password is never logged");
    const stored = await keys(prefix);
    assert.ok(stored.includes(`${prefix}manifest.json`));
    assert.ok(stored.some((k) => k.startsWith(`${prefix}segment-0/`)));
    assert.ok(stored.some((k) => k.startsWith(`${prefix}segment-1/`)));
    const head = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}manifest.json` }));
    assert.equal(head.ServerSideEncryption, "AES256");
    const manifest = JSON.parse(
      await (head.Body as { transformToString(): Promise<string> }).transformToString(),
    );
    assert.deepEqual(
      [
        manifest.backup,
        manifest.database,
        manifest.accountId,
        manifest.engine,
        manifest.stripes,
        manifest.segments,
      ],
      ["trades-1", "trades", "k3m9x2q7pa", "guru-engine", 2, 2],
    );

    const segments = [join(dir, "b", "stripe-0", "db"), join(dir, "b", "stripe-1", "db")];
    const restore = await runProgram(RESTORE_COMMAND, restoreEnv(prefix, segments));
    assert.equal(restore.code, 0, JSON.stringify(restore.lines));
    assert.equal(message(restore, "restore completed")?.rows, String(ROWS));
    for (const segment of segments) assert.ok(!existsSync(`${segment}.restoring`));

    restored = await engineOn(segments);
    assert.deepEqual(await rowsOf(restored), written);
    assert.deepEqual(await rowsOf(source), written);
    await restored.stop();
    restored = undefined;

    // a pod restart: every directory holds data, nothing is read (not even the bucket)
    const again = await runProgram(RESTORE_COMMAND, {
      ...restoreEnv("elsewhere/", segments),
      GURU_RESTORE_S3_ENDPOINT: "http://127.0.0.1:9",
    });
    assert.equal(again.code, 0, JSON.stringify(again.lines));
    assert.ok(message(again, "every segment directory holds data: nothing to restore"));
  });

  it("restore-job refuses a backup whose file does not match its manifest, and leaves its directories absent", async () => {
    const prefix = "corrupt/trades-1/";
    assert.equal((await runProgram(BACKUP_COMMAND, backupEnv(prefix))).code, 0);
    const file = (await keys(prefix)).find((k) => k.includes("segment-1/")) as string;
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: file }))
    ).Body?.transformToByteArray();
    const flipped = Buffer.from(body as Uint8Array);
    flipped[flipped.length - 1] = ((flipped.at(-1) as number) + 1) % 256;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file, Body: flipped }));

    const root = join(dir, "c");
    const segments = [join(root, "stripe-0", "db"), join(root, "stripe-1", "db")];
    const run = await runProgram(RESTORE_COMMAND, restoreEnv(prefix, segments));
    assert.equal(run.code, 1);
    assert.match(String(message(run, "restore-job failed")?.reason), /does not match its backup/);
    for (const segment of segments) {
      assert.ok(!existsSync(segment), `${segment} is not left half-filled`);
      assert.ok(!existsSync(`${segment}.restoring`));
    }

    const otherEngine = await runProgram(RESTORE_COMMAND, {
      ...restoreEnv(prefix, segments),
      [RESTORE_ENV.engine]: "kdb",
    });
    assert.equal(otherEngine.code, 1);
    assert.match(
      String(message(otherEngine, "restore-job failed")?.reason),
      /the backup is of a guru-engine database, this one runs kdb/,
    );
    for (const segment of segments) assert.ok(!existsSync(segment));

    const three = [...segments, join(root, "stripe-2", "db")];
    const mismatch = await runProgram(RESTORE_COMMAND, restoreEnv("prod/markets/trades/trades-1/", three));
    assert.equal(mismatch.code, 1);
    assert.match(
      String(message(mismatch, "restore-job failed")?.reason),
      /2 segments, the database 3 stripes/,
    );
    const missing = await runProgram(RESTORE_COMMAND, restoreEnv("no-such-backup/", segments));
    assert.equal(missing.code, 1);
    assert.match(String(message(missing, "restore-job failed")?.reason), /no manifest\.json .*not complete/);
  });

  it("exits 2 with the variable named on a bad environment, and stores nothing", async () => {
    const prefix = "bad-env/trades-1/";
    // each case: the change, and what its log line must say (zod names the variable after the problem)
    const cases: [Record<string, string>, RegExp[]][] = [
      [{ [BACKUP_ENV.endpoint]: "no-port" }, [/GURU_BACKUP_ENDPOINT/, /host:port/]],
      [{ [BACKUP_ENV.prefix]: "bad-env/no-slash" }, [/GURU_BACKUP_S3_PREFIX/, /end with \//]],
      [{ [BACKUP_ENV.bucket]: "" }, [/GURU_BACKUP_S3_BUCKET/]],
      [{ GURU_BACKUP_SSE: "aws:kms" }, [/GURU_BACKUP_KMS_KEY_ID is required/]],
    ];
    for (const [change, said] of cases) {
      const run = await runProgram(BACKUP_COMMAND, backupEnv(prefix, change));
      assert.equal(run.code, 2, JSON.stringify(change));
      const reason = String(message(run, "backup-job failed")?.reason);
      for (const pattern of said) assert.match(reason, pattern);
    }
    const restore = await runProgram(RESTORE_COMMAND, restoreEnv(prefix, ["relative/dir"]));
    assert.equal(restore.code, 2);
    const reason = String(message(restore, "restore-job failed")?.reason);
    assert.match(reason, /GURU_RESTORE_STRIPES/);
    assert.match(reason, /absolute path/);
    assert.deepEqual(await keys(prefix), []);
  });

  it("exits 1 when the database refuses it, and leaves no manifest (an earlier attempt's is deleted)", async () => {
    const prefix = "refused/trades-1/";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}manifest.json`, Body: "{}" }));
    const run = await runProgram(BACKUP_COMMAND, backupEnv(prefix, { [BACKUP_ENV.password]: "wrong" }));
    assert.equal(run.code, 1);
    assert.match(String(message(run, "backup-job failed")?.reason), /login refused|closed the connection/);
    assert.deepEqual(await keys(prefix), []);
  });

  /** Starts backup-job through a proxy that holds its manifest; resolves once every data file is stored. */
  const heldBackup = async (prefix: string) => {
    const proxy = holdingProxy({ host: new URL(motoUrl).hostname, port: Number(new URL(motoUrl).port) });
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, [BACKUP_COMMAND[1] as string], {
      env: { PATH: process.env.PATH ?? "", ...backupEnv(prefix, { GURU_BACKUP_S3_ENDPOINT: proxyUrl }) },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    await proxy.held;
    const lines = () =>
      stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const close = () => {
      proxy.server.closeAllConnections();
      proxy.server.close();
    };
    return { child, exited, lines, close };
  };
  /** Whether the engine still holds snapshot `id` (a read of its first file answers). */
  const engineHolds = async (id: string, file: string) => {
    const client = await connect(source);
    try {
      await client.call(".guru.snapshotRead", q.str(id), q.str(file), q.long(0n));
      return true;
    } catch {
      return false;
    } finally {
      await client.close();
    }
  };
  const snapshotOf = (lines: Record<string, unknown>[]) => {
    const taken = lines.find((l) => l.msg === "snapshot taken");
    assert.ok(taken, "the run logged its snapshot");
    return String(taken.snapshot);
  };

  it("killed (kill -9) with its data files stored and its manifest in flight, leaves a backup nothing restores", async () => {
    const prefix = "killed/trades-1/";
    const run = await heldBackup(prefix);
    try {
      run.child.kill("SIGKILL");
      assert.deepEqual(await run.exited, [null, "SIGKILL"]);
    } finally {
      run.close();
    }
    const stored = await keys(prefix);
    assert.ok(
      stored.some((k) => k.includes("/segment-")),
      "the data files were stored",
    );
    assert.ok(!stored.includes(`${prefix}manifest.json`), "no manifest: the backup is not complete");
    const file = stored.find((k) => k.includes("/segment-"))?.slice(prefix.length) as string;
    const id = snapshotOf(run.lines());
    assert.equal(await engineHolds(id, file), true, "a killed run leaves its snapshot on the engine");
    const client = await connect(source);
    await client.call(".guru.snapshotFree", q.str(id));
    await client.close();
    const segments = [join(dir, "d", "stripe-0", "db"), join(dir, "d", "stripe-1", "db")];
    const restore = await runProgram(RESTORE_COMMAND, restoreEnv(prefix, segments));
    assert.equal(restore.code, 1);
    assert.match(String(message(restore, "restore-job failed")?.reason), /not complete/);
    for (const segment of segments) assert.ok(!existsSync(segment));
  });

  it("terminated (SIGTERM, the Job's deadline) with its manifest in flight: frees the engine's snapshot, deletes its objects, exits 1", async () => {
    const prefix = "terminated/trades-1/";
    const run = await heldBackup(prefix);
    let file: string;
    try {
      file = (await keys(prefix)).find((k) => k.includes("/segment-"))?.slice(prefix.length) as string;
      assert.ok(file, "the data files were stored");
      run.child.kill("SIGTERM");
      assert.deepEqual(await run.exited, [1, null]);
    } finally {
      run.close();
    }
    const lines = run.lines();
    const failed = lines.find((l) => l.msg === "backup-job failed");
    assert.match(String(failed?.reason), /terminated \(SIGTERM\)/);
    assert.equal(await engineHolds(snapshotOf(lines), file), false, "the snapshot is freed");
    assert.deepEqual(await keys(prefix), []);
  });
});
