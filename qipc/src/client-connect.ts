/** Opening a client connection: TCP (or TLS), then the q handshake, under one deadline. */
import * as net from "node:net";
import * as tls from "node:tls";
import { QConnectionError } from "./errors.js";
import { encodeHandshake } from "./handshake.js";

export interface QConnectOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** Connect over TLS with these options (`ca`, `servername`, client certificates…). */
  tls?: tls.ConnectionOptions;
  /** Deadline for TCP, TLS and the q handshake together. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface OpenedSocket {
  /** paused: the caller resumes it once its own `data` listener is in place */
  socket: net.Socket;
  /** the capability the server agreed to */
  capability: number;
  /** bytes that came after the capability byte (none from a well-behaved server) */
  leftover: Buffer;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function openQSocket(options: QConnectOptions): Promise<OpenedSocket> {
  const { host, port } = options;
  const where = `${host}:${port}`;
  const hello = encodeHandshake(options.user ?? "", options.password ?? "");
  return new Promise((resolve, reject) => {
    const socket = options.tls ? tls.connect({ host, port, ...options.tls }) : net.connect({ host, port });
    const ready = options.tls ? "secureConnect" : "connect";
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off(ready, onConnect).off("error", onError).off("close", onClose).off("data", onData);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => {
      socket.write(hello);
    };
    const onError = (err: Error): void =>
      fail(new QConnectionError(`cannot connect to ${where}: ${err.message}`, { cause: err }));
    const onClose = (): void =>
      fail(new QConnectionError(`${where} closed the connection during the handshake (login refused?)`));
    const onData = (chunk: Buffer): void => {
      cleanup();
      socket.pause();
      resolve({ socket, capability: chunk[0] ?? 0, leftover: chunk.subarray(1) });
    };
    const ms = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(
      () => fail(new QConnectionError(`connecting to ${where} timed out after ${ms} ms`)),
      ms,
    );
    socket.once(ready, onConnect).on("error", onError).once("close", onClose).once("data", onData);
  });
}
