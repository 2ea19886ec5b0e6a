/**
 * Cutting a byte stream into q IPC messages. Chunks are kept in a list and copied once, into the
 * message they belong to, so a message spread over thousands of socket reads costs linear time
 * (node-q re-copies its whole buffer on every read, which is quadratic: kdb-ipc.md §2.6).
 */

import { HEADER_SIZE as HEADER_BYTES } from "./encode.js";

/** A compressed message also holds its uncompressed length right after the header. */
const COMPRESSED_PREFIX_BYTES = 12;

export interface FrameHeader {
  littleEndian: boolean;
  /** 0 async, 1 sync, 2 response */
  msgType: number;
  compressed: boolean;
  /** total length including the header (the compressed length when compressed) */
  length: number;
}

export interface Frame {
  header: FrameHeader;
  /** the whole message, header included, as the codec's `decodeMessage` takes it */
  bytes: Buffer;
}

/**
 * The stream can't be read on: `limit` when a message is larger than allowed, `badmsg` when its
 * header is not a q IPC header. `msgType` is the header's message type when it is a valid one, so
 * a server knows whether a sync request is waiting for an answer.
 */
export class FrameError extends Error {
  readonly reason: "limit" | "badmsg";
  readonly msgType: number | undefined;

  constructor(reason: "limit" | "badmsg", message: string, msgType?: number) {
    super(message);
    this.name = "FrameError";
    this.reason = reason;
    this.msgType = msgType;
  }
}

function readInt32(bytes: Buffer, offset: number, littleEndian: boolean): number {
  return littleEndian ? bytes.readInt32LE(offset) : bytes.readInt32BE(offset);
}

/** Reads and checks an 8-byte header; throws `FrameError` when it can't be a q IPC header. */
export function parseFrameHeader(bytes: Buffer, maxMessageBytes: number): FrameHeader {
  const endian = bytes[0];
  const msgType = bytes[1] ?? -1;
  const compressed = bytes[2];
  const validType = msgType >= 0 && msgType <= 2 ? msgType : undefined;
  if ((endian !== 0 && endian !== 1) || validType === undefined || (compressed !== 0 && compressed !== 1)) {
    throw new FrameError("badmsg", "not a q IPC message header", validType);
  }
  const littleEndian = endian === 1;
  const length = readInt32(bytes, 4, littleEndian);
  const minimum = compressed === 1 ? COMPRESSED_PREFIX_BYTES + 1 : HEADER_BYTES + 1;
  if (length < minimum) throw new FrameError("badmsg", `message length ${length} is too small`, msgType);
  if (length > maxMessageBytes) {
    throw new FrameError("limit", `message of ${length} bytes exceeds ${maxMessageBytes}`, msgType);
  }
  return { littleEndian, msgType, compressed: compressed === 1, length };
}

/** A per-connection reader: `push` socket chunks in, take handshakes and whole messages out. */
export class FrameReader {
  readonly #maxMessageBytes: number;
  #chunks: Buffer[] = [];
  /** bytes of `#chunks[0]` already consumed */
  #offset = 0;
  #buffered = 0;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Bytes received and not yet taken. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** Drops everything buffered, for a connection that is closing. */
  clear(): void {
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
  }

  /**
   * The bytes before the first NUL (the NUL is consumed too), or null while none has arrived.
   * Throws `FrameError("limit")` when `maxBytes` arrived without a NUL.
   */
  takeUntilNul(maxBytes: number): Buffer | null {
    const at = this.#indexOfNul(maxBytes);
    if (at < 0) {
      if (this.#buffered >= maxBytes) throw new FrameError("limit", `no NUL within ${maxBytes} bytes`);
      return null;
    }
    const bytes = this.#take(at);
    this.#take(1);
    return bytes;
  }

  /**
   * The next whole message, or null until it has fully arrived. Throws `FrameError` when the
   * header is invalid or the message (or, compressed, its expansion) is over the size limit.
   */
  next(): Frame | null {
    if (this.#buffered < HEADER_BYTES) return null;
    const header = parseFrameHeader(this.#peek(HEADER_BYTES), this.#maxMessageBytes);
    if (header.compressed) {
      if (this.#buffered < COMPRESSED_PREFIX_BYTES) return null;
      this.#checkExpansion(header);
    }
    if (this.#buffered < header.length) return null;
    return { header, bytes: this.#take(header.length) };
  }

  /** A compressed message states its uncompressed size; refuse to inflate past the limit. */
  #checkExpansion(header: FrameHeader): void {
    const size = readInt32(this.#peek(COMPRESSED_PREFIX_BYTES), HEADER_BYTES, header.littleEndian);
    if (size < HEADER_BYTES + 1) {
      throw new FrameError("badmsg", `uncompressed length ${size} is too small`, header.msgType);
    }
    if (size > this.#maxMessageBytes) {
      throw new FrameError(
        "limit",
        `message expands to ${size} bytes, over ${this.#maxMessageBytes}`,
        header.msgType,
      );
    }
  }

  #indexOfNul(maxBytes: number): number {
    let seen = 0;
    let start = this.#offset;
    for (const chunk of this.#chunks) {
      const end = Math.min(chunk.length, start + maxBytes - seen);
      const at = chunk.subarray(start, end).indexOf(0);
      if (at >= 0) return seen + at;
      seen += end - start;
      if (seen >= maxBytes) return -1;
      start = 0;
    }
    return -1;
  }

  /** The first `n` buffered bytes without consuming them (a small copy only across chunks). */
  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      return first.subarray(this.#offset, this.#offset + n);
    }
    return this.#copyOut(n, false);
  }

  /** Consumes `n` bytes: a view when they lie in one chunk, else one copy into a new buffer. */
  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const bytes = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return bytes;
    }
    return this.#copyOut(n, true);
  }

  #copyOut(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let start = this.#offset;
    for (const chunk of this.#chunks) {
      if (filled === n) break;
      filled += chunk.copy(out, filled, start, Math.min(chunk.length, start + n - filled));
      start = 0;
    }
    if (consume) this.#advance(n);
    return out;
  }

  #advance(n: number): void {
    this.#buffered -= n;
    let left = n + this.#offset;
    let drop = 0;
    for (const chunk of this.#chunks) {
      if (left < chunk.length) break;
      left -= chunk.length;
      drop++;
    }
    if (drop > 0) this.#chunks.splice(0, drop);
    this.#offset = left;
  }
}
