/**
 * Every error guru-api answers with, in one table: a stable code, its HTTP status, a title and a
 * description. docs/api.md lists each code (a unit test checks), and the problem+json body of an
 * error carries the code, so clients match on it rather than on the text.
 */

interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  readonly description: string;
}

export const ERRORS = {
  // ---- request shape ----
  VALIDATION_FAILED: {
    status: 400,
    title: "The request is invalid",
    description:
      "A path parameter, query parameter, header or body field breaks its schema; `errors` lists each issue.",
  },
  MALFORMED_JSON: {
    status: 400,
    title: "The body is not valid JSON",
    description: "The request body could not be parsed as JSON.",
  },
  MALFORMED_BODY: {
    status: 400,
    title: "The body cannot be read",
    description:
      "A body that is not JSON could not be read: broken gzip, or a CSV upload without a usable header.",
  },
  MALFORMED_REQUEST: {
    status: 400,
    title: "The request cannot be read",
    description: "Not a readable HTTP/1.1 request (its request line or a header is malformed).",
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: "The request head is too large",
    description:
      "The request line and headers are over 16 KiB together (a very long URL, or a large header).",
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: "Request timeout",
    description: "The request was not received completely in time.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: "Unsupported media type",
    description: "The body must be `application/json` (UTF-8).",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: "The body is too large",
    description: "The request body is over the route's size limit.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    title: "No such route",
    description: "No route matches the path.",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: "Method not allowed",
    description: "The path exists but not with this method; the `Allow` header lists the methods it takes.",
  },

  // ---- authentication and authorization ----
  AUTH_MISSING: {
    status: 401,
    title: "Authentication required",
    description: "No `Authorization: Bearer <token>` header was sent.",
  },
  AUTH_INVALID: {
    status: 401,
    title: "The token is not valid",
    description: "The token is malformed, unknown, or its secret does not match.",
  },
  AUTH_EXPIRED: {
    status: 401,
    title: "The token has expired",
    description: "The token was valid but its expiry has passed; create a new one.",
  },
  AUTH_REVOKED: {
    status: 401,
    title: "The token was revoked",
    description: "The token was revoked; create a new one.",
  },
  FORBIDDEN: {
    status: 403,
    title: "Not allowed",
    description: "The token lacks the scope the operation needs (`detail` names it).",
  },
  SCOPE_NOT_GRANTABLE: {
    status: 403,
    title: "Scope not grantable",
    description:
      "A token may only be given scopes its creator may grant: `platform:admin` only by a platform admin.",
  },
  RATE_LIMITED: {
    status: 429,
    title: "Too many requests",
    description: "The token sent more requests than its rate allows; wait for `Retry-After` seconds.",
  },

  // ---- accounts and tokens ----
  ACCOUNT_NOT_FOUND: {
    status: 404,
    title: "Account not found",
    description: "No account with this id is visible to the token.",
  },
  ACCOUNT_NOT_EMPTY: {
    status: 409,
    title: "The account still has databases",
    description: "An account can be deleted only once all its databases are deleted.",
  },
  QUOTA_BELOW_USAGE: {
    status: 409,
    title: "Quota below current usage",
    description: "A quota cannot be set below what the account already uses.",
  },
  TOKEN_NOT_FOUND: {
    status: 404,
    title: "Token not found",
    description: "No token with this id in the account.",
  },

  // ---- databases ----
  DATABASE_NOT_FOUND: {
    status: 404,
    title: "Database not found",
    description: "No database of this name in the token's account (or the token may not see it).",
  },
  DATABASE_EXISTS: {
    status: 409,
    title: "Database exists",
    description: "The account already has a database of this name.",
  },
  DATABASE_NOT_READY: {
    status: 409,
    title: "Database not ready",
    description: "The operation needs the database in status `ready`; `detail` gives its status.",
  },
  DATABASE_BUSY: {
    status: 409,
    title: "Database busy",
    description:
      "The database is being provisioned, updated or deleted; retry when its status is `ready` or `failed`.",
  },
  STORAGE_SHRINK: {
    status: 422,
    title: "Storage can only grow",
    description: "`storage.stripeSizeGiB` may only increase.",
  },
  STRIPES_IMMUTABLE: {
    status: 422,
    title: "Stripes are immutable",
    description: "`storage.stripes` is fixed at creation: day d of data lives on stripe d mod stripes.",
  },
  ENGINE_UNAVAILABLE: {
    status: 422,
    title: "Engine not available",
    description:
      "This installation cannot run the requested engine (kdb needs a licence configured by the operator).",
  },
  REGION_UNAVAILABLE: {
    status: 422,
    title: "Region not available",
    description: "This installation does not serve the requested region.",
  },
  QUOTA_DATABASES_EXCEEDED: {
    status: 403,
    title: "Database quota exceeded",
    description: "The account has as many databases as its quota allows; `quota` gives limit and usage.",
  },
  QUOTA_STORAGE_EXCEEDED: {
    status: 403,
    title: "Storage quota exceeded",
    description:
      "The change would take the account's total storage over its quota; `quota` gives limit and usage.",
  },
  QUOTA_BACKUP_STORAGE_EXCEEDED: {
    status: 403,
    title: "Backup storage quota exceeded",
    description:
      "The account's backups already hold its backup quota (maxBackupGiB) or more: delete backups or raise the quota; `quota` gives limit and usage.",
  },

  // ---- series ----
  SERIES_NOT_FOUND: {
    status: 404,
    title: "Series not found",
    description: "No series of this name in the database.",
  },
  SERIES_EXISTS: {
    status: 409,
    title: "Series exists with another schema",
    description:
      "A series of this name exists with a different schema; creating it again with the same schema succeeds.",
  },
  POINTS_REJECTED: {
    status: 400,
    title: "Some points were refused",
    description:
      "Lines or rows of a write were refused (`lines` gives each one's number and reason, at most 100); every other one was written (`written`).",
  },
  RESULT_OVERFLOW: {
    status: 422,
    title: "An aggregate overflows its type",
    description:
      "A `sum` of `long`, `int`, `boolean` or `timespan` values is past what a 64-bit integer holds (±(2^63−1)); sum a float column, or over fewer rows.",
  },
  INFLUXQL_INVALID: {
    status: 400,
    title: "The InfluxQL cannot be read",
    description:
      "`/query` without `q`, or with InfluxQL that does not parse; `error` has InfluxDB's message (`error parsing query: found …, expected … at line 1, char 8`).",
  },
  RESULT_TOO_LARGE: {
    status: 413,
    title: "The result is too large",
    description:
      "The query's result is over the row limit; page it with `limit` and `cursor`, or stream it as `jsonl` or `csv`.",
  },
  JOB_NOT_FOUND: {
    status: 404,
    title: "Job not found",
    description: "No job with this id in the token's account (jobs are kept 7 days).",
  },
  BACKUP_NOT_FOUND: {
    status: 404,
    title: "Backup not found",
    description: "The database (or the database it was taken of) has no backup with this id.",
  },
  BACKUP_RUNNING: {
    status: 409,
    title: "The backup is running",
    description: "A running backup cannot be deleted; delete it once it succeeded or failed.",
  },
  BACKUP_NOT_RESTORABLE: {
    status: 422,
    title: "The backup cannot be restored",
    description: "Only a backup that succeeded can be restored.",
  },
  BACKUPS_UNAVAILABLE: {
    status: 422,
    title: "Backups are not available",
    description:
      "This installation has no backup storage configured (GURU_API_BACKUP_STORAGE, GURU_API_BACKUP_BUCKET).",
  },
  RESTORE_UNAVAILABLE: {
    status: 422,
    title: "Restore is not available here",
    description:
      "This installation's provisioner cannot create a database from a backup (Kubernetes: not yet).",
  },
  SCHEMA_INVALID: {
    status: 400,
    title: "Invalid series schema",
    description: "The database refused the schema (reserved or duplicate column name, too many columns...).",
  },

  // ---- concurrency and idempotency ----
  CONFLICT: {
    status: 409,
    title: "Concurrent modification",
    description: "The resource changed while the request was applied; read it again and retry.",
  },
  PRECONDITION_FAILED: {
    status: 412,
    title: "Precondition failed",
    description: "`If-Match` does not match the resource's current `ETag`.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: "Idempotency key reused",
    description: "The `Idempotency-Key` was used before with a different request.",
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    title: "Request with this idempotency key in progress",
    description: "A request with the same `Idempotency-Key` is still running; retry after it finishes.",
  },

  // ---- dependencies ----
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: "Database unavailable",
    description: "The database's q endpoint cannot be reached; retry after `Retry-After` seconds.",
  },
  DATABASE_OVERLOADED: {
    status: 503,
    title: "Database overloaded",
    description: "Too many writes to the database are in flight; retry after `Retry-After` seconds.",
  },
  DATABASE_TIMEOUT: {
    status: 504,
    title: "Database timed out",
    description: "The database did not answer within the deadline; the outcome of a write is unknown.",
  },
  DATABASE_ERROR: {
    status: 502,
    title: "Database error",
    description: "The database answered with an error the API does not expect.",
  },
  CATALOG_UNAVAILABLE: {
    status: 503,
    title: "Catalog unavailable",
    description: "The catalog (DynamoDB) is unreachable or throttling; retry after `Retry-After` seconds.",
  },
  INTERNAL: {
    status: 500,
    title: "Internal error",
    description: "An unexpected failure; the `requestId` finds it in the logs.",
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The codes whose status is `S` (so that, for instance, a NotFoundError can only carry a 404 code). */
export type CodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof ERRORS)[K]["status"] extends S ? K : never;
}[ErrorCode];

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The problem `type` URI of a code: docs/api.md has an anchor per code. */
export function problemType(code: ErrorCode): string {
  return `https://timeseries.guru/problems/${code.toLowerCase().replaceAll("_", "-")}`;
}
