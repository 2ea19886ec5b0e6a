/**
 * Bodies that are not JSON (line protocol, CSV): undone gzip (`Content-Encoding: gzip`, as
 * InfluxDB agents send), read whole under a size limit, or streamed chunk by chunk.
 */
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Request } from "express";
import { BadRequestError } from "../errors/errors.js";

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "32mb" → bytes (the units Express's body limits take). */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? "b").toLowerCase()] ?? 1));
}

/** The request body with its content encoding undone. */
export function decodedBody(req: Request): Readable {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return req;
  if (encoding === "gzip" || encoding === "x-gzip") return req.pipe(createGunzip());
  throw new BadRequestError(
    "UNSUPPORTED_MEDIA_TYPE",
    `Content-Encoding ${encoding} is not supported (gzip is)`,
  );
}

function tooLarge(limit: number): BadRequestError {
  return new BadRequestError("PAYLOAD_TOO_LARGE", `the body is over ${limit} bytes (after decompression)`);
}

/**
 * Reads the whole (decoded) body; 413 once it passes `limit` bytes, 400 for broken gzip. With
 * `shared`, a large body goes into shared memory, for a worker thread to parse without a copy;
 * otherwise into ordinary memory, which costs about half as much to fill.
 */
export async function readBody(
  req: Request,
  limit: number,
  options: { shared?: boolean } = {},
): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume(); // drain, so the connection can answer
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of decodedBody(req)) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        req.resume();
        throw tooLarge(limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof BadRequestError) throw err;
    throw new BadRequestError("MALFORMED_BODY", `the body could not be read: ${(err as Error).message}`);
  }
  return options.shared === true ? concatShared(chunks, size) : Buffer.concat(chunks, size);
}

/**
 * Bodies this large go to a parse thread (when there is one), in shared memory; smaller ones are
 * not worth the hop to a worker (about 250 lines: well under a millisecond).
 */
export const SHARED_BODY_BYTES = 64 * 1024;

function concatShared(chunks: Buffer[], size: number): Buffer {
  if (size < SHARED_BODY_BYTES) return Buffer.concat(chunks, size);
  const out = Buffer.from(new SharedArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(out, offset);
  return out;
}
