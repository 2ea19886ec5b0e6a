/** Series names unique to this run, and schema tables from a compact column list. */
import { randomBytes } from "node:crypto";
import type { QTable } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";

/** One column of a schema: name, q type letter, tag flag. */
export type ColumnSpec = readonly [name: string, letter: string, tag?: boolean];

const RUN = `ct${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
let counter = 0;

/**
 * A series name no other run uses, so the suite can drive a long-lived server. `tag` says
 * which test made it when someone finds one left behind.
 */
export function uniqueName(tag: string): string {
  const name = `${RUN}_${tag}_${counter++}`;
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) throw new Error(`bad test series name ${name}`);
  return name;
}

/** `"host:s* usage:f"` → columns after `time` (`*` marks a tag). */
export function columns(spec: string): ColumnSpec[] {
  return spec
    .split(/\s+/)
    .filter(Boolean)
    .map((item) => {
      const match = /^(\w+):(\w)(\*?)$/.exec(item);
      if (!match) throw new Error(`bad column spec ${item}`);
      return [match[1] as string, match[2] as string, match[3] === "*"] as const;
    });
}

/** The `.guru.create` schema table, exactly as given (no `time` added). */
export function schemaTable(cols: readonly ColumnSpec[]): QTable {
  return q.table({
    name: q.symbols(cols.map(([name]) => name)),
    type: q.string(cols.map(([, letter]) => letter).join("")),
    tag: q.booleans(cols.map(([, , tag]) => tag === true)),
  });
}

/** A valid schema: `time` then the columns of `spec`. */
export function seriesSchema(spec: string): QTable {
  return schemaTable([["time", "p", false], ...columns(spec)]);
}
