import { strict as assert } from "node:assert";
import fc from "fast-check";
import { type CsvRecord, csvRecords } from "../../../api/src/imports/csv-records.js";
import { parseDuration } from "../../../api/src/queries/query-options.js";

async function read(chunks: string[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of csvRecords(
    (async function* () {
      yield* chunks.map((c) => Buffer.from(c));
    })(),
  ))
    out.push(record);
  return out;
}

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);

describe("api: CSV records and durations", () => {
  it("reads quoted fields, escaped quotes and line breaks, with the line each record starts on", async () => {
    const records = await read(['a,"b,c"\r\n"x ""y""",', '"multi\nline"\n\nlast']);
    assert.deepEqual(records, [
      { line: 1, fields: ["a", "b,c"] },
      { line: 2, fields: ['x "y"', "multi\nline"] },
      { line: 5, fields: ["last"] },
    ]);
  });

  it("gives the same records however the bytes are split (property)", async () => {
    const field = fc.string({ maxLength: 6, unit: fc.constantFrom("a", ",", '"', "\n", "é", " ") });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (rows, cuts) => {
          const text = rows.map((r) => r.map(quote).join(",")).join("\r\n");
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((p, i, all) =>
            bytes.subarray(p, all[i + 1] ?? bytes.length).toString("latin1"),
          );
          const whole = await read([text]);
          const split: CsvRecord[] = [];
          for await (const r of csvRecords(
            (async function* () {
              yield* chunks.map((c) => Buffer.from(c, "latin1"));
            })(),
          ))
            split.push(r);
          assert.deepEqual(split, whole);
          assert.deepEqual(
            whole.map((r) => r.fields),
            rows,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses an unterminated quote", async () => {
    await assert.rejects(read(['a,"b\n']), /unterminated quote/);
  });

  it("parses bucket durations", () => {
    assert.equal(parseDuration("5m"), 300_000_000_000n);
    assert.equal(parseDuration("1h30m"), 5_400_000_000_000n);
    assert.equal(parseDuration("250ms"), 250_000_000n);
    assert.equal(parseDuration("1d"), 86_400_000_000_000n);
    for (const bad of ["", "5", "m", "1x", "1m 2s", "-1m"]) assert.equal(parseDuration(bad), undefined, bad);
  });
});
