/**
 * The one error middleware: turns any error into an application/problem+json reply, logs 4xx at
 * info and 5xx at error with the request id, and never lets internal details reach the client.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { Logger } from "pino";
import { redactUrl } from "../auth/influx-auth.js";
import { maybeContextOf } from "../http/context.js";
import { AppError } from "./app-error.js";
import { BadRequestError, InternalError, NotFoundError } from "./errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** body-parser's errors carry a `type`; map the ones a client causes to our codes. */
function fromBodyParser(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case "entity.parse.failed":
      return new BadRequestError("MALFORMED_JSON", `the body is not valid JSON: ${(err as Error).message}`);
    case "entity.too.large":
      return new BadRequestError("PAYLOAD_TOO_LARGE", "the body is over the size limit");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new BadRequestError("UNSUPPORTED_MEDIA_TYPE", (err as Error).message);
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new BadRequestError("MALFORMED_JSON", (err as Error).message);
    default:
      return undefined;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return fromBodyParser(err) ?? new InternalError("internal error", { cause: err });
}

export function sendProblem(req: Request, res: Parameters<RequestHandler>[1], error: AppError): void {
  const context = maybeContextOf(req);
  const problem = error.toProblem({ requestId: context?.requestId, instance: redactUrl(req.originalUrl) });
  res.status(error.status);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function problemHandler(rootLogger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toAppError(err);
    const log = maybeContextOf(req)?.log ?? rootLogger;
    if (error.status >= 500) log.error({ err, code: error.code }, "request failed");
    else log.info({ code: error.code, detail: error.message }, "request refused");
    sendProblem(req, res, error);
  };
}

/** The last route: nothing matched. */
export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError("ROUTE_NOT_FOUND", `no route for ${req.method} ${req.path}`));
};
