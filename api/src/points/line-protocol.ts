/**
 * An InfluxDB line-protocol parser over the body's bytes. For each line it hands the caller one
 * reused `ParsedLine` holding offsets into the bytes, the field kinds and the float values; no
 * string is made unless the caller asks for one, and names and tag values asked for repeatedly
 * come from one cache (`ByteStrings`), so a line costs no allocation once its values were seen:
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Escapes (InfluxDB's rules): in the measurement `\,` and `\ `; in tag keys, tag values and field
 * keys `\,` `\=` `\ `; in string field values `\"`; everywhere `\\` is one backslash (so that a
 * value may end in a backslash); a backslash before any other character is kept as it is.
 * Field values: floats (`1`, `-1.5e3`, finite), integers `12i`, unsigned `12u`, strings `"..."`
 * (may hold newlines), booleans `t T true True TRUE f F false False FALSE`. Blank lines and lines
 * starting with `#` are skipped. A bad line is reported with its number (1-based) and the parser
 * goes on with the next.
 */
import { ByteStrings, sameSpan, utf8 } from "./byte-strings.js";
import { latin1, parseFloatBytes, parseIntegerBytes, readPlainDecimal } from "./decimal-bytes.js";

export const FIELD_KINDS = ["float", "integer", "unsigned", "string", "boolean"] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];
export type FieldValue = number | bigint | string | boolean;

/** Field kind codes: indexes into FIELD_KINDS. */
export const FLOAT = 0;
export const INTEGER = 1;
export const UNSIGNED = 2;
export const STRING = 3;
export const BOOLEAN = 4;

/** Bits of `tagEscapes` / `fieldEscapes`: the key, or the value, holds a backslash. */
const KEY_ESCAPED = 1;
const VALUE_ESCAPED = 2;

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
const NUL = 0;

/** What a `#token` scans, for its messages. */
const MEASUREMENT = 0;
const TAG_KEY = 1;
const TAG_VALUE = 2;
const FIELD_KEY = 3;

/** Stop sets of `#token`, as bits. */
const STOP_COMMA = 1;
const STOP_SPACE = 2;
const STOP_EQUALS = 4;

/** Bytes a key or tag value may stop or change at: one table load per byte instead of five compares. */
const SPECIAL = new Uint8Array(256);
for (const c of [NUL, NEWLINE, CR, SPACE, COMMA, EQUALS, BACKSLASH]) SPECIAL[c] = 1;

/** Removes the escapes of a key or name: `\` before one of `specials` or before `\`. */
function unescapeText(raw: string, specials: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    const next = raw[i + 1];
    if (c === "\\" && next !== undefined && (next === "\\" || specials.includes(next))) {
      out += next;
      i++;
    } else out += c;
  }
  return out;
}

/** One line as offsets into `bytes` ([start, end) pairs); reused from line to line. */
export class ParsedLine {
  bytes: Buffer = Buffer.alloc(0);
  /** 1-based number of the line's first physical line */
  lineNo = 0;
  measurement = "";
  tagCount = 0;
  readonly tagKeyStart: number[] = [];
  readonly tagKeyEnd: number[] = [];
  readonly tagValueStart: number[] = [];
  readonly tagValueEnd: number[] = [];
  readonly tagEscapes: number[] = [];
  fieldCount = 0;
  readonly fieldKeyStart: number[] = [];
  readonly fieldKeyEnd: number[] = [];
  /** for strings the span inside the quotes; for integers without the `i` or `u` */
  readonly fieldValueStart: number[] = [];
  readonly fieldValueEnd: number[] = [];
  readonly fieldEscapes: number[] = [];
  /** FLOAT, INTEGER, ... */
  readonly fieldKinds: number[] = [];
  /** the value of floats, 1 or 0 for booleans */
  readonly fieldNumbers: number[] = [];
  /** the timestamp as written (units of the request's precision); timeStart < 0 when absent */
  timeStart = -1;
  timeEnd = -1;
  readonly #strings: ByteStrings;

  constructor(strings: ByteStrings) {
    this.#strings = strings;
  }

  #text(start: number, end: number, escaped: boolean, specials: string): string {
    return escaped
      ? unescapeText(utf8(this.bytes, start, end), specials)
      : this.#strings.get(this.bytes, start, end);
  }

  tagKey(i: number): string {
    const escaped = ((this.tagEscapes[i] as number) & KEY_ESCAPED) !== 0;
    return this.#text(this.tagKeyStart[i] as number, this.tagKeyEnd[i] as number, escaped, ",= ");
  }

  tagValue(i: number): string {
    const escaped = ((this.tagEscapes[i] as number) & VALUE_ESCAPED) !== 0;
    return this.#text(this.tagValueStart[i] as number, this.tagValueEnd[i] as number, escaped, ",= ");
  }

  fieldKey(i: number): string {
    const escaped = ((this.fieldEscapes[i] as number) & KEY_ESCAPED) !== 0;
    return this.#text(this.fieldKeyStart[i] as number, this.fieldKeyEnd[i] as number, escaped, ",= ");
  }

  fieldKind(i: number): FieldKind {
    return FIELD_KINDS[this.fieldKinds[i] as number] as FieldKind;
  }

  /** A string field's text (not cached: string fields rarely repeat). */
  fieldString(i: number): string {
    const text = utf8(this.bytes, this.fieldValueStart[i] as number, this.fieldValueEnd[i] as number);
    return ((this.fieldEscapes[i] as number) & VALUE_ESCAPED) !== 0 ? unescapeText(text, '"') : text;
  }

  /** An integer or unsigned field's exact value. */
  fieldInteger(i: number): bigint {
    return BigInt(latin1(this.bytes, this.fieldValueStart[i] as number, this.fieldValueEnd[i] as number));
  }

  /** Any field's value, as its kind holds it. */
  fieldValue(i: number): FieldValue {
    switch (this.fieldKinds[i]) {
      case STRING:
        return this.fieldString(i);
      case INTEGER:
      case UNSIGNED:
        return this.fieldInteger(i);
      case BOOLEAN:
        return this.fieldNumbers[i] === 1;
      default:
        return this.fieldNumbers[i] as number;
    }
  }

  /** The timestamp as written, or undefined when the line has none. */
  time(): bigint | undefined {
    return this.timeStart < 0 ? undefined : BigInt(latin1(this.bytes, this.timeStart, this.timeEnd));
  }
}

export class LineProtocolParser {
  readonly #strings = new ByteStrings();
  readonly #line = new ParsedLine(this.#strings);
  #bytes: Buffer = Buffer.alloc(0);
  #pos = 0;
  #lineNo = 1;
  #escaped = false;
  readonly #plain = new Float64Array(1);

  /** Parses every line of `bytes`, calling the handler once per line (good or bad). */
  parse(bytes: Buffer, handler: LineHandler): void {
    this.#bytes = bytes;
    this.#line.bytes = bytes;
    this.#pos = 0;
    this.#lineNo = 1;
    const n = bytes.length;
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
        this.#lineNo = start + newlinesIn(bytes, startPos, this.#pos);
        this.#skipRestOfLine();
      }
    }
  }

  /** Skips leading whitespace; true when the line was blank or a comment (and is consumed). */
  #skipBlank(): boolean {
    const b = this.#bytes;
    let p = this.#pos;
    while (p < b.length && (b[p] === SPACE || b[p] === TAB || b[p] === CR)) p++;
    this.#pos = p;
    if (p >= b.length) return true;
    if (b[p] === NEWLINE) {
      this.#pos = p + 1;
      this.#lineNo++;
      return true;
    }
    if (b[p] === HASH) {
      this.#skipRestOfLine();
      return true;
    }
    return false;
  }

  #skipRestOfLine(): void {
    const next = this.#bytes.indexOf(NEWLINE, this.#pos);
    this.#pos = next < 0 ? this.#bytes.length : next + 1;
    this.#lineNo++;
  }

  #fail(reason: string): never {
    throw new LineError(reason);
  }

  /**
   * Scans a key, name or tag value up to an unescaped stop character; returns its end and
   * sets `#escaped` when it holds a backslash. NUL is refused: no q symbol can hold one.
   */
  #token(stops: number, what: number): number {
    const b = this.#bytes;
    const start = this.#pos;
    let p = start;
    let escaped = false;
    for (; p < b.length; p++) {
      const c = b[p] as number;
      if (SPECIAL[c] === 0) continue;
      if (c === NEWLINE || c === CR) break;
      if (c === BACKSLASH) {
        if (p + 1 < b.length && b[p + 1] !== NEWLINE) {
          escaped = true;
          p++;
        }
        continue;
      }
      if ((c === COMMA && stops & STOP_COMMA) || (c === SPACE && stops & STOP_SPACE)) break;
      if (c === EQUALS && stops & STOP_EQUALS) break;
      if (c === NUL) this.#fail(`${this.#name(what)} holds a NUL character`);
    }
    this.#pos = p;
    if (p === start) this.#fail(`missing ${this.#name(what)}`);
    this.#escaped = escaped;
    return p;
  }

  /** Names a token of the current line in a message (its key is parsed when it is a tag value). */
  #name(what: number): string {
    const line = this.#line;
    if (what === MEASUREMENT) return "measurement";
    if (what === TAG_KEY) return "tag key";
    if (what === FIELD_KEY) return "field key";
    return `value of tag ${line.tagKey(line.tagCount - 1)}`;
  }

  #expectEquals(): void {
    if (this.#bytes[this.#pos] === EQUALS) {
      this.#pos++;
      return;
    }
    const line = this.#line;
    const inFields = line.fieldCount > 0;
    const key = inFields ? line.fieldKey(line.fieldCount - 1) : line.tagKey(line.tagCount - 1);
    this.#fail(`expected = after ${inFields ? "field" : "tag"} key ${key}`);
  }

  #parseLine(): void {
    const line = this.#line;
    const b = this.#bytes;
    line.lineNo = this.#lineNo;
    line.tagCount = 0;
    line.fieldCount = 0;
    line.timeStart = -1;
    const start = this.#pos;
    const end = this.#token(STOP_COMMA | STOP_SPACE, MEASUREMENT);
    line.measurement = this.#escaped
      ? unescapeText(utf8(b, start, end), ", ")
      : this.#strings.get(b, start, end);
    while (b[this.#pos] === COMMA) {
      this.#pos++;
      this.#tag(line);
    }
    if (b[this.#pos] !== SPACE) this.#fail("expected a space before the fields");
    this.#skipSpaces();
    do {
      if (line.fieldCount > 0) this.#pos++;
      this.#field(line);
    } while (b[this.#pos] === COMMA);
    this.#timestamp();
  }

  #tag(line: ParsedLine): void {
    const i = line.tagCount;
    const stops = STOP_COMMA | STOP_SPACE | STOP_EQUALS;
    line.tagKeyStart[i] = this.#pos;
    line.tagKeyEnd[i] = this.#token(stops, TAG_KEY);
    line.tagEscapes[i] = this.#escaped ? KEY_ESCAPED : 0;
    line.tagCount++; // so that messages can name the key
    this.#expectEquals();
    line.tagValueStart[i] = this.#pos;
    line.tagValueEnd[i] = this.#token(stops, TAG_VALUE);
    if (this.#escaped) line.tagEscapes[i] = (line.tagEscapes[i] as number) | VALUE_ESCAPED;
  }

  #field(line: ParsedLine): void {
    const i = line.fieldCount;
    line.fieldKeyStart[i] = this.#pos;
    line.fieldKeyEnd[i] = this.#token(STOP_COMMA | STOP_SPACE | STOP_EQUALS, FIELD_KEY);
    line.fieldEscapes[i] = this.#escaped ? KEY_ESCAPED : 0;
    line.fieldCount++; // so that messages can name the key
    this.#expectEquals();
    if (this.#bytes[this.#pos] === QUOTE) this.#stringValue(line, i);
    else this.#scalarValue(line, i);
  }

  #skipSpaces(): void {
    const b = this.#bytes;
    while (b[this.#pos] === SPACE || b[this.#pos] === TAB) this.#pos++;
  }

  #stringValue(line: ParsedLine, i: number): void {
    const b = this.#bytes;
    const start = ++this.#pos;
    let p = start;
    let escaped = false;
    for (; p < b.length; p++) {
      const c = b[p];
      if (c === BACKSLASH) {
        escaped = true;
        p++;
        if (b[p] === NEWLINE) this.#lineNo++;
      } else if (c === QUOTE) break;
      else if (c === NEWLINE) this.#lineNo++;
    }
    if (p >= b.length) this.#fail(`unterminated string value of field ${line.fieldKey(i)}`);
    this.#pos = p + 1;
    line.fieldKinds[i] = STRING;
    line.fieldValueStart[i] = start;
    line.fieldValueEnd[i] = p;
    if (escaped) line.fieldEscapes[i] = (line.fieldEscapes[i] as number) | VALUE_ESCAPED;
  }

  #scalarValue(line: ParsedLine, i: number): void {
    const b = this.#bytes;
    const start = this.#pos;
    line.fieldValueStart[i] = start;
    // nearly every value is a plain decimal: read in the scan that finds its end
    const plainEnd = readPlainDecimal(b, start, this.#plain);
    if (plainEnd >= 0 && isValueEnd(b, plainEnd)) {
      this.#pos = plainEnd;
      line.fieldValueEnd[i] = plainEnd;
      line.fieldKinds[i] = FLOAT;
      line.fieldNumbers[i] = this.#plain[0] as number;
      return;
    }
    let p = start;
    for (; p < b.length; p++) {
      const c = b[p] as number;
      if (c <= SPACE && (c === SPACE || c === NEWLINE || c === CR || c === TAB)) break;
      if (c === COMMA) break;
    }
    this.#pos = p;
    line.fieldValueEnd[i] = p;
    const last = b[p - 1];
    if (p > start + 1 && (last === 105 /* i */ || last === 117) /* u */) {
      if (parseIntegerBytes(b, start, p - 1, last === 105) !== null) {
        line.fieldKinds[i] = last === 105 ? INTEGER : UNSIGNED;
        line.fieldValueEnd[i] = p - 1;
        return;
      }
    }
    const value = parseFloatBytes(b, start, p);
    if (!Number.isNaN(value)) {
      if (!Number.isFinite(value))
        this.#fail(`value of field ${line.fieldKey(i)} is out of range: ${latin1(b, start, p)}`);
      line.fieldKinds[i] = FLOAT;
      line.fieldNumbers[i] = value;
      return;
    }
    const boolean = booleanAt(b, start, p);
    if (boolean < 0) {
      const raw = latin1(b, start, p);
      this.#fail(
        raw === ""
          ? `missing value of field ${line.fieldKey(i)}`
          : `invalid value of field ${line.fieldKey(i)}: ${raw}`,
      );
    }
    line.fieldKinds[i] = BOOLEAN;
    line.fieldNumbers[i] = boolean;
  }

  #timestamp(): void {
    const b = this.#bytes;
    const line = this.#line;
    this.#skipSpaces();
    const start = this.#pos;
    let p = start;
    while (p < b.length && b[p] !== NEWLINE && b[p] !== SPACE && b[p] !== CR) p++;
    if (p > start) {
      if (parseIntegerBytes(b, start, p, true) === null)
        this.#fail(`invalid timestamp: ${latin1(b, start, p)}`);
      line.timeStart = start;
      line.timeEnd = p;
    }
    this.#pos = p;
    this.#skipSpaces();
    if (b[this.#pos] === CR) this.#pos++;
    if (this.#pos < b.length && b[this.#pos] !== NEWLINE) this.#fail("unexpected text after the timestamp");
    if (this.#pos < b.length) {
      this.#pos++;
      this.#lineNo++;
    }
  }
}

const TRUE_WORDS = ["t", "T", "true", "True", "TRUE"].map((w) => Buffer.from(w));
const FALSE_WORDS = ["f", "F", "false", "False", "FALSE"].map((w) => Buffer.from(w));

/** Whether a field value may end before `bytes[p]`: at a separator or the end of the body. */
function isValueEnd(bytes: Buffer, p: number): boolean {
  const c = bytes[p];
  return c === undefined || c === SPACE || c === COMMA || c === NEWLINE || c === CR || c === TAB;
}

/** 1 or 0 for InfluxDB's boolean words, -1 for anything else. */
function booleanAt(bytes: Buffer, start: number, end: number): number {
  const is = (word: Buffer) =>
    word.length === end - start && bytes.compare(word, 0, word.length, start, end) === 0;
  if (TRUE_WORDS.some(is)) return 1;
  if (FALSE_WORDS.some(is)) return 0;
  return -1;
}

function newlinesIn(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE, from); i >= 0 && i < to; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * The measurement names of a body, found without parsing the lines (to look their series up
 * before the parse). A string field holding a newline can add a name that is no measurement;
 * callers only use the names to look series up, so that costs one lookup.
 */
export function measurementsOf(bytes: Buffer): Set<string> {
  const names = new Set<string>();
  let pos = 0;
  let previousStart = 0;
  let previousEnd = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf(NEWLINE, pos);
    if (end < 0) end = bytes.length;
    while (pos < end && (bytes[pos] === SPACE || bytes[pos] === TAB)) pos++;
    if (pos < end && bytes[pos] !== HASH && bytes[pos] !== CR) {
      let p = pos;
      let escaped = false;
      for (; p < end; p++) {
        const c = bytes[p];
        if (c === BACKSLASH) {
          escaped = true;
          p++;
        } else if (c === COMMA || c === SPACE) break;
      }
      p = Math.min(p, end);
      // consecutive lines mostly share their measurement: skip the set for them
      if (!sameSpan(bytes, previousStart, previousEnd, pos, p)) {
        const raw = utf8(bytes, pos, p);
        names.add(escaped ? unescapeText(raw, ", ") : raw);
        previousStart = pos;
        previousEnd = p;
      }
    }
    pos = end + 1;
  }
  return names;
}
