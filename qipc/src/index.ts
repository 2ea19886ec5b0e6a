export { buildCall, GENERIC_NULL, parseCall, type QCall } from "./call.js";
export { QClient, type QClientOptions, type QRequestOptions } from "./client.js";
export type { QConnectOptions } from "./client-connect.js";
export { COMPRESS_THRESHOLD, compress, decompress, MAX_MESSAGE_SIZE } from "./compress.js";
export { type DecodeOptions, decodeMessage, decodeValue, messageLength } from "./decode.js";
export { encodeMessage, encodeValue, HEADER_SIZE } from "./encode.js";
export { QConnectionError, QFail, QRemoteError, QTimeoutError } from "./errors.js";
export { type Frame, FrameError, type FrameHeader, FrameReader } from "./framing.js";
export { type QLogger, silentLogger } from "./logger.js";
export { backoffDelay, createQPool, type QPool, type QPoolOptions } from "./pool.js";
export { createQServer, type QServer, type QServerOptions } from "./server.js";
export {
  INTERNAL_ERROR_WORD,
  type QAuthenticate,
  type QCompression,
  type QHandler,
  type QRequestContext,
} from "./server-connection.js";
export * from "./temporal.js";
export * from "./types.js";
export { INF, NULL, q } from "./values.js";
