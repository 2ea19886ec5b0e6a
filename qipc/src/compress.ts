/**
 * kdb+ IPC compression (the LZ77 variant of KX's c.java, "algorithm 1"), byte-identical to what
 * kdb+ produces. Both functions take and return whole messages, header included.
 */
import { QDecodeError } from "./types.js";

/** kdb+ leaves messages of this many bytes or fewer uncompressed. */
export const COMPRESS_THRESHOLD = 2000;

/** kdb+'s own ceiling on a message with capability ≤ 3. */
export const MAX_MESSAGE_SIZE = 0x7fffffff;

/** A back-reference is 3 stream bytes producing at most 257 output bytes. */
const MAX_EXPANSION = 86;

function readLength(msg: Buffer, offset: number): number {
  return msg[0] === 0 ? msg.readInt32BE(offset) : msg.readInt32LE(offset);
}

function writeLength(msg: Buffer, value: number, offset: number): void {
  if (msg[0] === 0) msg.writeInt32BE(value, offset);
  else msg.writeInt32LE(value, offset);
}

/**
 * Compresses a whole message the way kdb+ does, or returns null when kdb+ would send it as is:
 * 2000 bytes or fewer, or a result not under half the original size.
 */
export function compress(msg: Buffer): Buffer | null {
  const t = msg.length;
  if (t <= COMPRESS_THRESHOLD) return null;
  const out = Buffer.alloc(t >> 1);
  const budget = out.length;
  msg.copy(out, 0, 0, 4);
  out[2] = 1;
  writeLength(out, t, 8);
  const table = new Int32Array(256);
  let c = 12;
  let d = 12;
  let f = 0;
  let bit = 0;
  let s = 8;
  let s0 = 0;
  let h0 = 0;
  let h = 0;
  while (s < t) {
    if (bit === 0) {
      if (d > budget - 17) return null;
      bit = 1;
      out[c] = f;
      c = d++;
      f = 0;
    }
    let p = 0;
    // The last two bytes are always literals, and then `h` keeps the previous pair's hash, which
    // kdb+ still records in the deferred insert below.
    let literal = s > t - 3;
    if (!literal) {
      h = msg[s]! ^ msg[s + 1]!;
      p = table[h]!;
      literal = p === 0 || msg[s] !== msg[p];
    }
    if (s0 > 0) {
      table[h0] = s0;
      s0 = 0;
    }
    if (literal) {
      h0 = h;
      s0 = s;
      out[d++] = msg[s++]!;
    } else {
      table[h] = s;
      f |= bit;
      p += 2;
      s += 2;
      const r = s;
      const q = Math.min(s + 255, t);
      while (msg[p] === msg[s] && ++s < q) ++p;
      out[d++] = h;
      out[d++] = s - r;
    }
    bit = (bit << 1) & 0xff;
  }
  out[c] = f;
  writeLength(out, d, 4);
  return out.subarray(0, d);
}

/**
 * Inverts `compress`. Validates as it goes, so a hostile stream ends in QDecodeError, never in
 * a hang, an out-of-range read or a huge allocation: the declared size is capped by `maxSize`
 * and by what the stream could possibly expand to.
 */
export function decompress(msg: Buffer, maxSize = MAX_MESSAGE_SIZE): Buffer {
  if (msg.length < 12) throw new QDecodeError(`compressed message too short: ${msg.length} bytes`);
  const size = readLength(msg, 8);
  const limit = Math.min(maxSize, 8 + (msg.length - 12) * MAX_EXPANSION);
  if (size <= 8 || size > limit) {
    throw new QDecodeError(`compressed message declares ${size} bytes uncompressed (limit ${limit})`);
  }
  const out = Buffer.allocUnsafe(size);
  msg.copy(out, 0, 0, 8);
  out[2] = 0;
  writeLength(out, size, 4);
  inflate(msg, out);
  return out;
}

function inflate(msg: Buffer, out: Buffer): void {
  const size = out.length;
  const end = msg.length;
  const table = new Int32Array(256);
  let s = 8;
  let p = 8;
  let d = 12;
  let flags = 0;
  let bit = 0;
  while (s < size) {
    if (bit === 0) {
      if (d >= end) throw truncated();
      flags = msg[d++]!;
      bit = 1;
    }
    const isRef = (flags & bit) !== 0;
    let n = 0;
    if (isRef) {
      if (d + 1 >= end) throw truncated();
      let r = table[msg[d++]!]!;
      n = msg[d++]!;
      if (r === 0) throw new QDecodeError("compressed stream refers to an unseen byte pair");
      if (s + 2 + n > size) throw new QDecodeError("compressed stream overruns its declared size");
      out[s++] = out[r++]!;
      out[s++] = out[r++]!;
      // Source and destination may overlap (runs), so copy byte by byte like kdb+.
      for (let m = 0; m < n; m++) out[s + m] = out[r + m]!;
    } else {
      if (d >= end) throw truncated();
      out[s++] = msg[d++]!;
    }
    while (p < s - 1) {
      table[out[p]! ^ out[p + 1]!] = p++;
    }
    if (isRef) {
      s += n;
      p = s;
    }
    bit = (bit << 1) & 0xff;
  }
}

function truncated(): QDecodeError {
  return new QDecodeError("compressed stream ends early");
}
