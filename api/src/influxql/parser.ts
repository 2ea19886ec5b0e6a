/**
 * InfluxQL text → statements (ast.ts), by recursive descent over the lexer's tokens. Syntax
 * errors read as InfluxDB 1.x words them (`found X, expected Y at line L, char C`); statements that
 * are valid InfluxQL but outside what guru-api answers parse as `unsupported`, so that the rest of
 * a multi-statement query still runs and that one gets a statement error, as in InfluxDB.
 */
import type { BinaryOp, Expr, Field, Fill, SelectStatement, Source, Statement } from "./ast.js";
import { Lexer, parseDurationText, type Token } from "./lexer.js";

export class InfluxQLSyntaxError extends Error {}

export type ParsedStatement = Statement | { kind: "unsupported"; what: string };

const STATEMENT_STARTS = "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL";
const SHOW_WHATS =
  "CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, USERS";

const COMPARISONS = new Set(["=", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~"]);

/** Every statement of `text`, separated by `;`. */
export function parseQuery(text: string): ParsedStatement[] {
  return new Parser(text).statements();
}

class Parser {
  readonly #lx: Lexer;

  constructor(text: string) {
    this.#lx = new Lexer(text);
  }

  #fail(token: Token, expected: string): never {
    const shown =
      token.kind === "string" ? token.text : token.kind === "bad-string" ? token.text : token.text;
    const pos = token.kind === "eof" ? token.pos + 1 : token.pos;
    const { line, char } = this.#lx.where(pos);
    if (token.kind === "bad-string")
      throw new InfluxQLSyntaxError(`found ${shown}, expected ${expected} at line ${line}, char ${char}`);
    if (token.kind === "bad-escape")
      throw new InfluxQLSyntaxError(`bad escape: ${shown} at line ${line}, char ${char}`);
    throw new InfluxQLSyntaxError(`found ${shown}, expected ${expected} at line ${line}, char ${char}`);
  }

  #next(): Token {
    return this.#lx.next();
  }

  #peek(): Token {
    return this.#lx.peek();
  }

  #isKeyword(token: Token, word: string): boolean {
    return token.kind === "keyword" && token.text === word;
  }

  #accept(word: string): boolean {
    const t = this.#peek();
    if ((t.kind === "keyword" || t.kind === "op") && t.text === word) {
      this.#next();
      return true;
    }
    return false;
  }

  #expect(word: string): Token {
    const t = this.#next();
    if ((t.kind === "keyword" || t.kind === "op") && t.text === word) return t;
    return this.#fail(t, word);
  }

  #ident(): string {
    const t = this.#next();
    if (t.kind === "ident") return t.text;
    return this.#fail(t, "identifier");
  }

  #integer(what: string): number {
    const t = this.#next();
    if (t.kind === "number" && /^\d+$/.test(t.text)) return Number(t.text);
    return this.#fail(t, what);
  }

  statements(): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    for (;;) {
      while (this.#accept(";"));
      const t = this.#peek();
      if (t.kind === "eof") break;
      out.push(this.#statement());
      const after = this.#next();
      if (after.kind === "eof") break;
      if (!(after.kind === "op" && after.text === ";")) this.#fail(after, ";");
    }
    return out;
  }

  #statement(): ParsedStatement {
    const t = this.#next();
    if (t.kind === "keyword") {
      switch (t.text) {
        case "SELECT":
          return this.#select();
        case "SHOW":
          return this.#show();
        case "DELETE":
        case "CREATE":
        case "DROP":
        case "EXPLAIN":
        case "GRANT":
        case "REVOKE":
        case "ALTER":
        case "SET":
        case "KILL":
          return this.#unsupported(t.text);
      }
    }
    return this.#fail(t, STATEMENT_STARTS);
  }

  /** Skips a statement guru-api does not answer, up to the next `;` outside quotes. */
  #unsupported(first: string): ParsedStatement {
    const words = [first];
    for (;;) {
      const t = this.#peek();
      if (t.kind === "eof" || (t.kind === "op" && t.text === ";")) break;
      this.#next();
      if (words.length < 3 && t.kind === "keyword") words.push(t.text);
      if (t.kind === "bad-string" || t.kind === "bad-escape") this.#fail(t, "a closed string");
    }
    return { kind: "unsupported", what: words.join(" ") };
  }

  // ---- SHOW ----

  #show(): ParsedStatement {
    const t = this.#next();
    if (t.kind !== "keyword") return this.#fail(t, SHOW_WHATS);
    switch (t.text) {
      case "DATABASES":
        return { kind: "show-databases" };
      case "RETENTION": {
        this.#expect("POLICIES");
        const database = this.#accept("ON") ? this.#ident() : undefined;
        return { kind: "show-retention-policies", ...(database === undefined ? {} : { database }) };
      }
      case "MEASUREMENTS":
        return this.#showMeasurements();
      case "TAG": {
        const what = this.#next();
        if (this.#isKeyword(what, "KEYS")) return this.#showTagKeys();
        if (this.#isKeyword(what, "VALUES")) return this.#showTagValues();
        return this.#fail(what, "KEYS, VALUES");
      }
      case "FIELD": {
        this.#expect("KEYS");
        const database = this.#on();
        const sources = this.#accept("FROM") ? this.#sources() : [];
        const { limit, offset } = this.#limits();
        return { kind: "show-field-keys", ...database, sources, ...limit, ...offset };
      }
      case "CONTINUOUS":
      case "DIAGNOSTICS":
      case "GRANTS":
      case "MEASUREMENT":
      case "QUERIES":
      case "SERIES":
      case "SHARD":
      case "SHARDS":
      case "STATS":
      case "SUBSCRIPTIONS":
      case "USERS":
        return this.#unsupported(`SHOW ${t.text}`);
    }
    return this.#fail(t, SHOW_WHATS);
  }

  #on(): { database?: string } {
    return this.#accept("ON") ? { database: this.#ident() } : {};
  }

  #limits(): { limit: { limit?: number }; offset: { offset?: number } } {
    const limit = this.#accept("LIMIT") ? { limit: this.#integer("integer") } : {};
    const offset = this.#accept("OFFSET") ? { offset: this.#integer("integer") } : {};
    return { limit, offset };
  }

  #where(): { condition?: Expr } {
    return this.#accept("WHERE") ? { condition: this.#expr() } : {};
  }

  #showMeasurements(): ParsedStatement {
    const database = this.#on();
    let match: { op: "=" | "=~" | "!=" | "!~"; value: string } | undefined;
    if (this.#accept("WITH")) {
      this.#expect("MEASUREMENT");
      const op = this.#next();
      if (op.kind !== "op" || !["=", "=~", "!=", "!~"].includes(op.text)) this.#fail(op, "=, !=, =~, !~");
      if (op.text === "=~" || op.text === "!~") {
        const re = this.#lx.regex();
        if (re === undefined) this.#fail(this.#peek(), "regex");
        match = { op: op.text, value: re.source };
      } else match = { op: op.text as "=" | "!=", value: this.#ident() };
    }
    const condition = this.#where();
    const { limit, offset } = this.#limits();
    return {
      kind: "show-measurements",
      ...database,
      ...(match === undefined ? {} : { match }),
      ...condition,
      ...limit,
      ...offset,
    };
  }

  #showTagKeys(): ParsedStatement {
    const database = this.#on();
    const sources = this.#accept("FROM") ? this.#sources() : [];
    const condition = this.#where();
    const { limit, offset } = this.#limits();
    return { kind: "show-tag-keys", ...database, sources, ...condition, ...limit, ...offset };
  }

  #showTagValues(): ParsedStatement {
    const database = this.#on();
    const sources = this.#accept("FROM") ? this.#sources() : [];
    this.#expect("WITH");
    this.#expect("KEY");
    const op = this.#next();
    let key: { op: "=" | "!=" | "=~" | "!~" | "IN"; values: string[] };
    if (this.#isKeyword(op, "IN")) {
      this.#expect("(");
      const values = [this.#ident()];
      while (this.#accept(",")) values.push(this.#ident());
      this.#expect(")");
      key = { op: "IN", values };
    } else if (op.kind === "op" && (op.text === "=~" || op.text === "!~")) {
      const re = this.#lx.regex();
      if (re === undefined) this.#fail(this.#peek(), "regex");
      key = { op: op.text, values: [re.source] };
    } else if (op.kind === "op" && (op.text === "=" || op.text === "!=" || op.text === "<>")) {
      key = { op: op.text === "=" ? "=" : "!=", values: [this.#ident()] };
    } else return this.#fail(op, "=, !=, =~, !~, IN");
    const condition = this.#where();
    const { limit, offset } = this.#limits();
    return { kind: "show-tag-values", ...database, sources, key, ...condition, ...limit, ...offset };
  }

  // ---- SELECT ----

  #select(): SelectStatement {
    const fields: Field[] = [this.#field()];
    while (this.#accept(",")) fields.push(this.#field());
    const into = this.#peek();
    if (this.#isKeyword(into, "INTO")) this.#fail(into, "FROM");
    this.#expect("FROM");
    const sources = this.#sources();
    const statement: SelectStatement = {
      kind: "select",
      fields,
      sources,
      groupTags: [],
      groupAllTags: false,
      fill: { kind: "null" },
      order: "asc",
      ...this.#where(),
    };
    if (this.#accept("GROUP")) {
      this.#expect("BY");
      do this.#dimension(statement);
      while (this.#accept(","));
    }
    const fill = this.#peek();
    if (fill.kind === "ident" && fill.text.toLowerCase() === "fill") {
      this.#next();
      statement.fill = this.#fill();
    }
    if (this.#accept("ORDER")) {
      this.#expect("BY");
      const by = this.#next();
      if (!(by.kind === "ident" && by.text.toLowerCase() === "time")) this.#fail(by, "time");
      if (this.#accept("DESC")) statement.order = "desc";
      else this.#accept("ASC");
    }
    if (this.#accept("LIMIT")) statement.limit = this.#integer("integer");
    if (this.#accept("OFFSET")) statement.offset = this.#integer("integer");
    if (this.#accept("SLIMIT")) statement.slimit = this.#integer("integer");
    if (this.#accept("SOFFSET")) statement.soffset = this.#integer("integer");
    const tz = this.#peek();
    if (tz.kind === "ident" && tz.text.toLowerCase() === "tz") {
      this.#next();
      this.#expect("(");
      const zone = this.#next();
      if (zone.kind !== "string") this.#fail(zone, "string");
      this.#expect(")");
      statement.tz = zone.text;
    }
    return statement;
  }

  #field(): Field {
    const t = this.#peek();
    if (t.kind === "op" && t.text === "*") {
      this.#next();
      return { expr: { kind: "wildcard" } };
    }
    if (t.kind === "eof" || (t.kind === "keyword" && !["TRUE", "FALSE"].includes(t.text)))
      this.#fail(t, "identifier, string, number, bool");
    const expr = this.#expr();
    if (this.#accept("AS")) return { expr, alias: this.#ident() };
    return { expr };
  }

  #sources(): Source[] {
    const out = [this.#source()];
    while (this.#accept(",")) out.push(this.#source());
    return out;
  }

  #source(): Source {
    const re = this.#lx.regex();
    if (re !== undefined) return { regex: re.source };
    const parts: string[] = [];
    const first = this.#next();
    if (first.kind !== "ident") return this.#fail(first, "identifier, regex");
    parts.push(first.text);
    while (this.#peek().kind === "op" && this.#peek().text === ".") {
      this.#next();
      // db..m: the default retention policy
      if (this.#peek().kind === "op" && this.#peek().text === ".") {
        parts.push("");
        continue;
      }
      const last = this.#lx.regex();
      if (last !== undefined) {
        parts.push(`/${last.source}/`);
        break;
      }
      parts.push(this.#ident());
    }
    if (parts.length > 3) this.#fail(this.#peek(), "identifier");
    const name = parts[parts.length - 1]!;
    const source: Source = name.startsWith("/") ? { regex: name.slice(1, -1) } : { name };
    if (parts.length === 3) {
      source.database = parts[0]!;
      if (parts[1] !== "") source.retentionPolicy = parts[1]!;
    } else if (parts.length === 2) source.retentionPolicy = parts[0]!;
    return source;
  }

  #dimension(statement: SelectStatement): void {
    const t = this.#peek();
    if (t.kind === "op" && t.text === "*") {
      this.#next();
      statement.groupAllTags = true;
      return;
    }
    if (t.kind === "ident" && !t.quoted && t.text.toLowerCase() === "time" && this.#afterIsParen()) {
      this.#next();
      this.#expect("(");
      const interval = this.#durationArg();
      let offset = 0n;
      if (this.#accept(",")) {
        const neg = this.#accept("-");
        offset = this.#durationArg();
        if (neg) offset = -offset;
      }
      this.#expect(")");
      statement.interval = { ns: interval, offset };
      return;
    }
    const re = this.#lx.regex();
    if (re !== undefined) throw new InfluxQLSyntaxError("GROUP BY by a regular expression is not supported");
    statement.groupTags.push(this.#ident());
  }

  #afterIsParen(): boolean {
    const p = this.#lx.pos;
    this.#next();
    const t = this.#next();
    this.#lx.pos = p;
    return t.kind === "op" && t.text === "(";
  }

  #durationArg(): bigint {
    const t = this.#next();
    if (t.kind === "duration") return parseDurationText(t.text)!;
    return this.#fail(t, "duration");
  }

  #fill(): Fill {
    this.#expect("(");
    const t = this.#next();
    let fill: Fill;
    if (t.kind === "ident" && ["null", "none", "previous", "linear"].includes(t.text.toLowerCase()))
      fill = { kind: t.text.toLowerCase() as "null" | "none" | "previous" | "linear" };
    else if (t.kind === "number") fill = { kind: "number", value: Number(t.text) };
    else if (t.kind === "op" && t.text === "-") {
      const n = this.#next();
      if (n.kind !== "number") this.#fail(n, "number");
      fill = { kind: "number", value: -Number(n.text) };
    } else return this.#fail(t, "null, none, previous, linear, number");
    this.#expect(")");
    return fill;
  }

  // ---- expressions: OR < AND < comparisons < + - < * / ----

  #expr(): Expr {
    return this.#binary(0);
  }

  static readonly #levels: string[][] = [
    ["OR"],
    ["AND"],
    ["=", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~"],
    ["+", "-"],
    ["*", "/", "%"],
  ];

  #binary(level: number): Expr {
    if (level >= Parser.#levels.length) return this.#unary();
    let lhs = this.#binary(level + 1);
    for (;;) {
      const t = this.#peek();
      if (!((t.kind === "keyword" || t.kind === "op") && Parser.#levels[level]!.includes(t.text))) return lhs;
      this.#next();
      if (t.text === "%") throw new InfluxQLSyntaxError("the % operator is not supported");
      let rhs: Expr;
      if (COMPARISONS.has(t.text) && (t.text === "=~" || t.text === "!~")) {
        const re = this.#lx.regex();
        if (re === undefined) this.#fail(this.#peek(), "regex");
        rhs = { kind: "regex", source: re.source };
      } else rhs = this.#binary(level + 1);
      lhs = { kind: "binary", op: t.text as BinaryOp, lhs, rhs };
    }
  }

  #unary(): Expr {
    const t = this.#next();
    switch (t.kind) {
      case "ident": {
        const after = this.#peek();
        if (!t.quoted && after.kind === "op" && after.text === "(") {
          this.#next();
          const args: Expr[] = [];
          if (!this.#accept(")")) {
            do {
              const a = this.#peek();
              if (a.kind === "op" && a.text === "*") {
                this.#next();
                args.push({ kind: "wildcard" });
              } else {
                const re = this.#lx.regex();
                args.push(re !== undefined ? { kind: "regex", source: re.source } : this.#expr());
              }
            } while (this.#accept(","));
            this.#expect(")");
          }
          return { kind: "call", name: t.text.toLowerCase(), args };
        }
        if (after.kind === "op" && after.text === "::") {
          this.#next();
          const type = this.#next();
          if (type.kind !== "ident" && type.kind !== "keyword")
            this.#fail(type, "float, integer, string, boolean, field, tag");
        }
        return { kind: "ref", name: t.text };
      }
      case "string":
        return { kind: "string", value: t.text };
      case "number":
        return { kind: "number", value: Number(t.text), integer: /^\d+$/.test(t.text), text: t.text };
      case "duration":
        return { kind: "duration", ns: parseDurationText(t.text)!, text: t.text };
      case "keyword":
        if (t.text === "TRUE" || t.text === "FALSE") return { kind: "bool", value: t.text === "TRUE" };
        break;
      case "op":
        if (t.text === "(") {
          const expr = this.#expr();
          this.#expect(")");
          return { kind: "paren", expr };
        }
        if (t.text === "-" || t.text === "+") {
          const n = this.#next();
          if (n.kind === "number") {
            const value = t.text === "-" ? -Number(n.text) : Number(n.text);
            return { kind: "number", value, integer: /^\d+$/.test(n.text), text: `${t.text}${n.text}` };
          }
          if (n.kind === "duration") {
            const ns = parseDurationText(n.text)!;
            return { kind: "duration", ns: t.text === "-" ? -ns : ns, text: `${t.text}${n.text}` };
          }
          return this.#fail(n, "identifier, string, number, bool");
        }
        break;
    }
    return this.#fail(t, "identifier, string, number, bool");
  }
}
