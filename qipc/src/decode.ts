/**
 * Decoder. Every count is checked against the bytes left before anything is allocated, nesting
 * is bounded, and every failure is a QDecodeError. Little-endian vectors at aligned offsets are
 * zero-copy views of the input buffer.
 */
import { decompress, MAX_MESSAGE_SIZE } from "./compress.js";
import { encodeValue, HEADER_SIZE } from "./encode.js";
import {
  type Attr,
  type MsgType,
  type QAtom,
  QDecodeError,
  type QDict,
  type QFunction,
  type QTable,
  type QValue,
  type QVector,
  type TypedArray,
  VECTOR_ARRAY,
} from "./types.js";

export { QDecodeError } from "./types.js";

export interface DecodeOptions {
  /** Largest uncompressed size a compressed message may declare (default: kdb+'s 2 GB − 1). */
  maxSize?: number;
}

/** Deeper than any real q value; keeps hostile input from exhausting the stack. */
const MAX_DEPTH = 512;

/** Symbol vectors at least this long go through the interning cache (a per-message cost). */
const CACHED_SYMBOLS_MIN = 1024;
const SYMBOL_CACHE_SLOTS = 4096;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Total message length from an 8-byte header, honouring its endianness byte. */
export function messageLength(header: Buffer): number {
  if (header.length < HEADER_SIZE) throw new QDecodeError(`header needs 8 bytes, got ${header.length}`);
  const length = isLittle(header) ? header.readInt32LE(4) : header.readInt32BE(4);
  if (length < HEADER_SIZE + 1) throw new QDecodeError(`invalid message length ${length}`);
  return length;
}

/** Decodes a whole message (header included), decompressing it when byte 2 says so. */
export function decodeMessage(msg: Buffer, options: DecodeOptions = {}): { msgType: MsgType; value: QValue } {
  const length = messageLength(msg);
  if (length !== msg.length) throw new QDecodeError(`header says ${length} bytes, message has ${msg.length}`);
  const msgType = msg[1]!;
  if (msgType > 2) throw new QDecodeError(`invalid message type ${msgType}`);
  const flag = msg[2];
  if (flag !== 0 && flag !== 1) throw new QDecodeError(`invalid compression flag ${flag}`);
  const body = flag === 1 ? decompress(msg, options.maxSize ?? MAX_MESSAGE_SIZE) : msg;
  return { msgType: msgType as MsgType, value: new Reader(body, HEADER_SIZE, isLittle(msg)).whole() };
}

/** Decodes a bare value (no header). */
export function decodeValue(bytes: Buffer, littleEndian = true): QValue {
  return new Reader(bytes, 0, littleEndian).whole();
}

function isLittle(header: Buffer): boolean {
  const e = header[0];
  if (e !== 0 && e !== 1) throw new QDecodeError(`invalid endianness byte ${e}`);
  return e === 1;
}

class Reader {
  readonly buf: Buffer;
  readonly view: DataView;
  readonly little: boolean;
  pos: number;
  depth = 0;

  constructor(buf: Buffer, pos: number, little: boolean) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.little = little;
    this.pos = pos;
  }

  whole(): QValue {
    const value = this.value();
    if (this.pos !== this.buf.length) {
      throw new QDecodeError(`${this.buf.length - this.pos} unexpected bytes after the value at ${this.pos}`);
    }
    return value;
  }

  value(): QValue {
    const t = this.int8();
    if (t === -128) return { type: -128, value: this.cstring() };
    if (t < 0) return this.atom(t);
    if (t === 0) return this.nested(() => this.list());
    if (t < 20) return this.vector(t);
    if (t === 98) return this.nested(() => this.table());
    if (t === 99 || t === 127) return this.nested(() => this.dict(t));
    if (t >= 100 && t <= 112) return this.nested(() => this.func(t as QFunction["type"]));
    if (t <= 76)
      throw new QDecodeError(`enumeration (type ${t}) at ${this.pos - 1}: never valid on the wire`);
    throw new QDecodeError(`unknown q type ${t} at ${this.pos - 1}`);
  }

  private nested<V>(read: () => V): V {
    if (++this.depth > MAX_DEPTH) throw new QDecodeError(`value nested deeper than ${MAX_DEPTH}`);
    const v = read();
    this.depth--;
    return v;
  }

  private dict(t: 99 | 127): QDict {
    const keys = this.value();
    return { type: t, keys, values: this.value() };
  }

  private atom(t: number): QValue {
    const v = this.view;
    const o = this.pos;
    switch (t) {
      case -1:
        return { type: -1, value: this.take(1) && this.buf[o] !== 0 };
      case -2:
        return { type: -2, value: this.guid() };
      case -4:
        return { type: -4, value: this.take(1) && this.buf[o]! };
      case -5:
        return { type: -5, value: this.take(2) && v.getInt16(o, this.little) };
      case -6:
      case -13:
      case -14:
      case -17:
      case -18:
      case -19:
        return { type: t, value: this.take(4) && v.getInt32(o, this.little) } as QAtom;
      case -7:
      case -12:
      case -16:
        return { type: t, value: this.take(8) && v.getBigInt64(o, this.little) } as QAtom;
      case -8:
        return { type: -8, value: this.take(4) && v.getFloat32(o, this.little) };
      case -9:
      case -15:
        return { type: t, value: this.take(8) && v.getFloat64(o, this.little) } as QAtom;
      case -10:
        return { type: -10, value: this.take(1) && String.fromCharCode(this.buf[o]!) };
      case -11:
        return { type: -11, value: this.cstring() };
      default:
        throw new QDecodeError(`unknown q atom type ${t} at ${o - 1}`);
    }
  }

  private list(): QValue {
    const attr = this.attr();
    // Every object takes at least 2 bytes, which bounds a lying count before allocating.
    const n = this.count(2);
    const items = new Array<QValue>(n);
    for (let i = 0; i < n; i++) items[i] = this.value();
    return { type: 0, attr, value: items };
  }

  private vector(t: number): QVector {
    const attr = this.attr();
    if (t === 11) return { type: 11, attr, value: this.symbols(this.count(1)) };
    if (t === 2) {
      const n = this.count(16);
      const value = new Array<string>(n);
      for (let i = 0; i < n; i++) value[i] = this.guid();
      return { type: 2, attr, value };
    }
    const array = VECTOR_ARRAY[t as keyof typeof VECTOR_ARRAY];
    if (array === undefined) throw new QDecodeError(`unknown q vector type ${t} at ${this.pos - 2}`);
    return { type: t, attr, value: this.typedArray(array, this.count(array.BYTES_PER_ELEMENT)) } as QVector;
  }

  private table(): QTable {
    const attr = this.attr();
    if (this.int8() !== 99) throw new QDecodeError(`table at ${this.pos - 3} does not hold a dictionary`);
    const keys = this.value();
    const values = this.value();
    if (keys.type !== 11 || values.type !== 0 || keys.value.length !== values.value.length) {
      throw new QDecodeError("table must map a symbol vector to a general list of as many columns");
    }
    return { type: 98, attr, columns: keys.value, data: values.value };
  }

  /** Functions stay opaque, but their extent must be known to skip them. */
  private func(t: QFunction["type"]): QFunction {
    const start = this.pos;
    let prefixEnd = start;
    let parts: QValue[] = [];
    if (t === 100) {
      this.cstring();
      prefixEnd = this.pos;
      parts = [this.value()];
    } else if (t <= 103) {
      prefixEnd = this.take(1) && this.pos;
    } else if (t <= 105) {
      const n = this.count(2);
      for (let i = 0; i < n; i++) parts.push(this.value());
    } else if (t <= 111) {
      parts = [this.value()];
    } else {
      throw new QDecodeError("nyi: dynamic-load functions (type 112) cannot be decoded");
    }
    return {
      type: t,
      raw: new Uint8Array(
        this.little ? this.buf.subarray(start, this.pos) : this.littleRaw(t, start, prefixEnd, parts),
      ),
    };
  }

  /** Big-endian raw bytes would be misread once re-sent little-endian, so re-encode the parts. */
  private littleRaw(t: number, start: number, prefixEnd: number, parts: QValue[]): Buffer {
    const prefix = Buffer.from(this.buf.subarray(start, prefixEnd));
    const count = t === 104 || t === 105 ? [Buffer.from(Int32Array.of(parts.length).buffer)] : [];
    return Buffer.concat([prefix, ...count, ...parts.map(encodeValue)]);
  }

  private typedArray(array: (typeof VECTOR_ARRAY)[keyof typeof VECTOR_ARRAY], n: number): TypedArray {
    const size = array.BYTES_PER_ELEMENT;
    const bytes = n * size;
    const start = this.pos;
    this.take(bytes);
    const at = this.buf.byteOffset + start;
    if (this.little && at % size === 0) return new array(this.buf.buffer, at, n);
    // Every byte is overwritten, so skip the zero-fill a typed-array constructor would do.
    const dst = Buffer.allocUnsafeSlow(bytes);
    this.buf.copy(dst, 0, start, start + bytes);
    if (!this.little && size > 1) swapBytes(dst, size);
    return new array(dst.buffer, 0, n);
  }

  private symbols(n: number): string[] {
    const out = new Array<string>(n);
    if (n < CACHED_SYMBOLS_MIN) {
      for (let i = 0; i < n; i++) out[i] = this.cstring();
      return out;
    }
    const end = readSymbols(this.buf, this.pos, out);
    if (end < 0) throw new QDecodeError(`truncated: symbol vector at ${this.pos} lacks its NUL terminators`);
    this.pos = end;
    return out;
  }

  private guid(): string {
    const b = this.buf;
    let o = this.pos;
    this.take(16);
    let s = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
      s += HEX[b[o++]!];
    }
    return s;
  }

  private cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw this.truncated(this.pos, this.buf.length - this.pos + 1);
    const s = this.buf.toString("utf8", this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private attr(): Attr {
    const a = this.int8();
    if (a < 0 || a > 4) throw new QDecodeError(`invalid attribute ${a} at ${this.pos - 1}`);
    return a as Attr;
  }

  /** Reads a count and checks that `minItemBytes` per item could still follow. */
  private count(minItemBytes: number): number {
    const o = this.pos;
    this.take(4);
    const n = this.view.getInt32(o, this.little);
    if (n < 0) throw new QDecodeError(`negative count ${n} at ${o}`);
    if (n * minItemBytes > this.buf.length - this.pos) throw this.truncated(this.pos, n * minItemBytes);
    return n;
  }

  private int8(): number {
    this.take(1);
    return this.view.getInt8(this.pos - 1);
  }

  /** Advances past `n` bytes that must exist; returns true so it can prefix an expression. */
  private take(n: number): true {
    if (this.pos + n > this.buf.length) throw this.truncated(this.pos, n);
    this.pos += n;
    return true;
  }

  private truncated(at: number, need: number): QDecodeError {
    return new QDecodeError(`truncated: ${need} bytes needed at offset ${at}, ${this.buf.length - at} left`);
  }
}

/**
 * Fills `out` with the symbols starting at `pos`; returns the offset after them, or -1 if cut
 * short. q symbols are interned and vectors of them repeat a few values, so each distinct byte
 * string is decoded once through a small cache. Its key is the symbol's length and last 8
 * bytes: for symbols of 8 bytes or fewer that is the whole symbol (bytes are never 0), so only
 * longer ones need a byte compare. The cache lives in this function so the optimiser knows its
 * size and drops the bounds checks.
 */
function readSymbols(buf: Buffer, pos: number, out: string[]): number {
  const starts = new Int32Array(SYMBOL_CACHE_SLOTS);
  const lengths = new Int32Array(SYMBOL_CACHE_SLOTS).fill(-1);
  const lastBytes = new Int32Array(SYMBOL_CACHE_SLOTS);
  const prevBytes = new Int32Array(SYMBOL_CACHE_SLOTS);
  const strings = new Array<string>(SYMBOL_CACHE_SLOTS).fill("");
  const end = buf.length;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    // `last4` and `prev4` shift in the bytes, ending as the last 8 bytes of the symbol.
    let last4 = 0;
    let prev4 = 0;
    let j = pos;
    for (; j < end; j++) {
      const c = buf[j]!;
      if (c === 0) break;
      prev4 = (prev4 << 8) | (last4 >>> 24);
      last4 = (last4 << 8) | c;
    }
    if (j === end) return -1;
    const len = j - pos;
    const slot = (last4 ^ (last4 >>> 15) ^ Math.imul(prev4 ^ len, 0x9e3779b1)) & (SYMBOL_CACHE_SLOTS - 1);
    if (
      lengths[slot] === len &&
      lastBytes[slot] === last4 &&
      prevBytes[slot] === prev4 &&
      (len <= 8 || sameBytes(buf, starts[slot]!, pos, len - 8))
    ) {
      out[i] = strings[slot]!;
    } else {
      const s = buf.toString("utf8", pos, j);
      starts[slot] = pos;
      lengths[slot] = len;
      lastBytes[slot] = last4;
      prevBytes[slot] = prev4;
      strings[slot] = s;
      out[i] = s;
    }
    pos = j + 1;
  }
  return pos;
}

function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
