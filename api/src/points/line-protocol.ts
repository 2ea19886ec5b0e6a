/**
 * An InfluxDB line-protocol parser that hands each line to the caller as keys and typed values,
 * reusing one scratch object (no per-line allocation beyond the strings themselves):
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Escapes (InfluxDB's rules): in the measurement `\,` and `\ `; in tag keys, tag values and field
 * keys `\,` `\=` `\ `; in string field values `\"`; everywhere `\\` is one backslash (so that a
 * value may end in a backslash); a backslash before any other character is kept as it is.
 * Field values: floats (`1`, `-1.5e3`), integers `12i`, unsigned `12u`, strings `"..."` (may hold
 * newlines), booleans `t T true True TRUE f F false False FALSE`. Blank lines and lines starting
 * with `#` are skipped. A bad line is reported with its number (1-based) and the parser goes on
 * with the next.
 */

export type FieldKind = "float" | "integer" | "unsigned" | "string" | "boolean";
export type FieldValue = number | bigint | string | boolean;

export interface ParsedLine {
  /** 1-based number of the line's first physical line */
  lineNo: number;
  measurement: string;
  tagCount: number;
  tagKeys: string[];
  tagValues: string[];
  fieldCount: number;
  fieldKeys: string[];
  fieldKinds: FieldKind[];
  fieldValues: FieldValue[];
  /** the timestamp as written (units of the request's precision), or undefined when absent */
  time: bigint | undefined;
}

export interface LineHandler {
  line(line: ParsedLine): void;
  error(lineNo: number, reason: string): void;
}

class LineError extends Error {}

const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;
const TAB = 9;
const HASH = 35;

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const UNSIGNED = /^\d+$/;
const BOOLEANS: Record<string, boolean> = {
  t: true,
  T: true,
  true: true,
  True: true,
  TRUE: true,
  f: false,
  F: false,
  false: false,
  False: false,
  FALSE: false,
};

function newlinesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Removes the escapes of a key or name: `\` before one of `specials` or before `\`. */
function unescapeKey(raw: string, specials: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const next = raw[i + 1];
    if (c === "\\" && next !== undefined && (next === "\\" || specials.includes(next))) {
      out += next;
      i++;
    } else out += c;
  }
  return out;
}

export class LineProtocolParser {
  readonly #line: ParsedLine = {
    lineNo: 0,
    measurement: "",
    tagCount: 0,
    tagKeys: [],
    tagValues: [],
    fieldCount: 0,
    fieldKeys: [],
    fieldKinds: [],
    fieldValues: [],
    time: undefined,
  };
  #text = "";
  #pos = 0;
  #lineNo = 1;

  /** Parses every line of `text`, calling the handler once per line (good or bad). */
  parse(text: string, handler: LineHandler): void {
    this.#text = text;
    this.#pos = 0;
    this.#lineNo = 1;
    const n = text.length;
    while (this.#pos < n) {
      if (this.#skipBlank()) continue;
      const start = this.#lineNo;
      const startPos = this.#pos;
      try {
        this.#parseLine();
        handler.line(this.#line);
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        handler.error(start, err.message);
        // an unterminated string leaves the position at its quote: go on from the next line
        this.#lineNo = start + newlinesIn(text, startPos, this.#pos);
        this.#skipRestOfLine();
      }
    }
  }

  /** Skips leading whitespace; true when the line was blank or a comment (and is consumed). */
  #skipBlank(): boolean {
    const t = this.#text;
    let p = this.#pos;
    while (p < t.length && (t.charCodeAt(p) === SPACE || t.charCodeAt(p) === TAB || t.charCodeAt(p) === CR))
      p++;
    this.#pos = p;
    if (p >= t.length) return true;
    const c = t.charCodeAt(p);
    if (c === NEWLINE) {
      this.#pos = p + 1;
      this.#lineNo++;
      return true;
    }
    if (c === HASH) {
      this.#skipRestOfLine();
      return true;
    }
    return false;
  }

  #skipRestOfLine(): void {
    const next = this.#text.indexOf("\n", this.#pos);
    this.#pos = next < 0 ? this.#text.length : next + 1;
    this.#lineNo++;
  }

  #fail(reason: string): never {
    throw new LineError(reason);
  }

  /**
   * Scans a key or name up to an unescaped stop character; returns it unescaped. `stops` is a
   * bitmask of: 1 comma, 2 space, 4 equals.
   */
  #token(stops: number, specials: string, what: string): string {
    const t = this.#text;
    const start = this.#pos;
    let p = start;
    let escaped = false;
    for (; p < t.length; p++) {
      const c = t.charCodeAt(p);
      if (c === NEWLINE || c === CR) break;
      if (c === BACKSLASH && p + 1 < t.length && t.charCodeAt(p + 1) !== NEWLINE) {
        escaped = true;
        p++;
        continue;
      }
      if ((c === COMMA && stops & 1) || (c === SPACE && stops & 2) || (c === EQUALS && stops & 4)) break;
    }
    this.#pos = p;
    if (p === start) this.#fail(`missing ${what}`);
    const raw = t.slice(start, p);
    return escaped ? unescapeKey(raw, specials) : raw;
  }

  #expect(code: number, what: string): void {
    if (this.#text.charCodeAt(this.#pos) !== code) this.#fail(`expected ${what}`);
    this.#pos++;
  }

  #parseLine(): void {
    const line = this.#line;
    const t = this.#text;
    line.lineNo = this.#lineNo;
    line.tagCount = 0;
    line.fieldCount = 0;
    line.time = undefined;
    line.measurement = this.#token(1 | 2, ", ", "measurement");
    while (t.charCodeAt(this.#pos) === COMMA) {
      this.#pos++;
      const key = this.#token(1 | 2 | 4, ",= ", "tag key");
      this.#expect(EQUALS, `= after tag key ${key}`);
      const value = this.#token(1 | 2 | 4, ",= ", `value of tag ${key}`);
      line.tagKeys[line.tagCount] = key;
      line.tagValues[line.tagCount] = value;
      line.tagCount++;
    }
    if (t.charCodeAt(this.#pos) !== SPACE) this.#fail("expected a space before the fields");
    this.#skipSpaces();
    do {
      if (line.fieldCount > 0) this.#pos++;
      const key = this.#token(1 | 2 | 4, ",= ", "field key");
      this.#expect(EQUALS, `= after field key ${key}`);
      this.#fieldValue(key);
    } while (t.charCodeAt(this.#pos) === COMMA);
    this.#timestamp();
  }

  #skipSpaces(): void {
    const t = this.#text;
    while (t.charCodeAt(this.#pos) === SPACE || t.charCodeAt(this.#pos) === TAB) this.#pos++;
  }

  #fieldValue(key: string): void {
    const line = this.#line;
    const i = line.fieldCount;
    line.fieldKeys[i] = key;
    if (this.#text.charCodeAt(this.#pos) === QUOTE) {
      line.fieldKinds[i] = "string";
      line.fieldValues[i] = this.#stringValue(key);
    } else this.#scalarValue(key, i);
    line.fieldCount++;
  }

  #stringValue(key: string): string {
    const t = this.#text;
    const start = ++this.#pos;
    let p = start;
    let escaped = false;
    for (; p < t.length; p++) {
      const c = t.charCodeAt(p);
      if (c === BACKSLASH) {
        escaped = true;
        p++;
        if (t.charCodeAt(p) === NEWLINE) this.#lineNo++;
      } else if (c === QUOTE) break;
      else if (c === NEWLINE) this.#lineNo++;
    }
    if (p >= t.length) this.#fail(`unterminated string value of field ${key}`);
    this.#pos = p + 1;
    const raw = t.slice(start, p);
    return escaped ? unescapeKey(raw, '"') : raw;
  }

  #scalarValue(key: string, i: number): void {
    const t = this.#text;
    const start = this.#pos;
    let p = start;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === COMMA || c === SPACE || c === NEWLINE || c === CR || c === TAB) break;
      p++;
    }
    this.#pos = p;
    const raw = t.slice(start, p);
    const line = this.#line;
    const last = raw.charCodeAt(raw.length - 1);
    if (last === 105 /* i */ && INTEGER.test(raw.slice(0, -1))) {
      line.fieldKinds[i] = "integer";
      line.fieldValues[i] = BigInt(raw.slice(0, -1));
    } else if (last === 117 /* u */ && UNSIGNED.test(raw.slice(0, -1))) {
      line.fieldKinds[i] = "unsigned";
      line.fieldValues[i] = BigInt(raw.slice(0, -1));
    } else if (FLOAT.test(raw)) {
      line.fieldKinds[i] = "float";
      line.fieldValues[i] = Number(raw);
    } else if (raw in BOOLEANS) {
      line.fieldKinds[i] = "boolean";
      line.fieldValues[i] = BOOLEANS[raw]!;
    } else this.#fail(raw === "" ? `missing value of field ${key}` : `invalid value of field ${key}: ${raw}`);
  }

  #timestamp(): void {
    const t = this.#text;
    this.#skipSpaces();
    const start = this.#pos;
    let p = start;
    while (p < t.length && t.charCodeAt(p) !== NEWLINE && t.charCodeAt(p) !== SPACE && t.charCodeAt(p) !== CR)
      p++;
    if (p > start) {
      const raw = t.slice(start, p);
      if (!INTEGER.test(raw)) this.#fail(`invalid timestamp: ${raw}`);
      this.#line.time = BigInt(raw);
    }
    this.#pos = p;
    this.#skipSpaces();
    if (t.charCodeAt(this.#pos) === CR) this.#pos++;
    if (this.#pos < t.length && t.charCodeAt(this.#pos) !== NEWLINE)
      this.#fail("unexpected text after the timestamp");
    if (this.#pos < t.length) {
      this.#pos++;
      this.#lineNo++;
    }
  }
}

/**
 * The measurement names of a body, found without parsing the lines (to look their series up
 * before the parse). A string field holding a newline can add a name that is no measurement;
 * callers only use the names to look series up, so that costs one lookup.
 */
export function measurementsOf(text: string): Set<string> {
  const names = new Set<string>();
  let pos = 0;
  let previous = "";
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    while (pos < end && (text.charCodeAt(pos) === SPACE || text.charCodeAt(pos) === TAB)) pos++;
    if (pos < end && text.charCodeAt(pos) !== HASH && text.charCodeAt(pos) !== CR) {
      let p = pos;
      let escaped = false;
      for (; p < end; p++) {
        const c = text.charCodeAt(p);
        if (c === BACKSLASH) {
          escaped = true;
          p++;
        } else if (c === COMMA || c === SPACE) break;
      }
      const raw = text.slice(pos, Math.min(p, end));
      // consecutive lines mostly share their measurement: skip the set for them
      if (raw !== previous) {
        names.add(escaped ? unescapeKey(raw, ", ") : raw);
        previous = raw;
      }
    }
    pos = end + 1;
  }
  return names;
}
