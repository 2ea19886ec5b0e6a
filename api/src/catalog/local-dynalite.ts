/**
 * Local mode's catalog: dynalite (the DynamoDB API on LevelDB) in this process, on disk under the
 * data directory, on a loopback port. The API then talks to it with the ordinary DynamoDB client,
 * so local and cloud run the same catalog code.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

type Dynalite = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const dynalite = createRequire(import.meta.url)("dynalite") as Dynalite;

export interface LocalDynalite {
  endpoint: string;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * LevelDB allows one process per directory, and dynalite would only fail on its first request:
 * claim the directory first, with a clear message when another guru-api holds it.
 */
function claim(path: string): () => void {
  const file = join(path, "guru-api.pid");
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(file, "utf8").trim());
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && owner !== process.pid && Number.isInteger(owner) && owner > 0 && alive(owner))
    throw new Error(`another guru-api (pid ${owner}) is using the catalog in ${path}; stop it first`);
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

/** Starts dynalite storing in `path` (in memory when undefined). */
export async function startLocalDynalite(path: string | undefined): Promise<LocalDynalite> {
  let release = () => {};
  if (path !== undefined) {
    mkdirSync(path, { recursive: true });
    release = claim(path);
  }
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => {
          release();
          resolve();
        });
      }),
  };
}
