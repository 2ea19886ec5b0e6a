/**
 * docs/q-api.md `.guru.snapshot`, `.guru.snapshotRead`, `.guru.snapshotFree`: a consistent copy of
 * the database's files while writes continue, read back in chunks and freed.
 */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { at, SECOND } from "./support/time.js";
import { asTable, bigints, column, entries, items, text } from "./support/values.js";

function atom(value: QValue | undefined, type: number): bigint {
  assert.equal(value?.type, type, `expected an atom of type ${type}`);
  return (value as { value: bigint }).value;
}

interface Snapshot {
  id: string;
  rows: bigint;
  writes: bigint;
  files: { name: string; bytes: bigint }[];
}

describe(".guru.snapshot, .guru.snapshotRead, .guru.snapshotFree", () => {
  const c = useContract();
  const take = async (): Promise<Snapshot> => {
    const reply = entries(await c.call(".guru.snapshot", q.nil));
    assert.deepEqual(
      [...reply.keys()],
      ["id", "at", "writes", "rows", "firstTime", "lastTime", "segments", "files"],
    );
    const files = asTable(reply.get("files") as QValue);
    assert.deepEqual(files.columns, ["name", "bytes"]);
    atom(reply.get("at"), -12);
    atom(reply.get("firstTime"), -12);
    atom(reply.get("lastTime"), -12);
    assert.ok(atom(reply.get("segments"), -7) >= 1n);
    const names = items(column(files, "name")).map(text);
    const bytes = bigints(column(files, "bytes"));
    return {
      id: text(reply.get("id") as QValue),
      rows: atom(reply.get("rows"), -7),
      writes: atom(reply.get("writes"), -7),
      files: names.map((name, i) => ({ name, bytes: bytes[i] as bigint })),
    };
  };
  const read = (id: string, name: string, offset: bigint) =>
    c.call(".guru.snapshotRead", q.string(id), q.string(name), q.long(offset));
  const totalRows = async () => {
    const stats = entries(await c.call(".guru.stats", q.nil));
    return atom(stats.get("rows"), -7);
  };

  it("copies every file, readable in chunks to its exact size, then frees it", async () => {
    const name = await c.create("snapshot", "v:j");
    const t0 = at("2024-03-01T00:00:00Z");
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({ time: q.timestamps([t0, t0 + SECOND]), v: q.longs([1n, 2n]) }),
    );
    const snap = await take();
    assert.equal(snap.rows, await totalRows());
    assert.ok(snap.files.length > 0);
    for (const file of snap.files) {
      assert.ok(!file.name.startsWith("/") && !file.name.split("/").includes(".."), file.name);
      let offset = 0n;
      for (;;) {
        const chunk = await read(snap.id, file.name, offset);
        assert.equal(chunk.type, 4, "a byte vector");
        const length = BigInt((chunk as { value: Uint8Array }).value.length);
        if (length === 0n) break;
        offset += length;
      }
      assert.equal(offset, file.bytes, `${file.name}: bytes read`);
    }
    const freed = await c.call(".guru.snapshotFree", q.string(snap.id));
    assert.equal(
      atom(freed, -7),
      snap.files.reduce((sum, f) => sum + f.bytes, 0n),
    );
    await rejectsWith(read(snap.id, snap.files[0]?.name ?? "x", 0n), "guru.arg");
  });

  it("is consistent while writes continue: every write is wholly in or out, none fails", async () => {
    const name = await c.create("snapshot_ingest", "v:j");
    const t0 = at("2024-03-02T00:00:00Z");
    const batch = (k: number) =>
      q.table({
        time: q.timestamps(Array.from({ length: 100 }, (_, i) => t0 + BigInt(k * 100 + i) * SECOND)),
        v: q.longs(Array.from({ length: 100 }, () => BigInt(k))),
      });
    const before = await totalRows();
    const writes = Array.from({ length: 20 }, (_, k) => c.call(".guru.write", q.symbol(name), batch(k)));
    const snap = await take();
    await Promise.all(writes);
    const after = await totalRows();
    assert.ok(snap.rows >= before && snap.rows <= after, `${before} <= ${snap.rows} <= ${after}`);
    assert.equal((snap.rows - before) % 100n, 0n, "no batch is half in the snapshot");
    await c.call(".guru.snapshotFree", q.string(snap.id));
  });

  it("refuses unknown snapshots, files and offsets past the end", async () => {
    const snap = await take();
    const file = snap.files[0] as { name: string; bytes: bigint };
    await rejectsWith(read("0000000000000000", file.name, 0n), "guru.arg");
    await rejectsWith(read(snap.id, "../../etc/passwd", 0n), "guru.arg");
    await rejectsWith(read(snap.id, file.name, file.bytes + 1n), "guru.arg");
    await rejectsWith(
      c.call(".guru.snapshotRead", q.symbol("x"), q.string(file.name), q.long(0n)),
      "guru.type",
      "id",
    );
    await rejectsWith(
      read(snap.id, file.name, 0n).then(() =>
        c.call(".guru.snapshotRead", q.string(snap.id), q.string(file.name), q.int(0)),
      ),
      "guru.type",
      "offset",
    );
    await rejectsWith(c.call(".guru.snapshot", q.long(0n)), "guru.type", "x");
    await c.call(".guru.snapshotFree", q.string(snap.id));
    await rejectsWith(c.call(".guru.snapshotFree", q.string(snap.id)), "guru.arg");
  });
});
