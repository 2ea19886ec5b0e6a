/**
 * The q IPC handshake (kdb-ipc.md §1.1): the client sends `user:password`, a capability byte and
 * a NUL; the server answers one byte, the common capability, or closes the socket to refuse.
 */

/** The highest capability we speak: 3 = compression, timestamp, timespan, guid. 4–6 would
 * allow messages over 2 GB, a format with no public layout. */
export const MAX_CAPABILITY = 3;

/** Longest credentials accepted before the NUL; longer means the peer isn't a q client. */
export const MAX_HANDSHAKE_BYTES = 1024;

export interface Credentials {
  user: string;
  password: string;
  /** capability announced by the client; 0 when it sent none */
  capability: number;
}

/**
 * Parses the bytes before the handshake's NUL. The last byte is a capability only when it is a
 * control character: old clients send `user:password` alone, ending on a printable byte.
 */
export function parseHandshake(bytes: Buffer): Credentials {
  const last = bytes.length > 0 ? (bytes[bytes.length - 1] ?? 0) : 0x20;
  const hasCapability = last < 0x20;
  const text = bytes.subarray(0, hasCapability ? bytes.length - 1 : bytes.length).toString("utf8");
  const colon = text.indexOf(":");
  return {
    user: colon < 0 ? text : text.slice(0, colon),
    password: colon < 0 ? "" : text.slice(colon + 1),
    capability: hasCapability ? last : 0,
  };
}

/** The server's one-byte answer: the capability both sides speak. */
export function handshakeReply(clientCapability: number): Buffer {
  return Buffer.of(Math.min(clientCapability, MAX_CAPABILITY));
}

/** The client's opening bytes. Credentials can't hold a NUL, which ends the handshake. */
export function encodeHandshake(user: string, password: string, capability = MAX_CAPABILITY): Buffer {
  const text = password === "" ? user : `${user}:${password}`;
  if (text.includes("\0")) throw new TypeError("q credentials must not contain a NUL character");
  return Buffer.concat([Buffer.from(text, "utf8"), Buffer.of(capability, 0)]);
}

/** Whether the server may send compressed messages: capability 0 (kdb+ 2.5) predates them. */
export function canCompress(capability: number): boolean {
  return capability >= 1;
}
