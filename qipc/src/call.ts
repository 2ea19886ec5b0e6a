/**
 * The request shape for calling a named function (kdb-ipc.md §1.9): a general list whose first
 * item names the function, followed by its arguments. kdb+ evaluates it as `name[args…]`.
 */
import type { QList, QValue } from "./types.js";
import { q } from "./values.js";

export interface QCall {
  name: string;
  args: QValue[];
}

/**
 * Builds `(\`name; args…)` with the name as a symbol atom, as a q client would send it. With no
 * arguments it sends `(\`name; ::)`, i.e. `name[::]`: a bare `` `name `` would only look the
 * function up, never call it.
 */
export function buildCall(name: string, args: readonly QValue[]): QList {
  return q.list(q.symbol(name), ...(args.length === 0 ? [q.nil] : args));
}

/**
 * Reads a call out of a request, or null when it is not one. The name may be a symbol (our
 * client, q's `` h(`f;x) ``) or a char vector (node-q's `con.k("f", x)`). q collapses a call
 * whose arguments are all symbols, `` h(`f;`x) ``, into the symbol vector `` `f`x ``: that is the
 * same call, with symbol atoms as its arguments.
 */
export function parseCall(value: QValue): QCall | null {
  if (value.type === 11) {
    const [name, ...args] = value.value;
    return name === undefined ? null : { name, args: args.map(q.symbol) };
  }
  if (value.type !== 0) return null;
  const [head, ...args] = value.value;
  if (head === undefined) return null;
  if (head.type === -11) return { name: head.value, args };
  if (head.type === 10) return { name: Buffer.from(head.value).toString("utf8"), args };
  return null;
}

/** `::` under the name other modules already import; the same object as `q.nil`. */
export const GENERIC_NULL = q.nil;
