/**
 * q errors and connection failures, mapped to API errors: each error word to the problem code the
 * contract (q-api/src/errors.ts) names for it.
 */
import { ERROR_WORDS, type ErrorWordProblem, isErrorWord, splitError } from "../../../q-api/src/index.js";
import { QConnectionError, QRemoteError, QTimeoutError } from "../../../qipc/src/index.js";
import type { AppError } from "../errors/app-error.js";
import {
  BadRequestError,
  ConflictError,
  DependencyError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from "../errors/errors.js";

interface Raised {
  database: string;
  word: string;
  detail: string;
  /** `word: detail`, or the word alone */
  said: string;
  err: QRemoteError;
}

/** How guru-api answers each problem code the contract maps an error word to. */
const PROBLEMS: Record<ErrorWordProblem, (raised: Raised) => AppError> = {
  SERIES_NOT_FOUND: ({ database }) =>
    new NotFoundError("SERIES_NOT_FOUND", `no such series in database ${database}`),
  SERIES_EXISTS: ({ said }) =>
    new ConflictError("SERIES_EXISTS", `the series exists with another schema (${said})`),
  SCHEMA_INVALID: ({ said }) =>
    new BadRequestError("SCHEMA_INVALID", `the database refused the schema: ${said}`),
  VALIDATION_FAILED: ({ said, word, detail }) =>
    new ValidationError([{ code: word, path: [detail || "body"], message: said }], said),
  RESULT_TOO_LARGE: ({ said }) =>
    new BadRequestError("RESULT_TOO_LARGE", `the result is over the database's row limit (${said})`),
  RESULT_OVERFLOW: ({ said }) =>
    new UnprocessableError(
      "RESULT_OVERFLOW",
      `an aggregate is past the range of its type (${said}); sum a float column instead, or fewer rows`,
    ),
  PAYLOAD_TOO_LARGE: ({ said }) =>
    new BadRequestError("PAYLOAD_TOO_LARGE", `the request is over the database's size limit (${said})`),
  DATABASE_TIMEOUT: ({ database }) =>
    new DependencyError("DATABASE_TIMEOUT", `database ${database} ran past its deadline`),
  // `access` and `rank` too: guru-api only makes calls the contract has, so either is a server fault
  DATABASE_ERROR: ({ database, said, err }) =>
    new DependencyError("DATABASE_ERROR", `database ${database} answered '${said}`, { cause: err }),
};

export function mapQError(err: unknown, database: string): AppError | unknown {
  if (err instanceof QRemoteError) {
    const { word, detail } = splitError(err.word);
    const said = detail === "" ? word : `${word}: ${detail}`;
    // any other word is a server's own failure (docs/q-api.md §3)
    const problem = isErrorWord(word) ? ERROR_WORDS[word] : "DATABASE_ERROR";
    return PROBLEMS[problem]({ database, word, detail, said, err });
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
