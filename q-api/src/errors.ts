/**
 * The error words of the guru q API (docs/q-api.md §3), each with the problem code guru-api
 * answers when a database raises it. A server raises them through `qFail`, so it cannot raise a
 * word the contract does not have.
 */
import { QFail } from "../../qipc/src/index.js";

export const ERROR_WORDS = {
  access: "DATABASE_ERROR",
  rank: "DATABASE_ERROR",
  "guru.type": "VALIDATION_FAILED",
  "guru.arg": "VALIDATION_FAILED",
  "guru.column.unknown": "VALIDATION_FAILED",
  "guru.series.unknown": "SERIES_NOT_FOUND",
  "guru.series.exists": "SERIES_EXISTS",
  "guru.schema.invalid": "SCHEMA_INVALID",
  "guru.schema.mismatch": "VALIDATION_FAILED",
  "guru.query.limit": "RESULT_TOO_LARGE",
  "guru.overflow": "RESULT_OVERFLOW",
  stop: "DATABASE_TIMEOUT",
  limit: "PAYLOAD_TOO_LARGE",
} as const;

export type ErrorWord = keyof typeof ERROR_WORDS;
/** the API problem codes the error words map to */
export type ErrorWordProblem = (typeof ERROR_WORDS)[ErrorWord];

export function isErrorWord(word: string): word is ErrorWord {
  return Object.hasOwn(ERROR_WORDS, word);
}

/** The q error `word` or `word: detail`. */
export function qFail(word: ErrorWord, detail?: string, options?: ErrorOptions): QFail {
  return new QFail(detail === undefined ? word : `${word}: ${detail}`, options);
}

/** A q error's text split at its first colon into the word and the detail. */
export function splitError(text: string): { word: string; detail: string } {
  const colon = text.indexOf(":");
  return colon < 0
    ? { word: text, detail: "" }
    : { word: text.slice(0, colon), detail: text.slice(colon + 1).trim() };
}
