/**
 * A promise-based q IPC client. Requests are pipelined and matched to replies by order, as kdb+
 * answers a connection's messages in order. A request past its deadline destroys the connection:
 * its late reply would otherwise be taken as the answer to the next request.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { buildCall } from "./call.js";
import { type OpenedSocket, openQSocket, type QConnectOptions } from "./client-connect.js";
import { MAX_MESSAGE_SIZE } from "./compress.js";
import { decodeMessage } from "./decode.js";
import { encodeMessage } from "./encode.js";
import { QConnectionError, QRemoteError, QTimeoutError } from "./errors.js";
import { type Frame, FrameReader } from "./framing.js";
import { canCompress } from "./handshake.js";
import { type QLogger, silentLogger } from "./logger.js";
import { MsgType, type QValue } from "./types.js";

export interface QClientOptions extends QConnectOptions {
  /** Default deadline of each sync request. 0 or absent: none. */
  timeoutMs?: number;
  /** Compress large requests, by kdb+'s rules (over 2000 bytes, kept only when under half). */
  compress?: boolean;
  /** Largest reply accepted. Default 2 GB − 1, kdb+'s own limit. */
  maxMessageBytes?: number;
  logger?: QLogger;
}

export interface QRequestOptions {
  /** Deadline for this request, overriding the client's `timeoutMs`. */
  timeoutMs?: number;
}

interface Pending {
  resolve: (value: QValue) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** How long `close()` waits for the server to hang up after our FIN before dropping the socket. */
const CLOSE_GRACE_MS = 2000;

export class QClient extends EventEmitter<{ close: [reason: Error | undefined] }> {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #compress: boolean;
  readonly #logger: QLogger;
  readonly #closedPromise: Promise<void>;
  /** pending sync requests in send order; `#head` indexes the oldest (no O(n) shifts) */
  #queue: Pending[] = [];
  #head = 0;
  #closing = false;
  #closed = false;
  #reason: Error | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** The capability the server agreed to in the handshake. */
  readonly capability: number;

  /** Opens a connection and completes the q handshake. */
  static async connect(options: QClientOptions): Promise<QClient> {
    return new QClient(await openQSocket(options), options);
  }

  private constructor(opened: OpenedSocket, options: QClientOptions) {
    super();
    this.#socket = opened.socket;
    this.capability = opened.capability;
    this.#where = `${options.host}:${options.port}`;
    this.#timeoutMs = options.timeoutMs ?? 0;
    this.#compress = options.compress === true && canCompress(opened.capability);
    this.#logger = options.logger ?? silentLogger;
    this.#reader = new FrameReader(options.maxMessageBytes ?? MAX_MESSAGE_SIZE);
    this.#closedPromise = new Promise((resolve) => this.#socket.once("close", () => resolve()));
    this.#socket.setNoDelay(true);
    this.#socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on("error", (err) => {
      this.#reason ??= err;
    });
    this.#socket.on("close", () => this.#onClose());
    this.#reader.push(opened.leftover);
    this.#socket.resume();
  }

  /** Sync requests sent and not yet answered. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** True once the connection is closed or closing: no new requests are accepted. */
  get closed(): boolean {
    return this.#closed || this.#closing;
  }

  /** Calls a named function: sends `(\`name; args…)`; no arguments means `name[::]`. */
  call(name: string, ...args: QValue[]): Promise<QValue> {
    return this.sync(buildCall(name, args));
  }

  /** Sends a sync request; resolves with the reply, rejects with `QRemoteError` on `'word`. */
  sync(value: QValue, options: QRequestOptions = {}): Promise<QValue> {
    let bytes: Buffer;
    try {
      bytes = this.#encode(value, MsgType.sync);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const ms = options.timeoutMs ?? this.#timeoutMs;
      const pending: Pending = { resolve, reject, timer: undefined };
      if (ms > 0) pending.timer = setTimeout(() => this.#expire(pending, ms), ms);
      this.#queue.push(pending);
      this.#socket.write(bytes);
    });
  }

  /** Sends an async message; resolves once written. The server never answers it. */
  async(value: QValue): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = this.#encode(value, MsgType.async);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => (err ? reject(this.#lost(err)) : resolve()));
    });
  }

  /** Stops taking requests, lets pending ones finish, then hangs up. */
  close(): Promise<void> {
    if (!this.#closed && !this.#closing) {
      this.#closing = true;
      if (this.pending === 0) this.#end();
    }
    return this.#closedPromise;
  }

  /** Drops the connection now; pending requests fail with `QConnectionError`. */
  destroy(reason?: Error): void {
    this.#reason ??= reason;
    this.#closing = true;
    this.#socket.destroy();
    this.#failPending();
  }

  #encode(value: QValue, msgType: MsgType): Buffer {
    if (this.closed)
      throw new QConnectionError(`connection to ${this.#where} is closed`, { cause: this.#reason });
    return encodeMessage(value, msgType, { compress: this.#compress });
  }

  #expire(pending: Pending, ms: number): void {
    this.#logger.warn({ server: this.#where, timeoutMs: ms }, "q request timed out; dropping the connection");
    pending.reject(new QTimeoutError(`no reply from ${this.#where} within ${ms} ms`));
    this.destroy(new QTimeoutError(`a request to ${this.#where} timed out`));
  }

  #onData(chunk: Buffer): void {
    this.#reader.push(chunk);
    for (;;) {
      let frame: Frame | null;
      try {
        frame = this.#reader.next();
      } catch (err) {
        this.destroy(new QConnectionError(`unreadable reply stream from ${this.#where}`, { cause: err }));
        return;
      }
      if (frame === null || this.#socket.destroyed) return;
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: Frame): void {
    if (frame.header.msgType !== MsgType.response) {
      // kdb+ may push async messages (a tickerplant's `upd`); a sync request we could not answer.
      if (frame.header.msgType === MsgType.sync)
        this.destroy(new QConnectionError("server sent a sync request"));
      else this.#logger.debug({ server: this.#where }, "ignored an async message from the server");
      return;
    }
    const pending = this.#queue[this.#head];
    if (pending === undefined) {
      this.destroy(new QConnectionError(`unsolicited reply from ${this.#where}`));
      return;
    }
    this.#dequeue();
    clearTimeout(pending.timer);
    settle(pending, frame.bytes);
    if (this.#closing && this.pending === 0) this.#end();
  }

  #dequeue(): void {
    this.#head++;
    // Compact now and then so the array does not grow without bound on a long-lived connection.
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #end(): void {
    this.#socket.end();
    this.#graceTimer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
  }

  #onClose(): void {
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    this.#failPending();
    this.emit("close", this.#reason);
  }

  #failPending(): void {
    const queue = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    if (queue.length === 0) return;
    const err = this.#lost(this.#reason);
    for (const pending of queue) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
  }

  #lost(cause: Error | undefined): QConnectionError {
    return new QConnectionError(`connection to ${this.#where} lost`, { cause });
  }
}

function settle(pending: Pending, bytes: Buffer): void {
  let value: QValue;
  try {
    value = decodeMessage(bytes).value;
  } catch (err) {
    pending.reject(err instanceof Error ? err : new Error(String(err)));
    return;
  }
  if (value.type === -128) pending.reject(new QRemoteError(value.value));
  else pending.resolve(value);
}
