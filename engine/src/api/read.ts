/** `.guru.query` and `.guru.last`. */

import type { QValue } from "../../../qipc/src/index.js";
import { isPaged, runLast, runQuery } from "../query/execute.js";
import { existingSeries, symbolAtom, symbolList, tagColumns } from "./args.js";
import type { ApiEnv, Call } from "./env.js";
import { chars, dict, GENERIC_NULL } from "./q.js";
import { optionEntries, parseQuery } from "./query-options.js";

export async function query(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  const name = symbolAtom(args[0] as QValue, "name");
  const options = optionEntries(args[1] as QValue);
  const spec = parseQuery(existingSeries(env.store, name), options);
  const { table, next } = await runQuery(spec, { store: env.store, maxRows: env.maxRows, signal });
  if (!isPaged(spec)) return table;
  return dict([
    ["data", table],
    ["next", next === null ? GENERIC_NULL : chars(next)],
  ]);
}

export async function last(env: ApiEnv, { args, signal }: Call): Promise<QValue> {
  const name = symbolAtom(args[0] as QValue, "name");
  const by = symbolList(args[1] as QValue, "by");
  const series = existingSeries(env.store, name);
  return runLast(series, tagColumns(series, by, "by"), { store: env.store, maxRows: env.maxRows, signal });
}
