/**
 * Query results (q tables of typed vectors) into the REST formats, exactly: timestamps as RFC 3339
 * with nine fraction digits (or integer strings since 1970 in the `epoch` unit), longs and
 * timespans as strings (a JSON number would round them past 2^53), q nulls as null (empty in CSV),
 * NaN as null, infinities as the strings "Infinity" / "-Infinity".
 */

import type { TypeName } from "../../../q-api/src/index.js";
import {
  LONG_NULL,
  NULL,
  type QList,
  type QTable,
  type QValue,
  type QVector,
  timestampToString,
  UNIX_EPOCH_OFFSET_NS,
} from "../../../qipc/src/index.js";
import type { Precision } from "../points/point-values.js";

export type Cell = string | number | boolean | null;

export interface ResultColumn {
  name: string;
  type: TypeName;
  cell: (row: number) => Cell;
}

const EPOCH_UNIT: Record<Precision, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n };
const utf8 = new TextDecoder();

function floorDiv(a: bigint, b: bigint): bigint {
  const d = a / b;
  return a % b < 0n ? d - 1n : d;
}

function float(v: number): Cell {
  if (Number.isNaN(v)) return null;
  return Number.isFinite(v) ? v : v > 0 ? "Infinity" : "-Infinity";
}

/** The shortest decimal that reads back as the same 32-bit float (0.1, not 0.10000000149011612). */
function real(v: number): Cell {
  if (!Number.isFinite(v)) return float(v);
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (Math.fround(shorter) === v) return shorter;
  }
  return v;
}

function timestampCell(epoch: Precision | undefined): (ns: bigint) => Cell {
  if (epoch === undefined) {
    // grouped results repeat each bucket's start on every group's row, one after the other
    let last: bigint | undefined;
    let text: string | null = null;
    return (ns) => {
      if (ns !== last) {
        last = ns;
        text = timestampToString(ns);
      }
      return text;
    };
  }
  const unit = EPOCH_UNIT[epoch];
  return (ns) => (ns === LONG_NULL ? null : String(floorDiv(ns + UNIX_EPOCH_OFFSET_NS, unit)));
}

function columnOf(name: string, data: QValue, epoch: Precision | undefined): ResultColumn {
  if (data.type === 0) {
    const items = (data as QList).value as QVector[];
    return { name, type: "string", cell: (r) => utf8.decode(items[r]!.value as Uint8Array) };
  }
  const v = (data as QVector).value;
  switch (data.type) {
    case 1:
      return { name, type: "boolean", cell: (r) => (v as Uint8Array)[r] === 1 };
    case 6:
      return {
        name,
        type: "int",
        cell: (r) => ((v as Int32Array)[r] === NULL.int ? null : (v as Int32Array)[r]!),
      };
    case 7:
    case 16: {
      const a = v as BigInt64Array;
      return {
        name,
        type: data.type === 7 ? "long" : "timespan",
        cell: (r) => (a[r] === LONG_NULL ? null : String(a[r])),
      };
    }
    case 8:
      return { name, type: "real", cell: (r) => real((v as Float32Array)[r]!) };
    case 9:
      return { name, type: "float", cell: (r) => float((v as Float64Array)[r]!) };
    case 11:
      return { name, type: "symbol", cell: (r) => (v as string[])[r] || null };
    case 12: {
      const a = v as BigInt64Array;
      const cell = timestampCell(epoch);
      return { name, type: "timestamp", cell: (r) => cell(a[r]!) };
    }
    default:
      throw new Error(`unexpected q type ${data.type} in column ${name}`);
  }
}

export function resultColumns(table: QTable, epoch: Precision | undefined): ResultColumn[] {
  return table.columns.map((name, i) => columnOf(name, table.data[i]!, epoch));
}

export function rowCount(table: QTable): number {
  const first = table.data[0] as QVector | QList | undefined;
  return first === undefined ? 0 : first.value.length;
}

export function columnsMeta(columns: ResultColumn[]) {
  return columns.map((c) => ({ name: c.name, type: c.type }));
}

export function columnar(columns: ResultColumn[], rows: number): Record<string, Cell[]> {
  return Object.fromEntries(columns.map((c) => [c.name, Array.from({ length: rows }, (_, r) => c.cell(r))]));
}

export function rowObjects(columns: ResultColumn[], rows: number): Record<string, Cell>[] {
  return Array.from({ length: rows }, (_, r) => Object.fromEntries(columns.map((c) => [c.name, c.cell(r)])));
}

export function jsonLines(columns: ResultColumn[], rows: number): string {
  let out = "";
  for (let r = 0; r < rows; r++) {
    const row: Record<string, Cell> = {};
    for (const c of columns) row[c.name] = c.cell(r);
    out += `${JSON.stringify(row)}\n`;
  }
  return out;
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(v: Cell): string {
  if (v === null) return "";
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvHeader(columns: ResultColumn[]): string {
  return `${columns.map((c) => csvField(c.name)).join(",")}\r\n`;
}

export function csvRows(columns: ResultColumn[], rows: number): string {
  let out = "";
  for (let r = 0; r < rows; r++) out += `${columns.map((c) => csvField(c.cell(r))).join(",")}\r\n`;
  return out;
}
