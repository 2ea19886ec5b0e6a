/**
 * Reads a database's snapshot over q IPC (docs/q-api.md `.guru.snapshot`): the snapshot's
 * description, and each file as a stream of chunks fetched one at a time (constant memory; the
 * next chunk is asked for only once the previous one was consumed).
 */
import { type QValue, q } from "../../../qipc/src/index.js";

export interface SnapshotDescription {
  id: string;
  at: bigint;
  writes: bigint;
  rows: bigint;
  first: bigint | null;
  last: bigint | null;
  segments: number;
  files: { name: string; bytes: number }[];
}

const NULL_TIME = -(2n ** 63n);

function entries(value: QValue): Map<string, QValue> {
  if (value.type !== 99 || value.keys.type !== 11 || value.values.type !== 0)
    throw new Error("the database's snapshot reply is not a dictionary");
  const values = value.values.value;
  return new Map(value.keys.value.map((k, i) => [k, values[i] as QValue]));
}

function atom(value: QValue | undefined): bigint {
  if (value === undefined || !("value" in value) || typeof value.value !== "bigint")
    throw new Error("the database's snapshot reply lacks a field");
  return value.value;
}

function text(value: QValue | undefined): string {
  if (value?.type !== 10) throw new Error("the database's snapshot reply lacks a text field");
  return Buffer.from(value.value).toString("utf8");
}

export function parseSnapshot(reply: QValue): SnapshotDescription {
  const e = entries(reply);
  const files = e.get("files");
  if (files?.type !== 98) throw new Error("the database's snapshot reply has no files table");
  const names = files.data[files.columns.indexOf("name")] as QValue;
  const bytes = files.data[files.columns.indexOf("bytes")] as QValue;
  if (names.type !== 0 || bytes.type !== 7) throw new Error("the snapshot's files table is malformed");
  const time = (v: bigint) => (v === NULL_TIME ? null : v);
  return {
    id: text(e.get("id")),
    at: atom(e.get("at")),
    writes: atom(e.get("writes")),
    rows: atom(e.get("rows")),
    first: time(atom(e.get("firstTime"))),
    last: time(atom(e.get("lastTime"))),
    segments: Number(atom(e.get("segments"))),
    files: names.value.map((n, i) => ({ name: text(n), bytes: Number(bytes.value[i]) })),
  };
}

/**
 * Calls a guru q API function of the database: `read` calls have no effect (a caller may retry
 * them), `write` ones may.
 */
export type QCaller = (name: string, args: QValue[], kind: "read" | "write") => Promise<QValue>;

export class SnapshotSource {
  readonly #call: QCaller;

  constructor(call: QCaller) {
    this.#call = call;
  }

  async take(): Promise<SnapshotDescription> {
    return parseSnapshot(await this.#call(".guru.snapshot", [q.nil], "write"));
  }

  /** The file's bytes, chunk by chunk, until the engine answers an empty chunk. */
  async *file(id: string, name: string): AsyncGenerator<Uint8Array> {
    for (let offset = 0n; ; ) {
      const chunk = await this.#call(
        ".guru.snapshotRead",
        [q.string(id), q.string(name), q.long(offset)],
        "read",
      );
      if (chunk.type !== 4) throw new Error("the database's snapshot chunk is not a byte vector");
      if (chunk.value.length === 0) return;
      offset += BigInt(chunk.value.length);
      yield chunk.value;
    }
  }

  async free(id: string): Promise<void> {
    await this.#call(".guru.snapshotFree", [q.string(id)], "write");
  }
}
