/**
 * Backups in S3: each file a multipart upload of fixed-size parts, one part in memory at a time
 * (constant memory, any size), server-side encryption always on (AES256 or aws:kms). A file
 * smaller than one part is a single PutObject. A failed upload is aborted, so no part is left
 * behind to bill; an object exists only once its upload completed.
 */
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { BackupStorage, StoredObject } from "./backup-storage.js";

/** A client of AWS S3, or of an S3-compatible store at `endpoint` (moto, MinIO: buckets by path). */
export function s3Client(
  region: string,
  endpoint?: string,
  credentials?: S3ClientConfig["credentials"],
): S3Client {
  return new S3Client({ region, endpoint, credentials, forcePathStyle: endpoint !== undefined });
}

export interface S3BackupStorageOptions {
  client: S3Client;
  bucket: string;
  /** prepended to every key */
  prefix: string;
  sse: "AES256" | "aws:kms";
  kmsKeyId?: string;
  partBytes: number;
}

/** Fills fixed-size parts from a stream of chunks of any size. */
async function* parts(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(size - filled, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield part;
        // the SDK may still hold the previous part's buffer while it is sent: never reuse it
        part = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
}

export class S3BackupStorage implements BackupStorage {
  readonly kind = "s3";
  readonly #o: S3BackupStorageOptions;

  constructor(options: S3BackupStorageOptions) {
    this.#o = options;
  }

  #encryption(): { ServerSideEncryption: ServerSideEncryption; SSEKMSKeyId?: string } {
    return this.#o.sse === "aws:kms"
      ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: this.#o.kmsKeyId }
      : { ServerSideEncryption: "AES256" };
  }

  async write(key: string, source: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const Key = this.#o.prefix + key;
    const Bucket = this.#o.bucket;
    const iterator = parts(source, this.#o.partBytes)[Symbol.asyncIterator]();
    const first = await iterator.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    const second = first.done ? first : await iterator.next();
    if (second.done) {
      await this.#o.client.send(
        new PutObjectCommand({ Bucket, Key, Body: firstPart, ...this.#encryption() }),
      );
      return { bytes: firstPart.length };
    }
    const { UploadId } = await this.#o.client.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ...this.#encryption() }),
    );
    const completed: { ETag: string | undefined; PartNumber: number }[] = [];
    let bytes = 0;
    const upload = async (body: Buffer) => {
      const PartNumber = completed.length + 1;
      const out = await this.#o.client.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body }),
      );
      completed.push({ ETag: out.ETag, PartNumber });
      bytes += body.length;
    };
    try {
      await upload(firstPart);
      await upload(second.value);
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        await upload(next.value);
      await this.#o.client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: completed } }),
      );
      return { bytes };
    } catch (err) {
      await this.#o.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw err;
    }
  }

  async read(key: string): Promise<Readable> {
    const out = await this.#o.client.send(
      new GetObjectCommand({ Bucket: this.#o.bucket, Key: this.#o.prefix + key }),
    );
    return out.Body as Readable;
  }

  async deletePrefix(prefix: string): Promise<void> {
    const Prefix = this.#o.prefix + prefix;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.#o.client.send(
        new ListObjectsV2Command({ Bucket: this.#o.bucket, Prefix, ContinuationToken }),
      );
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (objects.length > 0)
        await this.#o.client.send(
          new DeleteObjectsCommand({ Bucket: this.#o.bucket, Delete: { Objects: objects, Quiet: true } }),
        );
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }
}
