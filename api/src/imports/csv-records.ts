/**
 * CSV records (RFC 4180: `,` separated, `"` quoted with `""` for a quote, quoted fields may hold
 * newlines, CRLF or LF line ends) read from a byte stream chunk by chunk, so an upload of any size
 * is never held whole. Each record carries the line number it starts on.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A record longer than this stops the import (a missing closing quote would swallow the rest). */
export const MAX_RECORD_CHARS = 1 << 20;

export class CsvRecordError extends Error {}

export async function* csvRecords(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder("utf-8");
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  /** a quote just closed a quoted part (a second quote right after is an escaped quote) */
  let closing = false;
  let size = 0;
  let line = 1;
  let start = 1;
  let pendingCR = false;
  const finish = (): CsvRecord | undefined => {
    fields.push(field);
    const record = { line: start, fields };
    fields = [];
    field = "";
    size = 0;
    const blank = record.fields.length === 1 && record.fields[0] === "";
    return blank ? undefined : record;
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (pendingCR) {
        pendingCR = false;
        if (c === "\n") continue;
      }
      if (quoted) {
        if (c === '"') {
          quoted = false;
          closing = true;
        } else {
          if (c === "\n") line++;
          field += c;
        }
      } else if (c === '"') {
        if (closing) field += '"';
        quoted = true;
        closing = false;
      } else {
        closing = false;
        if (c === ",") {
          fields.push(field);
          field = "";
        } else if (c === "\n" || c === "\r") {
          pendingCR = c === "\r";
          const record = finish();
          if (record !== undefined) out.push(record);
          line++;
          start = line;
        } else field += c;
      }
      if (++size > MAX_RECORD_CHARS)
        throw new CsvRecordError(
          `the record at line ${start} is over ${MAX_RECORD_CHARS} characters (a missing closing quote?)`,
        );
    }
    yield* out;
  }
  if (quoted) throw new CsvRecordError(`the record at line ${start} has an unterminated quote`);
  const last = finish();
  if (last !== undefined) yield last;
}
