/** Shared by the qipc suites: an echo server on a free loopback port, raw sockets, small values. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseCall } from "../../../qipc/src/call.js";
import { QFail } from "../../../qipc/src/errors.js";
import { createQServer, type QServer, type QServerOptions } from "../../../qipc/src/server.js";
import type { QRequestContext } from "../../../qipc/src/server-connection.js";
import type { QValue } from "../../../qipc/src/types.js";
import { q } from "../../../qipc/src/values.js";

export const HOST = "127.0.0.1";

/** The text of a symbol or char vector argument. */
export function text(value: QValue | undefined): string {
  if (value?.type === -11) return value.value;
  if (value?.type === 10) return Buffer.from(value.value).toString("utf8");
  throw new QFail("type");
}

function count(value: QValue | undefined): number {
  if (value?.type === -7) return Number(value.value);
  if (value?.type === -9) return value.value;
  throw new QFail("type");
}

/**
 * A q value as text, exactly as received: `type value`, bigints in full, vectors comma-joined,
 * char vectors as text, lists as `[a; b]`, dicts as `keys ! values`, functions as their type.
 */
export function describe(value: QValue): string {
  switch (value.type) {
    case 0:
      return `0 [${value.value.map(describe).join("; ")}]`;
    case 10:
      return `10 ${Buffer.from(value.value).toString("utf8")}`;
    case 98:
      return `98 ${value.columns.join(",")} ${value.data.map(describe).join("; ")}`;
    case 99:
    case 127:
      return `${value.type} ${describe(value.keys)} ! ${describe(value.values)}`;
    case -128:
      return `-128 ${value.value}`;
    default:
      if ("raw" in value || "bytes" in value) return String(value.type);
      if (value.type < 0) return `${value.type} ${String(value.value)}`;
      return `${value.type} ${Array.from(value.value as ArrayLike<unknown>, String).join(",")}`;
  }
}

export interface EchoServer {
  server: QServer;
  port: number;
  /** async messages received, in order */
  asyncReceived: QValue[];
  /** contexts of the requests handled, in order */
  contexts: QRequestContext[];
  close(): Promise<void>;
}

/**
 * Calls the echo server understands (name as symbol or string):
 * `echo x` → x; `type x` → q type of x as a short; `describe x` → the exact value received, as
 * text (see `describe`); `fail w` → `'w`; `boom` → a plain Error;
 * `sleep ms` → `::` after ms (stops early when aborted); `til n` → long vector 0..n-1.
 * Anything that is not a call is echoed whole.
 */
export async function echoHandle(value: QValue, ctx: QRequestContext): Promise<QValue> {
  const call = parseCall(value);
  if (call === null) return value;
  const [first] = call.args;
  switch (call.name) {
    case "echo":
      return first ?? q.nil;
    case "type":
      return q.short(first?.type ?? 0);
    case "describe":
      return q.string(describe(first ?? q.nil));
    case "fail":
      throw new QFail(text(first));
    case "boom":
      throw new Error("internal detail that must not reach the client");
    case "sleep":
      await delay(count(first), undefined, { signal: ctx.signal }).catch(() => undefined);
      return q.nil;
    case "til":
      return q.longs(Array.from({ length: count(first) }, (_, i) => BigInt(i)));
    default:
      throw new QFail("access");
  }
}

/** Starts a server on a free loopback port: the echo handler unless `options.handle` is given;
 * either way it records the contexts and async messages it sees. */
export async function startEchoServer(options: Partial<QServerOptions> = {}): Promise<EchoServer> {
  const asyncReceived: QValue[] = [];
  const contexts: QRequestContext[] = [];
  const inner = options.handle ?? echoHandle;
  const server = createQServer({
    ...options,
    handle: (value, ctx) => {
      contexts.push(ctx);
      if (!ctx.sync) asyncReceived.push(value);
      return inner(value, ctx);
    },
  });
  const { port } = await server.listen(0, HOST);
  return { server, port, asyncReceived, contexts, close: () => server.close() };
}

/** Polls until `condition` holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 3000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Waits until the server has no open connection left. */
export function noConnections(server: QServer, timeoutMs = 3000): Promise<void> {
  return waitFor(
    () => server.connections === 0,
    timeoutMs,
    `connections to drop to 0 (${server.connections})`,
  );
}

/** A raw socket that records everything it receives, for byte-level checks. */
export interface RawPeer {
  socket: net.Socket;
  received(): Buffer;
  /** resolves once at least `n` bytes have arrived */
  bytes(n: number, timeoutMs?: number): Promise<Buffer>;
  /** resolves when the server has closed the connection */
  closed: Promise<void>;
}

export async function rawPeer(port: number): Promise<RawPeer> {
  const socket = net.connect({ host: HOST, port });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const received = (): Buffer => Buffer.concat(chunks);
  const bytes = async (n: number, timeoutMs = 3000): Promise<Buffer> => {
    await waitFor(() => received().length >= n, timeoutMs, `${n} bytes`);
    return received();
  };
  return { socket, received, bytes, closed };
}

/** A raw peer that has completed the handshake (capability 3). */
export async function loggedInPeer(port: number, credentials = "u:p"): Promise<RawPeer> {
  const peer = await rawPeer(port);
  peer.socket.write(Buffer.concat([Buffer.from(credentials), Buffer.of(3, 0)]));
  await peer.bytes(1);
  return peer;
}

/** A logger that records entries, to check what (and what not) gets logged. */
export function recordingLogger(): { entries: { level: string; obj: object; msg: string }[] } & Record<
  "debug" | "info" | "warn" | "error",
  (obj: object, msg: string) => void
> {
  const entries: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl CLI), for TLS tests. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "qipc-tls-"));
  try {
    // biome-ignore format: one option per pair
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
