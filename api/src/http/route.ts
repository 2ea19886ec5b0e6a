/**
 * Routes as data: each controller returns route specs (method, path, zod schemas of params,
 * query, headers and body, responses, handler). One spec both mounts the Express handler
 * (authentication, rate limit, validation, then the handler) and describes the operation in the
 * OpenAPI document, so the document cannot drift from what the code accepts and answers.
 */
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Principal } from "../auth/scopes.js";
import { BadRequestError, MethodNotAllowedError, offeringBasic, ValidationError } from "../errors/errors.js";
import { contextOf } from "./context.js";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** What a handler answers; the route sends it. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** writes the body itself (streamed formats); status and headers are set before it runs */
  stream?: (res: Response) => Promise<void>;
}

export interface ResponseSpec {
  description: string;
  /** a schema registered in the API's schema registry (see openapi/registry.ts), or none for no body */
  schema?: z.ZodType;
  /** response headers: name → description */
  headers?: Record<string, string>;
  /** media types besides JSON the body may take (streamed text formats, documented as strings) */
  mediaTypes?: string[];
}

/** A body that is not JSON (line protocol, CSV): the handler reads `req` as a stream itself. */
export interface RawBodySpec {
  /** media types documented for the body */
  mediaTypes: string[];
  description: string;
  /** the body's schema, for JSON the handler parses itself (to read 64-bit integers exactly);
   * documented for each media type instead of a string */
  schema?: z.ZodType;
  /** when set, a request whose Content-Type is not one of `mediaTypes` is 415 (line protocol
   * takes any, as InfluxDB does: agents send text/plain, curl sends form-urlencoded) */
  strict?: boolean;
}

type AnyObject = z.ZodObject;

export interface HandlerInput<
  P extends AnyObject,
  Q extends AnyObject,
  H extends AnyObject,
  B extends z.ZodType,
> {
  params: z.output<P>;
  query: z.output<Q>;
  headers: z.output<H>;
  body: z.output<B>;
  /** undefined only on routes with `auth: false` */
  principal: Principal;
  req: Request;
  res: Response;
}

export interface RouteSpec<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  H extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express path, `:name` for parameters */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** default true: a token is required */
  auth?: boolean;
  /** a 401 offers Basic too (see offeringBasic): the routes InfluxDB agents call */
  basicChallenge?: boolean;
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /** the JSON body limit of this route, when not the API's default (point writes take more);
   * read when the route is mounted */
  bodyLimit?: () => string;
  rawBody?: RawBodySpec;
  responses: Record<number, ResponseSpec>;
  handler: (input: HandlerInput<P, Q, H, B>) => Promise<Reply>;
}

/** A spec with its generics erased, for lists of routes. */
export type AnyRoute = RouteSpec<AnyObject, AnyObject, AnyObject, z.ZodType>;

/** Declares a route, checking the handler against the schemas. */
export function route<
  P extends AnyObject = z.ZodObject<Record<never, never>>,
  Q extends AnyObject = z.ZodObject<Record<never, never>>,
  H extends AnyObject = z.ZodObject<Record<never, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, H, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export interface MountOptions {
  /** authenticates the request, setting the principal in its context (throws 401) */
  authenticate: (req: Request) => Promise<Principal>;
  /** applies the rate limit of the principal (throws 429; sets RateLimit headers) */
  rateLimit: (res: Response, principal: Principal) => Promise<void>;
  bodyLimit: string;
}

function parsePart<S extends z.ZodType>(
  schema: S | undefined,
  value: unknown,
  location: string,
): z.output<S> {
  if (schema === undefined) return undefined as z.output<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error, location);
  return result.data;
}

/** Query strings arrive as strings or arrays; reject repeated parameters early with a clear issue. */
function singleValuedQuery(query: Request["query"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const issues: { code: string; path: string[]; message: string }[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value) || (typeof value === "object" && value !== null))
      issues.push({ code: "invalid_type", path: ["query", name], message: "expected a single value" });
    else out[name] = value;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

function lowerCaseHeaders(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

async function sendReply(res: Response, reply: Reply): Promise<void> {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  if (reply.stream !== undefined) await reply.stream(res);
  else if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

function requireMediaType(req: Request, types: string[], what: string): void {
  if (!req.is(types))
    throw new BadRequestError(
      "UNSUPPORTED_MEDIA_TYPE",
      `expected ${what} (Content-Type: ${types.join(" or ")}), got ${req.headers["content-type"] ?? "none"}`,
    );
}

function bodyHandlers(spec: AnyRoute, defaultLimit: string): express.RequestHandler[] {
  // raw bodies are streamed by the handler; their media type is checked after the parameters
  if (spec.rawBody !== undefined || spec.body === undefined) return [];
  const types = ["application/json", "application/*+json"];
  return [
    (req, _res, next) => {
      requireMediaType(req, types, "a JSON body");
      next();
    },
    express.json({ limit: spec.bodyLimit?.() ?? defaultLimit, type: types }),
  ];
}

export function mountRoutes(router: Router, routes: readonly AnyRoute[], options: MountOptions): void {
  const methodsByPath = new Map<string, Method[]>();
  for (const spec of routes) {
    methodsByPath.set(spec.path, [...(methodsByPath.get(spec.path) ?? []), spec.method]);
    const handlers: express.RequestHandler[] = [];
    handlers.push((req, _res, next) => {
      contextOf(req).route = spec.path;
      next();
    });
    if (spec.auth !== false) {
      handlers.push(async (req, res, next: NextFunction) => {
        const principal = await options.authenticate(req).catch((err: unknown) => {
          throw spec.basicChallenge ? offeringBasic(err) : err;
        });
        contextOf(req).principal = principal;
        await options.rateLimit(res, principal);
        next();
      });
    }
    handlers.push(...bodyHandlers(spec, options.bodyLimit));
    handlers.push(async (req, res) => {
      const input = {
        params: parsePart(spec.params, req.params, "path"),
        query: parsePart(spec.query ?? z.strictObject({}), singleValuedQuery(req.query), "query"),
        headers: parsePart(spec.headers, lowerCaseHeaders(req), "header"),
        body: parsePart(spec.body, req.body, "body"),
        principal: contextOf(req).principal as Principal,
        req,
        res,
      };
      if (spec.rawBody?.strict === true)
        requireMediaType(req, spec.rawBody.mediaTypes, spec.rawBody.description);
      await sendReply(res, await spec.handler(input));
    });
    router[spec.method](spec.path, ...handlers);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = methods.map((m) => m.toUpperCase()).join(", ");
    router.all(path, (req, _res, next) => {
      next(new MethodNotAllowedError(req.method, allow));
    });
  }
}
