/**
 * `.guru.retention`, `.guru.retain` (how long data is kept) and `.guru.snapshot`,
 * `.guru.snapshotRead`, `.guru.snapshotFree` (consistent copies for backups): docs/q-api.md.
 */
import { LONG_NULL, type QValue } from "../../../qipc/src/index.js";
import { MAX_RETENTION_DAYS } from "../store/retention.js";
import { argError, expectGenericNull, text, typeError } from "./args.js";
import type { ApiEnv, Call } from "./env.js";
import { chars, dict, list, long, table } from "./q.js";

function timestamp(value: bigint | null): QValue {
  return { type: -12, value: value ?? LONG_NULL };
}

function longAtom(value: QValue, path: string): bigint {
  if (value.type !== -7) throw typeError(path);
  return value.value;
}

async function retentionDict(env: ApiEnv, signal?: AbortSignal): Promise<QValue> {
  const { retention } = env.store;
  const run = retention.lastRun;
  return dict([
    ["days", long(BigInt(retention.days))],
    ["cutoff", timestamp(retention.cutoff())],
    ["oldest", timestamp(await env.store.oldest(signal))],
    ["lastRun", timestamp(run?.at ?? null)],
    ["dropped", long(run?.dropped ?? 0n)],
  ]);
}

export function retention(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  expectGenericNull(args[0] as QValue, "x");
  return retentionDict(env, signal);
}

export async function retain(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  const days = longAtom(args[0] as QValue, "days");
  if (days < 0n || days > BigInt(MAX_RETENTION_DAYS))
    throw argError(`days: ${days} is not within 0 ${MAX_RETENTION_DAYS}`);
  await env.store.setRetention(Number(days));
  return retentionDict(env, signal);
}

export async function snapshot(env: ApiEnv, { args }: Call): Promise<QValue> {
  expectGenericNull(args[0] as QValue, "x");
  const s = await env.store.snapshot(env.snapshots);
  return dict([
    ["id", chars(s.id)],
    ["at", timestamp(s.at)],
    ["writes", long(s.writes)],
    ["rows", long(s.rows)],
    ["firstTime", timestamp(s.first)],
    ["lastTime", timestamp(s.last)],
    ["segments", long(BigInt(s.segments))],
    [
      "files",
      table([
        ["name", list(s.files.map((f) => chars(f.name)))],
        ["bytes", { type: 7, attr: 0, value: BigInt64Array.from(s.files, (f) => BigInt(f.bytes)) }],
      ]),
    ],
  ]);
}

export async function snapshotRead(env: ApiEnv, { args }: Call): Promise<QValue> {
  const id = text(args[0] as QValue, "id");
  const name = text(args[1] as QValue, "name");
  const offset = longAtom(args[2] as QValue, "offset");
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw argError(`offset: ${offset}`);
  return { type: 4, attr: 0, value: await env.snapshots.read(id, name, Number(offset)) };
}

export async function snapshotFree(env: ApiEnv, { args }: Call): Promise<QValue> {
  const id = text(args[0] as QValue, "id");
  return long(BigInt(await env.snapshots.free(id)));
}
