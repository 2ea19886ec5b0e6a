/**
 * Per-suite plumbing: one connection to the target, series created with unique names and
 * dropped again after the suite.
 */
import { QClient } from "../../../qipc/src/client.js";
import { QRemoteError } from "../../../qipc/src/errors.js";
import type { QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";
import { seriesSchema, uniqueName } from "./schema.js";
import { type Target, target } from "./target.js";

export interface Contract {
  client(): QClient;
  target(): Target;
  /** `(\`name; args…)` on the suite's connection */
  call(name: string, ...args: QValue[]): Promise<QValue>;
  /** Creates a series `time` + `spec` (see `columns`) under a unique name, dropped after the suite. */
  create(tag: string, spec: string): Promise<string>;
  /** Remembers a series created by the test itself, to drop it after the suite. */
  created(name: string): string;
}

export async function connect(login?: { user: string; password: string }): Promise<QClient> {
  const t = await target();
  return QClient.connect({
    host: t.host,
    port: t.port,
    user: login?.user ?? t.user,
    password: login?.password ?? t.password,
  });
}

/** Registers the suite's hooks; call it at the top of a `describe`. */
export function useContract(): Contract {
  let client: QClient | undefined;
  let resolved: Target | undefined;
  const names = new Set<string>();
  before(async () => {
    resolved = await target();
    client = await connect();
  });
  after(async () => {
    if (!client) return;
    // a test may have lost the connection on purpose; the cleanup gets a fresh one then
    const cleaner = client.closed && names.size > 0 ? await connect() : client;
    for (const name of names) await dropQuietly(cleaner, name);
    await client.close();
    if (cleaner !== client) await cleaner.close();
  });
  const ready = (): QClient => {
    if (!client) throw new Error("the contract connection is not open (before hook failed?)");
    return client;
  };
  const contract: Contract = {
    client: ready,
    target: () => {
      if (!resolved) throw new Error("no target yet");
      return resolved;
    },
    call: (name, ...args) => ready().call(name, ...args),
    created: (name) => {
      names.add(name);
      return name;
    },
    create: async (tag, spec) => {
      const name = contract.created(uniqueName(tag));
      await ready().call(".guru.create", q.symbol(name), seriesSchema(spec));
      return name;
    },
  };
  return contract;
}

async function dropQuietly(client: QClient, name: string): Promise<void> {
  try {
    await client.call(".guru.drop", q.symbol(name));
  } catch (err) {
    if (!(err instanceof QRemoteError && err.word.startsWith("guru.series.unknown"))) throw err;
  }
}
