/**
 * A q IPC server: kdb+'s side of the protocol for guru-engine and for tests. The handler sees
 * decoded q values and returns one; `QFail` answers with a q error word.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { type QLogger, silentLogger } from "./logger.js";
import {
  type ConnectionSettings,
  type QAuthenticate,
  type QCompression,
  type QHandler,
  ServerConnection,
} from "./server-connection.js";

export interface QServerOptions {
  /** Answers each request; async requests' results are dropped. */
  handle: QHandler;
  /** Like kdb+'s `.z.pw`: false refuses the login by closing the socket. Default: accept all. */
  authenticate?: QAuthenticate;
  /** Largest message accepted, compressed or expanded; larger gets `'limit` and a close.
   * Default 256 MiB. */
  maxMessageBytes?: number;
  /** Like kdb+'s `-T`: past it the client gets `'stop` and the handler's signal aborts. 0 = none. */
  requestTimeoutMs?: number;
  /** Close a connection with no traffic for this long (not while handling). 0 = never. */
  idleTimeoutMs?: number;
  /** Close a connection that has not completed its handshake by then. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** `auto` compresses large replies for non-loopback peers, as kdb+ does; `always` forces it
   * (for tests); `never` disables it. Default `auto`. */
  compression?: QCompression;
  /** Serve over TLS (the q handshake then runs inside it). */
  tls?: tls.TlsOptions;
  logger?: QLogger;
}

export interface QServer {
  /** Starts listening; port 0 picks a free port. Host defaults to loopback. */
  listen(port: number, host?: string): Promise<{ port: number }>;
  /** Stops accepting, drops every open connection and resolves once all are closed. */
  close(): Promise<void>;
  /** Open connections, handshaking ones included. */
  readonly connections: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

function settingsOf(options: QServerOptions): ConnectionSettings {
  return {
    handle: options.handle,
    authenticate: options.authenticate ?? (() => true),
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    idleTimeoutMs: options.idleTimeoutMs ?? 0,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    compression: options.compression ?? "auto",
    logger: options.logger ?? silentLogger,
  };
}

export function createQServer(options: QServerOptions): QServer {
  const settings = settingsOf(options);
  const open = new Set<ServerConnection>();
  /** every TCP socket, TLS ones still handshaking included, so that close() can drop them all */
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket): void => {
    const connection = new ServerConnection(socket, settings);
    open.add(connection);
    void connection.closed.then(() => open.delete(connection));
  };
  const server = createServer(options.tls, settings, accept);
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("error", (err) => settings.logger.error({ err }, "q IPC server error"));

  return {
    listen: (port, host = "127.0.0.1") => listen(server, port, host),
    close: async () => {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await Promise.all([closing, ...[...open].map((c) => c.closed)]);
    },
    get connections() {
      return open.size;
    },
  };
}

function createServer(
  tlsOptions: tls.TlsOptions | undefined,
  settings: ConnectionSettings,
  accept: (socket: net.Socket) => void,
): net.Server {
  // Half-open over TCP: a client may send its last request and FIN at once and still get the
  // reply. Not over TLS, where a socket that FINs mid-TLS-handshake would otherwise linger.
  if (tlsOptions === undefined) return net.createServer({ allowHalfOpen: true }, accept);
  const server = tls.createServer({ handshakeTimeout: settings.handshakeTimeoutMs, ...tlsOptions }, accept);
  server.on("tlsClientError", (err, socket) => {
    settings.logger.debug({ err, remoteAddress: socket.remoteAddress }, "TLS handshake failed");
    socket.destroy();
  });
  return server;
}

function listen(server: net.Server, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve({ port: typeof address === "object" && address !== null ? address.port : port });
    });
  });
}
