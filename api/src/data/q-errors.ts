/**
 * q errors (docs/q-api.md §3) and connection failures, mapped to API errors. The data plane
 * (issue 6) adds its own words here; the control plane meets only a few of them.
 */
import { QConnectionError, QRemoteError, QTimeoutError } from "../../../qipc/src/errors.js";
import type { AppError } from "../errors/app-error.js";
import {
  BadRequestError,
  ConflictError,
  DependencyError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from "../errors/errors.js";

/** The word of a q error: the text before the first colon. */
export function wordOf(err: QRemoteError): { word: string; detail: string } {
  const colon = err.word.indexOf(":");
  return colon < 0
    ? { word: err.word, detail: "" }
    : { word: err.word.slice(0, colon), detail: err.word.slice(colon + 1).trim() };
}

export function mapQError(err: unknown, database: string): AppError | unknown {
  if (err instanceof QRemoteError) {
    const { word, detail } = wordOf(err);
    const said = detail === "" ? word : `${word}: ${detail}`;
    switch (word) {
      case "guru.series.unknown":
        return new NotFoundError("SERIES_NOT_FOUND", `no such series in database ${database}`);
      case "guru.series.exists":
        return new ConflictError("SERIES_EXISTS", `the series exists with another schema (${said})`);
      case "guru.schema.invalid":
        return new BadRequestError("SCHEMA_INVALID", `the database refused the schema: ${said}`);
      case "guru.arg":
      case "guru.type":
      case "guru.column.unknown":
      case "guru.schema.mismatch":
        return new ValidationError([{ code: word, path: [detail || "body"], message: said }], said);
      case "guru.query.limit":
        return new BadRequestError(
          "RESULT_TOO_LARGE",
          `the result is over the database's row limit (${said})`,
        );
      case "guru.overflow":
        return new UnprocessableError(
          "RESULT_OVERFLOW",
          `an aggregate is past the range of its type (${said}); sum a float column instead, or fewer rows`,
        );
      case "limit":
        return new BadRequestError(
          "PAYLOAD_TOO_LARGE",
          `the request is over the database's size limit (${said})`,
        );
      case "stop":
        return new DependencyError("DATABASE_TIMEOUT", `database ${database} ran past its deadline`);
      default:
        return new DependencyError("DATABASE_ERROR", `database ${database} answered '${said}`, {
          cause: err,
        });
    }
  }
  if (err instanceof QTimeoutError)
    return new DependencyError("DATABASE_TIMEOUT", `database ${database} did not answer in time`, {
      cause: err,
    });
  if (err instanceof QConnectionError)
    return new DependencyError("DATABASE_UNAVAILABLE", `database ${database} cannot be reached`, {
      cause: err,
      retryAfterSeconds: 2,
    });
  return err;
}
