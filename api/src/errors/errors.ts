/**
 * The error classes the services throw. Each narrows the codes it may carry to one status class,
 * so a wrong pairing (a 409 code on a NotFoundError) does not compile.
 */
import type { z } from "zod";
import { AppError, type AppErrorOptions, type Issue } from "./app-error.js";
import type { CodeWithStatus } from "./registry.js";

export class ValidationError extends AppError {
  constructor(issues: Issue[], detail = describeIssues(issues)) {
    super("VALIDATION_FAILED", detail, { issues });
  }

  /** From a zod error, with `location` (body, query, path, header) first in every path. */
  static fromZod(error: z.ZodError, location: string): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        code: issue.code,
        path: [location, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        message: issue.message,
      })),
    );
  }
}

function describeIssues(issues: Issue[]): string {
  const first = issues[0];
  if (first === undefined) return "the request is invalid";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${first.path.join(".")}: ${first.message}${more}`;
}

export class BadRequestError extends AppError {
  constructor(code: CodeWithStatus<400 | 413 | 415>, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allow: string) {
    super("METHOD_NOT_ALLOWED", `${method} is not allowed here; allowed: ${allow}`, {
      headers: { Allow: allow },
    });
  }
}

const BEARER_CHALLENGE = 'Bearer realm="guru-api"';
const BASIC_CHALLENGE = 'Basic realm="guru-api"';

export class UnauthorizedError extends AppError {
  constructor(code: CodeWithStatus<401>, detail: string, challenges = [BEARER_CHALLENGE]) {
    super(code, detail, { headers: { "WWW-Authenticate": challenges.join(", ") } });
  }
}

/**
 * The same refusal, offering Basic besides Bearer: agents that send their user and password only
 * when challenged for them (collectd's libcurl) then send them. Only on the routes InfluxDB
 * agents call: a browser would answer a Basic challenge on the console's calls with a prompt.
 */
export function offeringBasic(err: unknown): unknown {
  if (!(err instanceof UnauthorizedError)) return err;
  return new UnauthorizedError(err.code as CodeWithStatus<401>, err.message, [
    BEARER_CHALLENGE,
    BASIC_CHALLENGE,
  ]);
}

export class ForbiddenError extends AppError {
  constructor(code: CodeWithStatus<403>, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
  }
}

export class NotFoundError extends AppError {
  constructor(code: CodeWithStatus<404>, detail: string) {
    super(code, detail);
  }
}

export class ConflictError extends AppError {
  constructor(code: CodeWithStatus<409 | 412>, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: CodeWithStatus<422>, detail: string) {
    super(code, detail);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super("RATE_LIMITED", `rate limit reached; retry in ${retryAfterSeconds} s`, {
      headers: { "Retry-After": String(retryAfterSeconds) },
    });
  }
}

/** A dependency failed: 502, 503 (with Retry-After) or 504. */
export class DependencyError extends AppError {
  constructor(
    code: CodeWithStatus<502 | 503 | 504>,
    detail: string,
    options: AppErrorOptions & { retryAfterSeconds?: number } = {},
  ) {
    const { retryAfterSeconds, ...rest } = options;
    super(code, detail, {
      ...rest,
      headers: {
        ...rest.headers,
        ...(retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) }),
      },
    });
  }
}

export class InternalError extends AppError {
  constructor(detail = "internal error", options?: AppErrorOptions) {
    super("INTERNAL", detail, options);
  }
}
