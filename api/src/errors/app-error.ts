/**
 * The one error base class: a registered code (which fixes the HTTP status), a detail for people,
 * and optional issues, extensions and response headers. Subclasses in errors.ts only narrow the
 * codes they accept and build their detail.
 */
import { ERRORS, type ErrorCode, problemType } from "./registry.js";

/** One validation issue, as zod reports it: a discriminating code, where, and what. */
export interface Issue {
  code: string;
  path: (string | number)[];
  message: string;
}

export interface AppErrorOptions extends ErrorOptions {
  issues?: Issue[];
  /** problem+json extension members (e.g. `quota`) */
  extensions?: Record<string, unknown>;
  /** response headers (e.g. `Retry-After`) */
  headers?: Record<string, string>;
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  requestId?: string;
  errors?: Issue[];
  [extension: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.issues = options.issues;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  toProblem(context: { requestId?: string; instance?: string } = {}): Problem {
    return {
      ...this.extensions,
      type: problemType(this.code),
      title: ERRORS[this.code].title,
      status: this.status,
      detail: this.message,
      ...(context.instance === undefined ? {} : { instance: context.instance }),
      code: this.code,
      ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
      ...(this.issues === undefined ? {} : { errors: this.issues }),
    };
  }
}
