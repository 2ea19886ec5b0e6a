/**
 * InfluxQL's tokens, scanned on demand from the statement text: identifiers (bare or
 * double-quoted), keywords (any case), single-quoted strings, numbers, durations (`5m`, `1h30m`),
 * operators, and regular expressions (`/re/`, only where the parser asks for one, as InfluxDB's
 * scanner does). Positions are offsets; errors name line and character as InfluxDB does.
 */

export type TokenKind =
  | "ident"
  | "keyword"
  | "string"
  | "number"
  | "duration"
  | "op"
  | "bad-string"
  | "bad-escape"
  | "illegal"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** keywords upper case; operators their symbol; identifiers and strings unescaped */
  text: string;
  /** offset of the first character */
  pos: number;
  /** a double-quoted identifier (never a keyword) */
  quoted?: boolean;
}

const KEYWORDS = new Set(
  (
    "ALL ALTER ANALYZE ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES DEFAULT " +
    "DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FIELD FOR FROM " +
    "GRANT GRANTS GROUP GROUPS IN INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME " +
    "OFFSET ON ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ REPLICATION RESAMPLE " +
    "RETENTION REVOKE SELECT SERIES SET SHARD SHOW SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION SUBSCRIPTIONS " +
    "TAG TO USER USERS VALUES WHERE WITH WRITE AND OR TRUE FALSE"
  ).split(" "),
);

export const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

const OPERATORS = [
  "=~",
  "!~",
  "!=",
  "<>",
  "<=",
  ">=",
  "::",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  ",",
  "(",
  ")",
  ";",
  ".",
];

const isLetter = (c: string) => /[A-Za-z_]/.test(c);
const isIdentChar = (c: string) => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";

/** A duration literal (`5m`, `1h30m`, `100ms`) in nanoseconds, or undefined. */
export function parseDurationText(text: string): bigint | undefined {
  const parts = [...text.matchAll(/(\d+)(ns|ms|u|µ|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + BigInt(p[1]!) * DURATION_UNITS[p[2]!]!, 0n);
}

export class Lexer {
  readonly text: string;
  #pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  get pos(): number {
    return this.#pos;
  }

  set pos(p: number) {
    this.#pos = p;
  }

  #skipSpace(): void {
    const t = this.text;
    for (;;) {
      while (this.#pos < t.length && /\s/.test(t[this.#pos]!)) this.#pos++;
      if (t.startsWith("--", this.#pos)) {
        const nl = t.indexOf("\n", this.#pos);
        this.#pos = nl < 0 ? t.length : nl + 1;
      } else if (t.startsWith("/*", this.#pos)) {
        const end = t.indexOf("*/", this.#pos + 2);
        this.#pos = end < 0 ? t.length : end + 2;
      } else return;
    }
  }

  /** The next token (never a regex). */
  next(): Token {
    this.#skipSpace();
    const t = this.text;
    const start = this.#pos;
    if (start >= t.length) return { kind: "eof", text: "EOF", pos: start };
    const c = t[start]!;
    if (isLetter(c)) {
      let p = start + 1;
      while (p < t.length && isIdentChar(t[p]!)) p++;
      this.#pos = p;
      const word = t.slice(start, p);
      const upper = word.toUpperCase();
      return KEYWORDS.has(upper)
        ? { kind: "keyword", text: upper, pos: start }
        : { kind: "ident", text: word, pos: start };
    }
    if (c === '"') return this.#quoted('"', "ident");
    if (c === "'") return this.#quoted("'", "string");
    if (isDigit(c) || (c === "." && isDigit(t[start + 1] ?? ""))) return this.#number();
    for (const op of OPERATORS)
      if (t.startsWith(op, start)) {
        this.#pos = start + op.length;
        return { kind: "op", text: op, pos: start };
      }
    this.#pos = start + 1;
    return { kind: "illegal", text: c, pos: start };
  }

  /** The token after the next, without consuming anything. */
  peek(): Token {
    const p = this.#pos;
    const token = this.next();
    this.#pos = p;
    return token;
  }

  #quoted(quote: string, kind: "ident" | "string"): Token {
    const t = this.text;
    const start = this.#pos;
    let p = start + 1;
    let out = "";
    while (p < t.length) {
      const c = t[p]!;
      if (c === quote) {
        this.#pos = p + 1;
        return kind === "ident"
          ? { kind, text: out, pos: start, quoted: true }
          : { kind, text: out, pos: start };
      }
      if (c === "\n" && kind === "string") break;
      if (c === "\\") {
        const e = t[p + 1];
        if (e === quote || e === "\\") out += e;
        else if (e === "n") out += "\n";
        else if (kind === "ident" && e !== undefined) out += `\\${e}`;
        else {
          this.#pos = p + 2;
          return { kind: "bad-escape", text: `\\${e ?? ""}`, pos: p };
        }
        p += 2;
        continue;
      }
      out += c;
      p++;
    }
    this.#pos = p;
    return { kind: "bad-string", text: t.slice(start, p), pos: start };
  }

  #number(): Token {
    const t = this.text;
    const start = this.#pos;
    let p = start;
    while (p < t.length && isDigit(t[p]!)) p++;
    let integer = true;
    if (t[p] === "." && isDigit(t[p + 1] ?? "")) {
      integer = false;
      p++;
      while (p < t.length && isDigit(t[p]!)) p++;
    }
    if (integer) {
      // a duration: digits and units, repeated (1h30m)
      const m = /^(?:\d+(?:ns|ms|u|µ|s|m|h|d|w))+/.exec(t.slice(start));
      if (m !== null && !isIdentChar(t[start + m[0].length] ?? "")) {
        this.#pos = start + m[0].length;
        return { kind: "duration", text: m[0], pos: start };
      }
    }
    if (/[eE]/.test(t[p] ?? "") && /^[eE][+-]?\d/.test(t.slice(p))) {
      integer = false;
      p++;
      if (t[p] === "+" || t[p] === "-") p++;
      while (p < t.length && isDigit(t[p]!)) p++;
    }
    this.#pos = p;
    return { kind: "number", text: t.slice(start, p), pos: start };
  }

  /** A regular expression `/.../` at the current position (`\/` is a slash), or undefined. */
  regex(): { source: string; pos: number } | undefined {
    this.#skipSpace();
    const t = this.text;
    const start = this.#pos;
    if (t[start] !== "/") return undefined;
    let p = start + 1;
    let out = "";
    while (p < t.length) {
      const c = t[p]!;
      if (c === "\\" && t[p + 1] === "/") {
        out += "/";
        p += 2;
        continue;
      }
      if (c === "\\" && p + 1 < t.length) {
        out += c + t[p + 1];
        p += 2;
        continue;
      }
      if (c === "/") {
        this.#pos = p + 1;
        return { source: out, pos: start };
      }
      if (c === "\n") break;
      out += c;
      p++;
    }
    return undefined;
  }

  /** 1-based line and character of an offset, as InfluxDB reports them. */
  where(pos: number): { line: number; char: number } {
    const before = this.text.slice(0, pos);
    const line = before.split("\n").length;
    const lastNl = before.lastIndexOf("\n");
    return { line, char: pos - lastNl };
  }
}
