/**
 * First middleware: a request id (the client's X-Request-Id when it is sane, else a new UUID),
 * echoed in the response, a child logger carrying it, and one log line and metric per request.
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { redactUrl } from "../auth/influx-auth.js";
import type { ApiMetrics } from "../metrics.js";
import { maybeContextOf, setContext } from "./context.js";

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger, metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers["x-request-id"];
    const requestId = typeof offered === "string" && CLIENT_ID.test(offered) ? offered : randomUUID();
    const log = logger.child({ reqId: requestId });
    setContext(req, { requestId, log });
    res.setHeader("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const context = maybeContextOf(req);
      const route = context?.route ?? "unmatched";
      metrics.httpRequests.inc({ method: req.method, route, status: res.statusCode });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      log.info(
        {
          method: req.method,
          url: redactUrl(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(seconds * 1e4) / 10,
          tokenId: context?.principal?.tokenId,
          accountId: context?.principal?.accountId,
        },
        "request",
      );
    });
    next();
  };
}
