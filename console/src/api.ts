/**
 * The console's only way out: fetch to the public REST API on this origin, with the signed-in
 * token as `Authorization: Bearer`. Errors become `Problem`s as the API's problem+json says them,
 * with the request id (from the body, else the X-Request-Id header).
 */

export interface ProblemIssue {
  code?: string;
  path?: (string | number)[];
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  requestId?: string;
  errors?: ProblemIssue[];
  /** POINTS_REJECTED */
  written?: number;
  rejected?: number;
  lines?: { line: number; reason: string }[];
  [member: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code ?? problem.title}: ${problem.detail ?? ""}`);
  }
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export type Query = Record<string, string | number | undefined>;

export function queryString(query: Query | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

export async function problemOf(response: Response): Promise<Problem> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Problem;
    if (typeof body === "object" && body !== null && typeof body.status === "number")
      return { ...body, requestId: body.requestId ?? requestId };
  } catch {
    // not JSON: said below as it came
  }
  return { title: response.statusText || "Request failed", status: response.status, detail: text, requestId };
}

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class Api {
  constructor(readonly token: string) {}

  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...options.headers };
    let body: BodyInit | undefined = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.contentType !== undefined) headers["Content-Type"] = options.contentType;
    let response: Response;
    try {
      response = await fetch(path + queryString(options.query), {
        method,
        headers,
        body,
        signal: options.signal,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError({ title: "The API cannot be reached", status: 0, detail: (err as Error).message });
    }
    if (!response.ok) throw new ApiError(await problemOf(response));
    return response;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === "" ? null : JSON.parse(text)) as T,
    };
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, { query, signal }).then((r) => r.body);
  }
}

export function enc(name: string): string {
  return encodeURIComponent(name);
}

// ---- the API's shapes (docs/api.md) ----

export interface Whoami {
  tokenId: string;
  accountId: string;
  scopes: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Database {
  name: string;
  region: string;
  engine: string;
  size: string;
  storage: { stripes: number; stripeSizeGiB: number; totalGiB: number };
  retention: { days: number } | null;
  status: string;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Column {
  name: string;
  type: string;
  tag: boolean;
}

export interface Series {
  name: string;
  database: string;
  columns: Column[];
  createdAt: string;
}

export interface Token {
  id: string;
  accountId: string;
  name: string;
  scopes: string[];
  status: "active" | "expired" | "revoked";
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface Job {
  id: string;
  kind: string;
  database: string;
  series?: string;
  status: string;
  rowsRead?: number;
  rowsWritten?: number;
  rowsRejected?: number;
  rejections?: { line: number; reason: string }[];
  error: string | null;
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  values: Record<string, (string | number | boolean | null)[]>;
  count: number;
  nextCursor: string | null;
}

/** Every page of a list, following nextCursor. */
export async function listAll<T>(api: Api, path: string, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<Page<T>>(path, { limit: 100, cursor }, signal);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
