/**
 * Paging cursors: opaque text holding the position and a fingerprint of the query, so a cursor
 * is refused for any other query (or another incarnation of the series).
 */
import { createHash } from "node:crypto";
import { qFail } from "../../../q-api/src/index.js";
import type { QuerySpec } from "./spec.js";

export type Position = { kind: "raw"; time: bigint; skip: number } | { kind: "offset"; offset: number };

interface Encoded {
  q: string;
  t?: string;
  k?: number;
  o?: number;
}

/** Everything that shapes the result except the page size and the cursor itself. */
function fingerprint(spec: QuerySpec): string {
  const shape = {
    series: spec.series.id,
    start: spec.start,
    end: spec.end,
    columns: spec.columns.map((c) => c.name),
    where: spec.where.map((w) => [w.column.name, w.op, w.value]),
    by: spec.by.map((c) => c.name),
    bucket: spec.bucket,
    agg: spec.agg?.map((a) => [a.output, a.fn, a.column.name]) ?? null,
    fill: spec.fill,
    order: spec.order,
  };
  const text = JSON.stringify(shape, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

export function encodeCursor(spec: QuerySpec, position: Position): string {
  const body: Encoded =
    position.kind === "raw"
      ? { q: fingerprint(spec), t: String(position.time), k: position.skip }
      : { q: fingerprint(spec), o: position.offset };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodeCursor(spec: QuerySpec, cursor: string): Position {
  const bad = () => qFail("guru.arg", "cursor");
  let body: Encoded;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Encoded;
  } catch {
    throw bad();
  }
  if (typeof body !== "object" || body === null || body.q !== fingerprint(spec)) throw bad();
  if (
    typeof body.t === "string" &&
    /^-?\d+$/.test(body.t) &&
    Number.isSafeInteger(body.k) &&
    (body.k as number) >= 0
  ) {
    return { kind: "raw", time: BigInt(body.t), skip: body.k as number };
  }
  if (Number.isSafeInteger(body.o) && (body.o as number) >= 0)
    return { kind: "offset", offset: body.o as number };
  throw bad();
}
