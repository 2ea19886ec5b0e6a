/** Names of series and columns (docs/q-api.md §2). */

export const MAX_NAME_LENGTH = 64;

/** a letter, then letters, digits and `_`; at most 64 characters */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** kdb+'s virtual columns (`date`, `i`) and `.Q.res`: names a q table column cannot safely take. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(
  (
    "date i abs acos asin atan avg bin binr cor cos cov delete dev div do enlist exec exit exp getenv " +
    "hopen if in insert last like log max min prd select setenv sin sqrt ss sum tan update var wavg " +
    "while within wsum xexp"
  ).split(" "),
);

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && !RESERVED_NAMES.has(name);
}
