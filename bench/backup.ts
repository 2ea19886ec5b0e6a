/**
 * Backup and restore throughput of guru-engine's data path, as the API runs it: `.guru.snapshot`
 * (barrier, checkpoint, copy), then every file streamed over q IPC in 4 MiB chunks into the local
 * backup storage (hashed with sha256); restore streams them back into fresh stripes, checked.
 * Prints MB/s and writes bench/results/backup.json.  Run: npx tsx bench/backup.ts [rows]
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { LocalBackupStorage } from "../api/src/backups/local-backup-storage.js";
import { engineConfig, startEngine } from "../engine/src/index.js";
import { QClient } from "../qipc/src/client.js";
import type { QValue } from "../qipc/src/types.js";
import { q } from "../qipc/src/values.js";

const ROWS = Number(process.argv[2] ?? 5_000_000);
const BATCH = 100_000;

function field(dict: QValue, key: string): QValue {
  if (dict.type !== 99 || dict.keys.type !== 11 || dict.values.type !== 0) throw new Error("not a dict");
  return dict.values.value[dict.keys.value.indexOf(key)] as QValue;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "guru-bench-backup-"));
  const segments = [0, 1].map((i) => join(dir, `stripe-${i}`));
  const engine = await startEngine(
    engineConfig({ segments, port: 0, httpPort: 0, allowAnonymous: true, logLevel: "silent" }),
  );
  const client = await QClient.connect({ host: "127.0.0.1", port: engine.port, user: "b", password: "" });
  try {
    await client.call(
      ".guru.create",
      q.symbol("cpu"),
      q.table({
        name: q.symbols(["time", "host", "usage"]),
        type: q.string("psf"),
        tag: q.booleans([false, true, false]),
      }),
    );
    const t0 = 24n * 365n * 86_400n * 1_000_000_000n;
    for (let done = 0; done < ROWS; done += BATCH) {
      const time = q.timestamps(
        Array.from({ length: BATCH }, (_, i) => t0 + BigInt(done + i) * 1_000_000_000n),
      );
      const host = q.symbols(Array.from({ length: BATCH }, (_, i) => `h${i % 100}`));
      const usage = q.floats(Array.from({ length: BATCH }, (_, i) => Math.sin(done + i)));
      await client.call(".guru.write", q.symbol("cpu"), q.table({ time, host, usage }));
    }
    const storage = new LocalBackupStorage(join(dir, "backups"));
    const began = performance.now();
    const snap = await client.call(".guru.snapshot", q.nil);
    const snapped = performance.now();
    const id = Buffer.from((field(snap, "id") as { value: Uint8Array }).value).toString();
    const files = field(snap, "files") as { type: 98; columns: string[]; data: QValue[] };
    const names = (files.data[0] as { value: { value: Uint8Array }[] }).value.map((v) =>
      Buffer.from(v.value).toString(),
    );
    let bytes = 0;
    for (const name of names) {
      const hash = createHash("sha256");
      const chunks = async function* () {
        for (let offset = 0n; ; ) {
          const chunk = (await client.call(
            ".guru.snapshotRead",
            q.string(id),
            q.string(name),
            q.long(offset),
          )) as {
            value: Uint8Array;
          };
          if (chunk.value.length === 0) return;
          offset += BigInt(chunk.value.length);
          hash.update(chunk.value);
          yield chunk.value;
        }
      };
      bytes += (await storage.write(`a/db/b/${name}`, chunks())).bytes;
    }
    const backedUp = performance.now();
    await client.call(".guru.snapshotFree", q.string(id));
    const target = join(dir, "restored");
    for (const name of names) {
      const path = join(target, name);
      await mkdir(dirname(path), { recursive: true });
      const hash = createHash("sha256");
      const source = await storage.read(`a/db/b/${name}`);
      const counted = async function* () {
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          yield chunk;
        }
      };
      await pipeline(counted, createWriteStream(path));
    }
    const restored = performance.now();
    const mb = bytes / 1e6;
    const result = {
      rows: ROWS,
      bytes,
      files: names.length,
      snapshotMs: Math.round(snapped - began),
      backupMBps: Number((mb / ((backedUp - began) / 1000)).toFixed(1)),
      restoreMBps: Number((mb / ((restored - backedUp) / 1000)).toFixed(1)),
    };
    console.log(JSON.stringify(result));
    await mkdir("bench/results", { recursive: true });
    await writeFile("bench/results/backup.json", `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await client.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
