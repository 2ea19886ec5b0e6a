/**
 * The q IPC request handler: only the `.guru.*` functions below can be called, as
 * `(name; args…)` with the name a symbol or char vector (docs/q-api.md §1). Anything else (q
 * source text, other names, `.z.*`, system commands) is `'access`; nothing is ever evaluated.
 */

import { qFail } from "../../../q-api/src/index.js";
import { parseCall, QFail, type QRequestContext, type QValue } from "../../../qipc/src/index.js";
import { create, drop, ping, series, stats } from "./admin.js";
import type { ApiEnv, ApiFunction } from "./env.js";
import { retain, retention, snapshot, snapshotFree, snapshotRead } from "./lifecycle.js";
import { last, query } from "./read.js";
import { remove, write } from "./write.js";

interface Entry {
  arity: number;
  run: ApiFunction;
}

export const FUNCTIONS: Readonly<Record<string, Entry>> = {
  ".guru.ping": { arity: 1, run: ping },
  ".guru.create": { arity: 2, run: create },
  ".guru.drop": { arity: 1, run: drop },
  ".guru.series": { arity: 1, run: series },
  ".guru.write": { arity: 2, run: write },
  ".guru.query": { arity: 2, run: query },
  ".guru.last": { arity: 2, run: last },
  ".guru.delete": { arity: 3, run: remove },
  ".guru.stats": { arity: 1, run: stats },
  ".guru.retention": { arity: 1, run: retention },
  ".guru.retain": { arity: 1, run: retain },
  ".guru.snapshot": { arity: 1, run: snapshot },
  ".guru.snapshotRead": { arity: 3, run: snapshotRead },
  ".guru.snapshotFree": { arity: 1, run: snapshotFree },
};

export interface ParsedCall {
  name: string;
  entry: Entry;
  args: QValue[];
}

/** The whitelisted call in a request, or `'access` / `'rank`. */
export function parseRequest(value: QValue): ParsedCall {
  const call = parseCall(value);
  const entry = call && Object.hasOwn(FUNCTIONS, call.name) ? FUNCTIONS[call.name] : undefined;
  if (call === null || entry === undefined) throw qFail("access");
  if (call.args.length !== entry.arity) throw qFail("rank");
  return { name: call.name, entry, args: call.args };
}

export type Observe = (name: string, outcome: string, seconds: number) => void;

/** A handler for `createQServer`; `observe` sees every call's name, outcome word and duration. */
export function createHandler(env: ApiEnv, observe: Observe = () => {}) {
  return async (value: QValue, ctx: QRequestContext): Promise<QValue> => {
    const began = performance.now();
    let name = "refused";
    let outcome = "ok";
    try {
      const call = parseRequest(value);
      name = call.name;
      return await call.entry.run(env, { args: call.args, signal: ctx.signal });
    } catch (err) {
      outcome = err instanceof QFail ? (err.word.split(":")[0] as string) : "internal";
      throw err;
    } finally {
      observe(name, outcome, (performance.now() - began) / 1000);
    }
  };
}
