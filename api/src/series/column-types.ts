/**
 * Column types as the REST API names them, and the q type letters of the guru q API
 * (docs/q-api.md §2) they stand for.
 */
export const COLUMN_TYPES = {
  float: "f",
  real: "e",
  long: "j",
  int: "i",
  boolean: "b",
  string: "C",
  symbol: "s",
  timestamp: "p",
  timespan: "n",
} as const;

export type ColumnType = keyof typeof COLUMN_TYPES;
export const COLUMN_TYPE_NAMES = Object.keys(COLUMN_TYPES) as [ColumnType, ...ColumnType[]];

/**
 * Names of series and columns (q-api §2): a letter, then letters, digits and `_`; at most 64; not
 * a word q reserves.
 */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export const RESERVED_NAMES: ReadonlySet<string> = new Set(
  (
    "date i abs acos asin atan avg bin binr cor cos cov delete dev div do enlist exec exit exp getenv " +
    "hopen if in insert last like log max min prd select setenv sin sqrt ss sum tan update var wavg " +
    "while within wsum xexp"
  ).split(" "),
);
