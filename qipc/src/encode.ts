/**
 * Encoder: sizes the value first, then writes it into one buffer of exactly that size, always
 * little-endian (kdb+ and node-q both expect replies in that order).
 */
import { compress } from "./compress.js";
import {
  ENCODED,
  type MsgType,
  type QAtom,
  type QFunction,
  type QTable,
  type QValue,
  type QVector,
  type TypedArray,
  VECTOR_ARRAY,
} from "./types.js";

export const HEADER_SIZE = 8;

const MAX_SIZE = 0x7fffffff;

const INT32_RANGE = [-0x80000000, 0x7fffffff] as const;

/** Ranges of the integral atoms other than int32, checked so nothing wraps silently. */
const SMALL_INT_RANGE: Partial<Record<number, readonly [number, number]>> = {
  [-4]: [0, 0xff],
  [-5]: [-0x8000, 0x7fff],
};

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Encodes a whole IPC message; `compress` applies kdb+'s rules (> 2000 bytes, kept if < half). */
export function encodeMessage(value: QValue, msgType: MsgType, options: { compress?: boolean } = {}): Buffer {
  const buf = encode(value, HEADER_SIZE);
  buf[0] = 1;
  buf[1] = msgType;
  buf[2] = 0;
  buf[3] = 0;
  buf.writeInt32LE(buf.length, 4);
  return (options.compress && compress(buf)) || buf;
}

/** Encodes a bare value (no header), as the body of a message. */
export function encodeValue(value: QValue): Buffer {
  return encode(value, 0);
}

/** Signals that the optimistic pass met a string that is not pure ASCII. */
class NotAscii extends Error {}

/**
 * Whether strings are sized exactly (a scan per string) or optimistically as ASCII (their
 * length). Optimistic sizing halves the cost of symbol-heavy values; the write pass detects
 * non-ASCII and the encode starts over in exact mode. Encoding is synchronous, so a module
 * flag is safe.
 */
let exactStrings = false;

function encode(value: QValue, offset: number): Buffer {
  try {
    return encodeWith(value, offset, false);
  } catch (e) {
    if (!(e instanceof NotAscii)) throw e;
    return encodeWith(value, offset, true);
  }
}

function encodeWith(value: QValue, offset: number, exact: boolean): Buffer {
  exactStrings = exact;
  const size = offset + sizeOf(value);
  if (size > MAX_SIZE) throw new RangeError(`q IPC message of ${size} bytes exceeds the 2 GB limit`);
  const buf = Buffer.allocUnsafe(size);
  const end = write(buf, offset, value);
  // allocUnsafe: a sizing bug must not ship uninitialised memory.
  if (end !== size) throw new Error(`qipc encoder wrote ${end} of ${size} bytes`);
  return buf;
}

/** Encoded size in bytes; also validates the value so that writing cannot fail halfway. */
function sizeOf(v: QValue): number {
  const t = v.type;
  if (t === ENCODED) return v.bytes.length;
  if (t < 0) return t === -128 ? 2 + stringBytes(v.value as string, "error") : 1 + atomSize(v as QAtom);
  if (t === 0) return 6 + sumSizes((v as { value: QValue[] }).value);
  if (t < 20) return 6 + vectorBytes(v as QVector);
  if (t === 98) return tableSize(v as QTable);
  if (t === 99 || t === 127)
    return 1 + sizeOf((v as { keys: QValue }).keys) + sizeOf((v as { values: QValue }).values);
  if (t >= 100 && t <= 112) {
    const raw = (v as { raw: unknown }).raw;
    if (!(raw instanceof Uint8Array)) throw new TypeError(`q function (type ${t}) needs raw bytes`);
    return 1 + raw.length;
  }
  throw new TypeError(`cannot encode q type ${t}`);
}

function sumSizes(items: QValue[]): number {
  if (!Array.isArray(items)) throw new TypeError("general list value must be an array");
  let n = 0;
  for (const item of items) n += sizeOf(item);
  return n;
}

function tableSize(v: QTable): number {
  if (v.columns.length !== v.data.length) {
    throw new TypeError(`table has ${v.columns.length} column names but ${v.data.length} columns`);
  }
  return 3 + 6 + symbolsBytes(v.columns) + 6 + sumSizes(v.data);
}

function atomSize(v: QAtom): number {
  const t = v.type;
  if (t === -11) return stringBytes(v.value, "symbol") + 1; // + its NUL
  if (t === -10) {
    if (typeof v.value !== "string" || v.value.length !== 1 || v.value.charCodeAt(0) > 0xff) {
      throw new TypeError("char atom must be one character in the range 0-255");
    }
    return 1;
  }
  if (t === -2) {
    checkGuid(v.value);
    return 16;
  }
  if (t === -1) {
    if (typeof v.value !== "boolean") throw new TypeError("boolean atom value must be a boolean");
    return 1;
  }
  const array = VECTOR_ARRAY[-t as keyof typeof VECTOR_ARRAY];
  if (array === undefined) throw new TypeError(`cannot encode q atom type ${t}`);
  checkNumeric(t, v.value);
  return array.BYTES_PER_ELEMENT;
}

function checkNumeric(t: number, value: unknown): void {
  if (array64(t)) {
    if (typeof value !== "bigint" || BigInt.asIntN(64, value) !== value) {
      throw new TypeError(`q type ${t} atom needs a bigint in the signed 64-bit range, got ${String(value)}`);
    }
    return;
  }
  if (typeof value !== "number") throw new TypeError(`q type ${t} atom needs a number`);
  if (t === -8 || t === -9 || t === -15) return;
  const range = SMALL_INT_RANGE[t] ?? INT32_RANGE;
  if (!(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
    throw new TypeError(`q type ${t} atom needs an integer in [${range[0]}, ${range[1]}], got ${value}`);
  }
}

function array64(t: number): boolean {
  return t === -7 || t === -12 || t === -16;
}

function vectorBytes(v: QVector): number {
  if (v.type === 11) return symbolsBytes(v.value);
  if (v.type === 2) {
    if (!Array.isArray(v.value)) throw new TypeError("guid vector value must be an array of strings");
    for (const g of v.value) checkGuid(g);
    return 16 * v.value.length;
  }
  const array = VECTOR_ARRAY[v.type];
  if (array === undefined || !(v.value instanceof array)) {
    throw new TypeError(`q vector type ${v.type} needs a ${array?.name ?? "known"} value`);
  }
  return v.value.byteLength;
}

function symbolsBytes(syms: string[]): number {
  if (!Array.isArray(syms)) throw new TypeError("symbol vector value must be an array of strings");
  let n = syms.length;
  for (const s of syms) n += stringBytes(s, "symbol");
  return n;
}

/** UTF-8 length of a string written NUL-terminated, without its NUL. */
function stringBytes(s: string, what: string): number {
  if (typeof s !== "string") throw new TypeError(`${what} must be a string`);
  if (!exactStrings) return s.length;
  if (s.includes("\0")) throw nulInString();
  return Buffer.byteLength(s, "utf8");
}

function nulInString(): TypeError {
  return new TypeError("q symbols and error texts cannot contain a NUL character");
}

function checkGuid(g: unknown): void {
  if (typeof g !== "string" || !GUID_TEXT.test(g)) throw new TypeError(`invalid guid ${String(g)}`);
}

/** Writes `v` at `o` and returns the offset after it. Assumes `sizeOf(v)` validated it. */
function write(buf: Buffer, o: number, v: QValue): number {
  const t = v.type;
  if (t === ENCODED) {
    buf.set(v.bytes, o);
    return o + v.bytes.length;
  }
  buf[o++] = t & 0xff;
  if (t === -128) return writeString(buf, o, v.value);
  if (t < 0) return writeAtom(buf, o, v as QAtom);
  if (t === 0) {
    buf[o++] = v.attr;
    o = buf.writeInt32LE(v.value.length, o);
    for (const item of v.value) o = write(buf, o, item);
    return o;
  }
  if (t < 20) return writeVector(buf, o, v as QVector);
  if (t === 98) {
    buf[o++] = v.attr;
    buf[o++] = 99;
    o = write(buf, o, { type: 11, attr: 0, value: v.columns });
    return write(buf, o, { type: 0, attr: 0, value: v.data });
  }
  if (t === 99 || t === 127) return write(buf, write(buf, o, v.keys), v.values);
  const raw = (v as QFunction).raw;
  buf.set(raw, o);
  return o + raw.length;
}

function writeAtom(buf: Buffer, o: number, v: QAtom): number {
  switch (v.type) {
    case -1:
      buf[o] = v.value ? 1 : 0;
      return o + 1;
    case -2:
      return writeGuid(buf, o, v.value);
    case -4:
      return buf.writeUInt8(v.value, o);
    case -5:
      return buf.writeInt16LE(v.value, o);
    case -7:
    case -12:
    case -16:
      return buf.writeBigInt64LE(v.value, o);
    case -8:
      return buf.writeFloatLE(v.value, o);
    case -9:
    case -15:
      return buf.writeDoubleLE(v.value, o);
    case -10:
      buf[o] = v.value.charCodeAt(0);
      return o + 1;
    case -11:
      return writeString(buf, o, v.value);
    default:
      return buf.writeInt32LE(v.value, o);
  }
}

function writeVector(buf: Buffer, o: number, v: QVector): number {
  buf[o++] = v.attr;
  o = buf.writeInt32LE(v.value.length, o);
  if (v.type === 11) {
    const syms = v.value;
    for (let i = 0; i < syms.length; i++) o = writeString(buf, o, syms[i]!);
    return o;
  }
  if (v.type === 2) {
    for (const g of v.value) o = writeGuid(buf, o, g);
    return o;
  }
  const bytes = asBytes(v.value);
  buf.set(bytes, o);
  return o + bytes.length;
}

/** Host byte order is little-endian on every platform Node supports, so typed arrays copy as is. */
function asBytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes `s` as UTF-8 plus a NUL; ASCII is copied in JS, which beats a native call per string. */
function writeString(buf: Buffer, o: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // One unsigned compare for "NUL or not ASCII": 0 wraps to 2^32 - 1.
    if ((c - 1) >>> 0 >= 0x7f) return writeRest(buf, o, s, i);
    buf[o++] = c;
  }
  buf[o] = 0;
  return o + 1;
}

function writeRest(buf: Buffer, o: number, s: string, from: number): number {
  if (s.includes("\0", from)) throw nulInString();
  if (!exactStrings) throw new NotAscii();
  const end = o + buf.write(s.slice(from), o, "utf8");
  buf[end] = 0;
  return end + 1;
}

function writeGuid(buf: Buffer, o: number, g: string): number {
  const hex = g.replaceAll("-", "");
  return o + buf.write(hex, o, "hex");
}
