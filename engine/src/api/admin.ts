/** `.guru.ping`, `.guru.create`, `.guru.drop`, `.guru.series`, `.guru.stats`. */

import { CONTRACT_VERSION, isTypeLetter, isValidName, qFail } from "../../../q-api/src/index.js";
import { LONG_NULL, type QValue } from "../../../qipc/src/index.js";
import { type ColumnDef, checkSchema, type SeriesDef } from "../store/schema.js";
import { argError, existingSeries, expectGenericNull, symbolAtom, typeError } from "./args.js";
import type { ApiEnv, Call } from "./env.js";
import { chars, dict, list, long, symbol, symbols, table, timespan } from "./q.js";

export function ping(env: ApiEnv, { args }: Call): QValue {
  expectGenericNull(args[0] as QValue, "x");
  return dict([
    ["version", chars(CONTRACT_VERSION)],
    ["engine", symbol("guru-engine")],
    ["uptime", timespan(process.hrtime.bigint() - env.startedAt)],
  ]);
}

export async function create(env: ApiEnv, { args }: Call): Promise<QValue> {
  const name = symbolAtom(args[0] as QValue, "name");
  const columns = parseSchema(args[1] as QValue);
  if (!isValidName(name)) throw argError(`name ${name}`);
  checkSchema(columns);
  return schemaTable(await env.store.create(name, columns));
}

/** `([] name:`S; type:"C"; tag:`b)`, one row per column. */
function parseSchema(value: QValue): ColumnDef[] {
  if (value.type !== 98 || [...value.columns].sort().join() !== "name,tag,type") throw typeError("schema");
  const column = (name: string) => value.data[value.columns.indexOf(name)] as QValue;
  const names = column("name");
  const types = column("type");
  const tags = column("tag");
  if (names.type !== 11 || types.type !== 10 || tags.type !== 1) throw typeError("schema");
  if (types.value.length !== names.value.length || tags.value.length !== names.value.length)
    throw typeError("schema");
  return names.value.map((n, i) => {
    const letter = String.fromCharCode(types.value[i] as number);
    if (!isTypeLetter(letter)) throw qFail("guru.schema.invalid", `unknown type "${letter}" of ${n}`);
    return { name: n, type: letter, tag: tags.value[i] !== 0 };
  });
}

function schemaTable(series: SeriesDef): QValue {
  return table([
    ["name", symbols(series.columns.map((c) => c.name))],
    ["type", chars(series.columns.map((c) => c.type).join(""))],
    ["tag", { type: 1, attr: 0, value: Uint8Array.from(series.columns, (c) => (c.tag ? 1 : 0)) }],
  ]);
}

export async function drop(env: ApiEnv, { args }: Call): Promise<QValue> {
  const series = existingSeries(env.store, symbolAtom(args[0] as QValue, "name"));
  return long(await env.store.drop(series));
}

export async function series(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  expectGenericNull(args[0] as QValue, "x");
  const all = env.store.list();
  const extents = [];
  for (const s of all) extents.push(await env.store.extent(s, signal));
  const timestamps = (values: (bigint | null)[]): QValue => ({
    type: 12,
    attr: 0,
    value: BigInt64Array.from(values, (v) => v ?? LONG_NULL),
  });
  return table([
    ["name", symbols(all.map((s) => s.name))],
    ["columns", list(all.map((s) => symbols(s.columns.map((c) => c.name))))],
    ["types", list(all.map((s) => chars(s.columns.map((c) => c.type).join(""))))],
    ["tags", list(all.map((s) => symbols(s.columns.filter((c) => c.tag).map((c) => c.name))))],
    ["rows", { type: 7, attr: 0, value: BigInt64Array.from(extents, (e) => e.rows) }],
    ["firstTime", timestamps(extents.map((e) => e.first))],
    ["lastTime", timestamps(extents.map((e) => e.last))],
  ]);
}

export async function stats(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  expectGenericNull(args[0] as QValue, "x");
  let rows = 0n;
  for (const s of env.store.list()) rows += (await env.store.extent(s, signal)).rows;
  const bytes = env.store.segmentBytes();
  return dict([
    ["rows", long(rows)],
    ["series", long(BigInt(env.store.list().length))],
    [
      "segments",
      table([
        ["path", list(env.segmentPaths.map((p) => chars(p)))],
        ["bytes", { type: 7, attr: 0, value: BigInt64Array.from(bytes, (b) => BigInt(b)) }],
      ]),
    ],
    ["memory", long(BigInt(process.memoryUsage.rss()))],
  ]);
}
