/**
 * q's `like` patterns as regular expressions: `*` any run, `?` one character, `[abc]` a set,
 * `[^abc]` its complement; everything else literal. The source uses only syntax that JavaScript
 * and RE2 (DuckDB's `regexp_full_match`) read alike, so both sides match the same strings.
 */

const SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

export function likeToRegexSource(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[" && classEnd(pattern, i) > 0) {
      const close = classEnd(pattern, i);
      out += characterClass(pattern.slice(i + 1, close));
      i = close;
    } else out += c.replace(SPECIAL, "\\$&");
  }
  return out;
}

/** Index of the `]` closing a set opened at `open` (a set has at least one member), or -1:
 * an unclosed `[` is literal. */
function classEnd(pattern: string, open: number): number {
  const first = pattern[open + 1] === "^" ? open + 2 : open + 1;
  return pattern.indexOf("]", first + 1);
}

function characterClass(body: string): string {
  const negated = body.startsWith("^");
  const members = (negated ? body.slice(1) : body).replace(/[\\\]^[]/g, "\\$&");
  return `[${negated ? "^" : ""}${members}]`;
}

/** A JavaScript matcher for whole strings, as q's `like` matches the whole value. */
export function likeMatcher(pattern: string): RegExp {
  return new RegExp(`^(?:${likeToRegexSource(pattern)})$`, "s");
}

/** The same pattern for DuckDB's `regexp_full_match` (RE2), `.` matching newlines too. */
export function likeToRe2(pattern: string): string {
  return `(?s)${likeToRegexSource(pattern)}`;
}
