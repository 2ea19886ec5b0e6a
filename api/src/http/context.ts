/** What the middleware learns about a request (its id, logger, caller), kept beside it. */
import type { Request } from "express";
import type { Logger } from "pino";
import type { Principal } from "../auth/scopes.js";

export interface RequestContext {
  requestId: string;
  log: Logger;
  /** the route template once matched (`/v1/databases/:db`), for metrics and logs */
  route?: string;
  /** the authenticated caller */
  principal?: Principal;
}

const contexts = new WeakMap<Request, RequestContext>();

export function setContext(req: Request, context: RequestContext): void {
  contexts.set(req, context);
}

export function contextOf(req: Request): RequestContext {
  const context = contexts.get(req);
  if (context === undefined) throw new Error("request context missing: is the request-id middleware first?");
  return context;
}

export function maybeContextOf(req: Request): RequestContext | undefined {
  return contexts.get(req);
}
