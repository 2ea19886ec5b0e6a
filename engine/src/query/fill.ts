/**
 * `fill` for bucketed results (docs/q-api.md, fill): every group gets every bucket of the range,
 * and empty buckets take values by the chosen rule. The output comes out already in result order.
 */

import { type AggFn, type Fill, qFail, type TypeLetter } from "../../../q-api/src/index.js";
import { INT_NULL, LONG_NULL } from "../../../qipc/src/index.js";
import { nullOf, type RawColumn } from "../store/result-columns.js";
import { cell, setCell, take } from "./columns.js";

export interface Grouped {
  rows: number;
  bucket: BigInt64Array;
  /** symbol id columns of `by` */
  groups: Int32Array[];
  values: RawColumn[];
}

export interface FillOptions {
  width: bigint;
  start: bigint | null;
  end: bigint | null;
  mode: Exclude<Fill, "none">;
  descending: boolean;
  /** true when the query has `by`: then only groups with data appear */
  grouped: boolean;
  outputs: readonly { fn: AggFn; letter: TypeLetter }[];
  ranks: Int32Array;
  maxRows: number;
}

/** Start of the bucket holding `t`: a floored modulo, as q's xbar. */
export function xbar(t: bigint, width: bigint): bigint {
  return t - (((t % width) + width) % width);
}

export function fillBuckets(input: Grouped, options: FillOptions): Grouped {
  const range = bucketRange(input, options);
  const groupRows = groupsOf(input, options);
  if (range === null || groupRows.length === 0) return { ...input, rows: 0, bucket: new BigInt64Array(0) };
  const { first, count } = range;
  const total = groupRows.length * count;
  if (total > options.maxRows) throw qFail("guru.query.limit", `${total} filled rows`);

  // slot[g * count + k]: the input row of group g's bucket k, or -1
  const slot = new Int32Array(total).fill(-1);
  groupRows.forEach((rows, g) => {
    for (const row of rows)
      slot[g * count + Number(((input.bucket[row] as bigint) - first) / options.width)] = row;
  });
  const order = groupOrder(input, groupRows, options.ranks);

  const outBucket = new BigInt64Array(total);
  const outSlot = new Int32Array(total);
  let r = 0;
  for (let p = 0; p < count; p++) {
    const k = options.descending ? count - 1 - p : p;
    for (const g of order) {
      outBucket[r] = first + BigInt(k) * options.width;
      outSlot[r++] = g * count + k;
    }
  }
  // a group's `by` values, taken from any of its rows
  const groupIndex = Int32Array.from(outSlot, (s) => groupRows[Math.floor(s / count)]?.[0] ?? -1);
  return {
    rows: total,
    bucket: outBucket,
    groups: input.groups.map((ids) => take(ids, "s", groupIndex) as Int32Array),
    values: input.values.map((column, i) => {
      const output = options.outputs[i] as { fn: AggFn; letter: TypeLetter };
      return fillColumn(column, output, slot, outSlot, count, options.mode);
    }),
  };
}

function bucketRange(input: Grouped, options: FillOptions): { first: bigint; count: number } | null {
  const { width } = options;
  let lo = options.start === null ? null : xbar(options.start, width);
  let hi = options.end === null ? null : xbar(options.end - 1n, width);
  for (const b of input.bucket) {
    if (options.start === null && (lo === null || b < lo)) lo = b;
    if (options.end === null && (hi === null || b > hi)) hi = b;
  }
  if (lo === null || hi === null || hi < lo) return null;
  return { first: lo, count: Number((hi - lo) / width) + 1 };
}

/** Input rows of each group; without `by` the one group exists even when empty. */
function groupsOf(input: Grouped, options: FillOptions): number[][] {
  if (!options.grouped) return [Array.from({ length: input.rows }, (_, i) => i)];
  const byKey = new Map<string, number[]>();
  for (let row = 0; row < input.rows; row++) {
    const key = input.groups.map((ids) => ids[row]).join(",");
    const rows = byKey.get(key);
    if (rows === undefined) byKey.set(key, [row]);
    else rows.push(row);
  }
  return [...byKey.values()];
}

/** Groups ascending by their `by` values' symbol text. */
function groupOrder(input: Grouped, groupRows: number[][], ranks: Int32Array): number[] {
  const keyOf = (g: number) => input.groups.map((ids) => ranks[ids[groupRows[g]?.[0] ?? 0] ?? 0] ?? 0);
  const keys = groupRows.map((_, g) => keyOf(g));
  return groupRows
    .map((_, g) => g)
    .sort((a, b) => {
      const ka = keys[a] as number[];
      const kb = keys[b] as number[];
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] as number) - (kb[i] as number);
      return 0;
    });
}

function fillColumn(
  column: RawColumn,
  output: { fn: AggFn; letter: TypeLetter },
  slot: Int32Array,
  outSlot: Int32Array,
  count: number,
  mode: Exclude<Fill, "none">,
): RawColumn {
  const { letter } = output;
  const out = take(
    column,
    letter,
    Int32Array.from(outSlot, (s) => slot[s] as number),
  );
  const empty = emptyValue(output.fn, letter, mode);
  outSlot.forEach((s, r) => {
    if ((slot[s] as number) >= 0) return;
    const k = s % count;
    const base = s - k;
    if (mode === "prev") {
      const prev = neighbour(slot, base, k, -1, count);
      setCell(out, r, prev === null ? empty : cell(column, prev.row));
    } else if (mode === "linear" && INTERPOLATED.has(letter)) {
      const before = neighbour(slot, base, k, -1, count);
      const after = neighbour(slot, base, k, 1, count);
      setCell(
        out,
        r,
        before === null || after === null
          ? empty
          : interpolate(
              letter,
              cell(column, before.row),
              cell(column, after.row),
              k - before.k,
              after.k - before.k,
            ),
      );
    } else setCell(out, r, empty);
  });
  return out;
}

const INTERPOLATED = new Set<TypeLetter>(["i", "j", "e", "f", "p", "n"]);

function neighbour(slot: Int32Array, base: number, k: number, step: 1 | -1, count: number) {
  for (let j = k + step; j >= 0 && j < count; j += step) {
    const row = slot[base + j] as number;
    if (row >= 0) return { row, k: j };
  }
  return null;
}

/**
 * The value of an empty bucket no rule fills: an empty group's aggregate (`count`, `sum` 0), or
 * zero; `linear` leaves it null, `count` and `sum` too, as InfluxDB's fill(linear) does.
 */
function emptyValue(
  fn: AggFn,
  letter: TypeLetter,
  mode: Exclude<Fill, "none">,
): number | bigint | Uint8Array {
  const zero = mode === "zero" || (mode !== "linear" && (fn === "count" || fn === "sum"));
  if (letter === "C") return new Uint8Array(0);
  if (!zero || letter === "p" || letter === "s") return nullOf(letter);
  return letter === "j" || letter === "n" ? 0n : 0;
}

/** `a + ((b - a) * dk) % span`: float arithmetic for `e f`, floored integer division otherwise. */
function interpolate(
  letter: TypeLetter,
  a: number | bigint | Uint8Array,
  b: number | bigint | Uint8Array,
  dk: number,
  span: number,
): number | bigint {
  if (letter === "e" || letter === "f") {
    const v = (a as number) + (((b as number) - (a as number)) * dk) / span;
    return letter === "e" ? Math.fround(v) : v;
  }
  if (letter === "i") {
    if (a === INT_NULL || b === INT_NULL) return INT_NULL;
    return Number(floorDiv(BigInt(a as number), BigInt(b as number), dk, span));
  }
  if (a === LONG_NULL || b === LONG_NULL) return LONG_NULL;
  return floorDiv(a as bigint, b as bigint, dk, span);
}

function floorDiv(a: bigint, b: bigint, dk: number, span: number): bigint {
  const x = (b - a) * BigInt(dk);
  const y = BigInt(span);
  let q = x / y;
  if (x % y !== 0n && x < 0n) q -= 1n;
  return a + q;
}
