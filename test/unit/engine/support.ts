/** Test helpers: a store in a temporary directory and q values built tersely. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHandler } from "../../../engine/src/api/dispatch.js";
import type { ApiEnv } from "../../../engine/src/api/env.js";
import { Snapshots } from "../../../engine/src/store/snapshots.js";
import { Store, type StoreSettings } from "../../../engine/src/store/store.js";
import { QFail } from "../../../qipc/src/errors.js";
import { silentLogger } from "../../../qipc/src/logger.js";
import type { QValue } from "../../../qipc/src/types.js";

export const NIL: QValue = { type: 101, raw: Uint8Array.of(0) };

export const q = {
  sym: (value: string): QValue => ({ type: -11, value }),
  syms: (...value: string[]): QValue => ({ type: 11, attr: 0, value }),
  long: (value: bigint): QValue => ({ type: -7, value }),
  int: (value: number): QValue => ({ type: -6, value }),
  float: (value: number): QValue => ({ type: -9, value }),
  real: (value: number): QValue => ({ type: -8, value }),
  bool: (value: boolean): QValue => ({ type: -1, value }),
  ts: (value: bigint): QValue => ({ type: -12, value }),
  span: (value: bigint): QValue => ({ type: -16, value }),
  str: (text: string): QValue => ({ type: 10, attr: 0, value: new Uint8Array(Buffer.from(text)) }),
  strs: (...texts: string[]): QValue => ({ type: 0, attr: 0, value: texts.map((t) => q.str(t)) }),
  list: (...value: QValue[]): QValue => ({ type: 0, attr: 0, value }),
  longs: (...v: bigint[]): QValue => ({ type: 7, attr: 0, value: BigInt64Array.from(v) }),
  tss: (...v: bigint[]): QValue => ({ type: 12, attr: 0, value: BigInt64Array.from(v) }),
  spans: (...v: bigint[]): QValue => ({ type: 16, attr: 0, value: BigInt64Array.from(v) }),
  floats: (...v: number[]): QValue => ({ type: 9, attr: 0, value: Float64Array.from(v) }),
  reals: (...v: number[]): QValue => ({ type: 8, attr: 0, value: Float32Array.from(v) }),
  ints: (...v: number[]): QValue => ({ type: 6, attr: 0, value: Int32Array.from(v) }),
  bools: (...v: boolean[]): QValue => ({ type: 1, attr: 0, value: Uint8Array.from(v, (b) => (b ? 1 : 0)) }),
  dict: (entries: Record<string, QValue>): QValue => ({
    type: 99,
    keys: { type: 11, attr: 0, value: Object.keys(entries) },
    values: { type: 0, attr: 0, value: Object.values(entries) },
  }),
  table: (columns: Record<string, QValue>): QValue => ({
    type: 98,
    attr: 0,
    columns: Object.keys(columns),
    data: Object.values(columns),
  }),
  schema: (spec: string): QValue => {
    // "time:p host:s* usage:f": name:type, * marks a tag
    const cols = spec.split(" ").map((c) => {
      const [name, type] = c.split(":") as [string, string];
      return { name, type: type.replace("*", ""), tag: type.endsWith("*") };
    });
    return q.table({
      name: q.syms(...cols.map((c) => c.name)),
      type: { type: 10, attr: 0, value: new Uint8Array(Buffer.from(cols.map((c) => c.type).join(""))) },
      tag: q.bools(...cols.map((c) => c.tag)),
    });
  },
};

export const SETTINGS: Omit<StoreSettings, "segments"> = {
  memoryLimitMb: 256,
  threads: 1,
  checkpointMb: 16,
  readConnections: 2,
};

export interface TestEngine {
  dir: string;
  segments: string[];
  store: Store;
  env: ApiEnv;
  /** calls a `.guru.*` function in process; a q error comes back as the string `'word…` */
  call(name: string, ...args: QValue[]): Promise<QValue>;
  /** the error word (text up to the first colon) of a failing call */
  fails(name: string, ...args: QValue[]): Promise<string>;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function openTestEngine(
  segmentCount = 2,
  maxRows = 1000,
  extra: Partial<Pick<StoreSettings, "clock" | "retentionDays">> = {},
): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), "guru-engine-"));
  const segments = Array.from({ length: segmentCount }, (_, i) => join(dir, `seg${i}`));
  const open = () => Store.open({ ...SETTINGS, ...extra, segments }, silentLogger);
  const engine: TestEngine = {
    dir,
    segments,
    store: await open(),
    env: undefined as unknown as ApiEnv,
    call: async (name, ...args) => {
      const handle = createHandler(engine.env);
      const ctx = {
        user: "test",
        sync: true,
        signal: new AbortController().signal,
        remoteAddress: "127.0.0.1",
      };
      return handle({ type: 0, attr: 0, value: [q.sym(name), ...args] }, ctx);
    },
    fails: async (name, ...args) => {
      try {
        await engine.call(name, ...args);
      } catch (err) {
        if (err instanceof QFail) return err.word;
        throw err;
      }
      throw new Error(`${name} did not fail`);
    },
    reopen: async () => {
      await engine.store.close();
      engine.store = await open();
      engine.env = envOf(engine.store, segments, maxRows);
    },
    close: async () => {
      await engine.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  engine.env = envOf(engine.store, segments, maxRows);
  return engine;
}

function envOf(store: Store, segments: string[], maxRows: number): ApiEnv {
  return {
    store,
    snapshots: new Snapshots(segments[0] as string),
    maxRows,
    startedAt: process.hrtime.bigint(),
    segmentPaths: segments,
    written: () => {},
  };
}

/** A column of a table result by name. */
export function col(table: QValue, name: string): QValue {
  if (table.type !== 98) throw new Error(`not a table: type ${table.type}`);
  const i = table.columns.indexOf(name);
  if (i < 0) throw new Error(`no column ${name} in ${table.columns.join(",")}`);
  return table.data[i] as QValue;
}

/** A column's values as plain JS (bigints, numbers, strings). */
export function values(table: QValue, name: string): unknown[] {
  const column = col(table, name);
  if (column.type === 0)
    return column.value.map((v) => (v.type === 10 ? Buffer.from(v.value).toString() : v));
  if (column.type === 1) return Array.from(column.value, (b) => b === 1);
  return Array.from((column as { value: ArrayLike<unknown> }).value);
}

/** A dict's value by key. */
export function entry(dict: QValue, key: string): QValue {
  if (dict.type !== 99 || dict.keys.type !== 11 || dict.values.type !== 0)
    throw new Error("not a symbol-keyed dict");
  const i = dict.keys.value.indexOf(key);
  return dict.values.value[i] as QValue;
}

export const SECOND = 1_000_000_000n;
export const MINUTE = 60n * SECOND;
export const DAY = 86_400n * SECOND;
