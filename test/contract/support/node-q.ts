/**
 * node-q 2.7 (CJS, callback API) as a second, independent q client, behind a small promise
 * wrapper. Its quirks (kdb-ipc.md §2) decide what it can send: names as char vectors, JS numbers
 * as floats, Dates as datetimes, timestamps rounded through a double (exact only for values that
 * are multiples of 512 ns near 2024, such as whole seconds), no tables.
 */
import { createRequire } from "node:module";
import type { Target } from "./target.js";

interface Connection {
  k(...args: unknown[]): void;
  close(callback?: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
}

/** The typed wrappers used here; see node-q's lib/typed.js. */
export interface NodeQ {
  connect(params: Record<string, unknown>, callback: (err: Error | undefined, con: Connection) => void): void;
  symbol(s: string): unknown;
  symbols(s: string[]): unknown;
  timestamp(d: Date): unknown;
  timestamps(d: Date[]): unknown;
  floats(n: number[]): unknown;
  ints(n: number[]): unknown;
  int(n: number): unknown;
}

export const nodeq = createRequire(import.meta.url)("node-q") as NodeQ;

export interface NodeQClient {
  /** `con.k(name, args…)`: a sync call; node-q sends `(name as a char vector; args…)`, or the bare string. */
  k(name: string, ...args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

export function connectNodeQ(target: Target): Promise<NodeQClient> {
  return new Promise((resolve, reject) => {
    const login = target.user === "" ? {} : { user: target.user, password: target.password };
    nodeq.connect({ host: target.host, port: target.port, ...login }, (err, con) => {
      if (err) return reject(err);
      con.on("error", () => {});
      resolve({
        k: (name, ...args) =>
          new Promise((done, fail) => {
            con.k(name, ...args, (e: Error | undefined, value: unknown) => (e ? fail(e) : done(value)));
          }),
        close: () => new Promise((done) => con.close(() => done())),
      });
    });
  });
}
