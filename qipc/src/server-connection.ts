/**
 * One accepted q IPC connection on the server: handshake, then messages handled strictly one at
 * a time, as kdb+'s single main thread does. node-q matches replies to requests by position only
 * (kdb-ipc.md §2.6), so the next message is read only once the reply to the current one has been
 * handed to the kernel, and nothing is ever sent that was not asked for.
 */
import type { Socket } from "node:net";
import { decodeMessage } from "./decode.js";
import { encodeMessage } from "./encode.js";
import { QConnectionError, QFail, QTimeoutError } from "./errors.js";
import { type Frame, FrameError, FrameReader } from "./framing.js";
import {
  type Credentials,
  canCompress,
  handshakeReply,
  MAX_HANDSHAKE_BYTES,
  parseHandshake,
} from "./handshake.js";
import type { QLogger } from "./logger.js";
import { MsgType, type QValue } from "./types.js";
import { q } from "./values.js";

/** What a handler learns about the request besides its value. */
export interface QRequestContext {
  user: string;
  /** true for a sync request (its result is the reply); false for async (no reply) */
  sync: boolean;
  /** aborted when the request's deadline passes (the client got `'stop`) or the client left */
  signal: AbortSignal;
  remoteAddress: string;
}

export type QHandler = (value: QValue, ctx: QRequestContext) => Promise<QValue> | QValue;

export type QAuthenticate = (
  user: string,
  password: string,
  remoteAddress: string,
) => boolean | Promise<boolean>;

export type QCompression = "auto" | "always" | "never";

/** The server's options with every default filled in. */
export interface ConnectionSettings {
  handle: QHandler;
  authenticate: QAuthenticate;
  maxMessageBytes: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  compression: QCompression;
  logger: QLogger;
}

/** The word sent for a handler failure other than `QFail`: internals never reach the client. */
export const INTERNAL_ERROR_WORD = "internal";

/** While a request is being handled, read ahead at most this much before pausing the socket. */
const READ_AHEAD_BYTES = 1 << 20;

/** How long a closing connection waits for the peer to read our last bytes and hang up. */
const LINGER_MS = 2000;

type State = "handshake" | "authenticating" | "ready" | "closing" | "closed";
type Phase = "idle" | "handling" | "writing";

/** kdb+ compresses only for remote peers: loopback traffic is cheaper to send as it is. */
export function isLoopback(address: string): boolean {
  const ip = address.startsWith("::ffff:") ? address.slice(7) : address;
  return ip === "::1" || ip.startsWith("127.");
}

export class ServerConnection {
  readonly #socket: Socket;
  readonly #settings: ConnectionSettings;
  readonly #reader: FrameReader;
  readonly #remoteAddress: string;
  readonly #closed: Promise<void>;
  #state: State = "handshake";
  #phase: Phase = "idle";
  #draining = false;
  #inputEnded = false;
  #user = "";
  #compress = false;
  #request: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, settings: ConnectionSettings) {
    this.#socket = socket;
    this.#settings = settings;
    this.#reader = new FrameReader(settings.maxMessageBytes);
    this.#remoteAddress = socket.remoteAddress ?? "";
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("timeout", () => this.#onIdle());
    socket.on("error", (err) => this.#log("debug", { err }, "q IPC socket error"));
    socket.on("close", () => this.#onClose());
    this.#timer = setTimeout(() => this.#abandon("handshake timed out"), settings.handshakeTimeoutMs);
  }

  /** Resolves once the socket has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Drops the connection now (server shutdown). */
  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.#reader.push(chunk);
    if (this.#state === "handshake") this.#readHandshake();
    else if (this.#state === "ready") this.#drain();
    const busy = this.#phase !== "idle" || this.#state === "authenticating";
    if (busy && this.#reader.bufferedBytes > READ_AHEAD_BYTES) this.#socket.pause();
  }

  #onEnd(): void {
    this.#inputEnded = true;
    if (this.#state === "handshake" || this.#state === "authenticating") this.#closeGracefully();
    else if (this.#state === "ready") this.#drain();
  }

  #onIdle(): void {
    // A request being handled has its own deadline; a stalled reply write is a dead reader.
    if (this.#phase === "handling") return;
    this.#abandon(this.#phase === "writing" ? "reply write stalled" : "idle timeout");
  }

  #onClose(): void {
    this.#state = "closed";
    clearTimeout(this.#timer);
    this.#request?.abort(new QConnectionError("the client disconnected"));
    this.#reader.clear();
  }

  #abandon(reason: string): void {
    this.#log("info", {}, `closing q IPC connection: ${reason}`);
    this.#socket.destroy();
  }

  #readHandshake(): void {
    let bytes: Buffer | null;
    try {
      bytes = this.#reader.takeUntilNul(MAX_HANDSHAKE_BYTES);
    } catch {
      this.#abandon("handshake too long");
      return;
    }
    if (bytes === null) return;
    this.#state = "authenticating";
    this.#authenticate(parseHandshake(bytes)).catch((err: unknown) => this.#fatal(err));
  }

  async #authenticate(credentials: Credentials): Promise<void> {
    const { user, password, capability } = credentials;
    let accepted = false;
    try {
      accepted = (await this.#settings.authenticate(user, password, this.#remoteAddress)) === true;
    } catch (err) {
      this.#log("error", { err, user }, "q IPC authenticate callback failed");
    }
    if (this.#state !== "authenticating") return;
    if (!accepted) {
      this.#log("info", { user }, "q IPC login refused");
      this.#closeGracefully();
      return;
    }
    clearTimeout(this.#timer);
    this.#user = user;
    this.#compress = canCompress(capability) && this.#wantsCompression();
    // node-q insists on this byte arriving alone; nothing else is written before a request.
    await this.#write(handshakeReply(capability));
    if (this.#state !== "authenticating") return;
    this.#state = "ready";
    this.#socket.setTimeout(this.#settings.idleTimeoutMs);
    this.#drain();
  }

  #wantsCompression(): boolean {
    const mode = this.#settings.compression;
    return mode === "always" || (mode === "auto" && !isLoopback(this.#remoteAddress));
  }

  #drain(): void {
    if (this.#draining || this.#phase !== "idle") return;
    this.#draining = true;
    this.#drainLoop()
      .catch((err: unknown) => this.#fatal(err))
      .finally(() => {
        this.#draining = false;
      });
  }

  async #drainLoop(): Promise<void> {
    while (this.#state === "ready") {
      let frame: Frame | null;
      try {
        frame = this.#reader.next();
      } catch (err) {
        this.#refuseStream(err);
        return;
      }
      if (frame === null) break;
      await this.#handleFrame(frame);
    }
    if (this.#state !== "ready") return;
    if (this.#inputEnded) this.#closeGracefully();
    else this.#socket.resume();
  }

  async #handleFrame(frame: Frame): Promise<void> {
    const msgType = frame.header.msgType;
    if (msgType === MsgType.response) {
      this.#log("debug", {}, "ignored a response message sent to the server");
      return;
    }
    const sync = msgType === MsgType.sync;
    let value: QValue;
    try {
      value = decodeMessage(frame.bytes, { maxSize: this.#settings.maxMessageBytes }).value;
    } catch (err) {
      // kdb+ hangs up on a message it cannot read: whatever sent it is not to be trusted further
      this.#log("warn", { err }, "undecodable q IPC message");
      this.#closeGracefully(sync ? encodeMessage(q.error("badmsg"), MsgType.response) : undefined);
      return;
    }
    this.#phase = "handling";
    const result = await this.#run(value, sync);
    this.#phase = "idle";
    if (sync && this.#state === "ready") await this.#reply(result);
  }

  /** Runs the handler under the request deadline; resolves to the reply, never rejects. */
  async #run(value: QValue, sync: boolean): Promise<QValue> {
    const request = new AbortController();
    this.#request = request;
    const ctx: QRequestContext = {
      user: this.#user,
      sync,
      signal: request.signal,
      remoteAddress: this.#remoteAddress,
    };
    const work = Promise.resolve()
      .then(() => this.#settings.handle(value, ctx))
      .then(
        (result) => result ?? q.nil,
        (err: unknown) => this.#failure(err, request.signal),
      );
    try {
      return await this.#withDeadline(work, request);
    } finally {
      this.#request = undefined;
    }
  }

  #withDeadline(work: Promise<QValue>, request: AbortController): Promise<QValue> {
    const ms = this.#settings.requestTimeoutMs;
    if (ms <= 0) return work;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<QValue>((resolve) => {
      timer = setTimeout(() => {
        this.#log("warn", { timeoutMs: ms }, "q IPC request ran past its deadline: 'stop");
        request.abort(new QTimeoutError(`request exceeded ${ms} ms`));
        resolve(q.error("stop"));
      }, ms);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  #failure(err: unknown, signal: AbortSignal): QValue {
    if (err instanceof QFail) {
      this.#log("debug", { word: err.word }, "q IPC handler signalled an error");
      return q.error(err.word);
    }
    if (!signal.aborted) this.#log("error", { err }, "q IPC handler failed");
    return q.error(INTERNAL_ERROR_WORD);
  }

  async #reply(value: QValue): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = encodeMessage(value, MsgType.response, { compress: this.#compress });
    } catch (err) {
      this.#log("error", { err }, "q IPC reply could not be encoded");
      bytes = encodeMessage(q.error(INTERNAL_ERROR_WORD), MsgType.response);
    }
    this.#phase = "writing";
    await this.#write(bytes);
    this.#phase = "idle";
  }

  /** Resolves when the bytes are handed to the kernel (or the socket is gone): the backpressure. */
  #write(bytes: Buffer): Promise<void> {
    if (this.#socket.destroyed) return Promise.resolve();
    const written = new Promise<void>((resolve) => this.#socket.write(bytes, () => resolve()));
    return Promise.race([written, this.#closed]);
  }

  /** A header we can't trust: answer a sync request if we can, then hang up. */
  #refuseStream(err: unknown): void {
    const reason = err instanceof FrameError ? err.reason : "badmsg";
    this.#log("warn", { err }, "unreadable q IPC stream");
    const answer = err instanceof FrameError && err.msgType === MsgType.sync;
    this.#closeGracefully(answer ? encodeMessage(q.error(reason), MsgType.response) : undefined);
  }

  /**
   * Sends the last bytes and a FIN, then discards input until the peer hangs up. Destroying at
   * once could reset the connection and lose the reply the peer has not read yet.
   */
  #closeGracefully(lastBytes?: Buffer): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.#state = "closing";
    this.#reader.clear();
    clearTimeout(this.#timer);
    this.#socket.setTimeout(0);
    this.#socket.resume();
    if (lastBytes === undefined) this.#socket.end();
    else this.#socket.end(lastBytes);
    this.#timer = setTimeout(() => this.#socket.destroy(), LINGER_MS);
  }

  /** A bug of ours: never let it escape a socket handler, drop this connection only. */
  #fatal(err: unknown): void {
    this.#log("error", { err }, "q IPC connection failed");
    this.#socket.destroy();
  }

  #log(level: keyof QLogger, obj: object, msg: string): void {
    this.#settings.logger[level]({ remoteAddress: this.#remoteAddress, user: this.#user, ...obj }, msg);
  }
}
