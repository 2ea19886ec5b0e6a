/**
 * Requests Node's HTTP parser refuses before any middleware runs (a head over `maxHeaderSize`, a
 * malformed request line, a request timeout). Node would answer them with an empty body; we
 * answer problem+json like every other error.
 */
import { randomUUID } from "node:crypto";
import { type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { AppError } from "../errors/app-error.js";
import type { ErrorCode } from "../errors/registry.js";

const CODES: Record<string, { code: ErrorCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: "HEADERS_TOO_LARGE",
    detail: "the request line and headers are over 16 KiB together",
  },
  ERR_HTTP_REQUEST_TIMEOUT: { code: "REQUEST_TIMEOUT", detail: "the request was not received in time" },
};

export function answerClientErrors(server: Server, logger: Logger): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // a peer that went away, or a reply already under way, cannot be answered
    const replying = (socket as { _httpMessage?: { headersSent: boolean } })._httpMessage?.headersSent;
    if (err.code === "ECONNRESET" || !socket.writable || replying === true) {
      socket.destroy();
      return;
    }
    const known = CODES[err.code ?? ""] ?? {
      code: "MALFORMED_REQUEST",
      detail: "not a readable HTTP request",
    };
    const error = new AppError(known.code, known.detail);
    const requestId = randomUUID();
    const body = JSON.stringify(error.toProblem({ requestId }));
    logger.info({ reqId: requestId, code: known.code, err }, "request refused by the HTTP parser");
    socket.end(
      [
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}`,
        "Content-Type: application/problem+json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        "Connection: close",
        "",
        body,
      ].join("\r\n"),
    );
  });
}
