import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  type FieldKind,
  type FieldValue,
  LineProtocolParser,
  measurementsOf,
} from "../../../api/src/points/line-protocol.js";

interface Line {
  measurement: string;
  tags: [string, string][];
  fields: [string, FieldKind, FieldValue][];
  time?: bigint;
}

function parseAll(text: string) {
  const lines: Line[] = [];
  const errors: { line: number; reason: string }[] = [];
  new LineProtocolParser().parse(Buffer.from(text), {
    line: (l) => {
      const time = l.time();
      lines.push({
        measurement: l.measurement,
        tags: Array.from({ length: l.tagCount }, (_, i) => [l.tagKey(i), l.tagValue(i)]),
        fields: Array.from({ length: l.fieldCount }, (_, i) => [
          l.fieldKey(i),
          l.fieldKind(i),
          l.fieldValue(i),
        ]),
        ...(time === undefined ? {} : { time }),
      });
    },
    error: (line, reason) => errors.push({ line, reason }),
  });
  return { lines, errors };
}

// the writer's side of InfluxDB's escaping rules
const esc = (s: string, specials: string) => s.replace(new RegExp(`[\\\\${specials}]`, "g"), (c) => `\\${c}`);
const escName = (s: string) => esc(s, ", ");
const escKey = (s: string) => esc(s, ",= ");
const escString = (s: string) => s.replace(/["\\]/g, (c) => `\\${c}`);

function format(value: FieldValue, kind: FieldKind): string {
  switch (kind) {
    case "integer":
      return `${value}i`;
    case "unsigned":
      return `${value}u`;
    case "string":
      return `"${escString(value as string)}"`;
    case "boolean":
      return value ? "true" : "false";
    default:
      return String(value);
  }
}

function serialize(l: Line): string {
  const tags = l.tags.map(([k, v]) => `,${escKey(k)}=${escKey(v)}`).join("");
  const fields = l.fields.map(([k, kind, v]) => `${escKey(k)}=${format(v, kind)}`).join(",");
  return `${escName(l.measurement)}${tags} ${fields}${l.time === undefined ? "" : ` ${l.time}`}`;
}

// names without line breaks (a name cannot hold one) and not starting with # or blanks
const name = fc
  .string({
    minLength: 1,
    maxLength: 12,
    unit: fc.constantFrom("a", "Z", "_", " ", ",", "=", "\\", '"', "é", "1", "#"),
  })
  .filter((s) => !/^[\s#]/.test(s) && !s.includes("\n"));
const field: fc.Arbitrary<[string, FieldKind, FieldValue]> = fc.oneof(
  fc.tuple(name, fc.constant("float" as const), fc.double({ noNaN: true, noDefaultInfinity: true })),
  fc.tuple(name, fc.constant("integer" as const), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  fc.tuple(name, fc.constant("unsigned" as const), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  fc.tuple(
    name,
    fc.constant("string" as const),
    fc.string({ maxLength: 12, unit: fc.constantFrom("x", '"', "\\", " ", ",", "=", "\n", "ü") }),
  ),
  fc.tuple(name, fc.constant("boolean" as const), fc.boolean()),
);
const line: fc.Arbitrary<Line> = fc.record(
  {
    measurement: name,
    tags: fc.array(fc.tuple(name, name), { maxLength: 3 }),
    fields: fc.array(field, { minLength: 1, maxLength: 4 }),
    time: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  },
  { requiredKeys: ["measurement", "tags", "fields"] },
);

describe("api: line-protocol parser", () => {
  it("parses what InfluxDB's escaping rules write, for every field type (property)", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const parsed = parseAll(lines.map(serialize).join("\n"));
        assert.deepEqual(parsed.errors, []);
        const normal = (ls: Line[]) =>
          ls.map((l) => ({
            ...l,
            fields: l.fields.map(([k, kind, v]) => [k, kind, kind === "float" ? Number(String(v)) : v]),
          }));
        assert.deepEqual(normal(parsed.lines), normal(lines));
      }),
      { numRuns: 500 },
    );
  });

  it("finds the measurements of a body without parsing it", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const found = measurementsOf(Buffer.from(lines.map(serialize).join("\n")));
        for (const l of lines) assert.ok(found.has(l.measurement), l.measurement);
      }),
    );
  });

  it("reads the documented examples", () => {
    const { lines, errors } = parseAll(
      [
        "weather,location=us\\,midwest temperature=82 1465839830100400200",
        'my\\ measurement fieldKey="string value"',
        'cpu,host=a usage=1.5,n=-3i,u=7u,ok=T,off=False,s="a \\"q\\" \\\\ b" ',
        "  # comment",
        "",
        "cpu\\=x v=1e-3\r",
      ].join("\n"),
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(lines[0], {
      measurement: "weather",
      tags: [["location", "us,midwest"]],
      fields: [["temperature", "float", 82]],
      time: 1465839830100400200n,
    });
    assert.equal(lines[1]!.measurement, "my measurement");
    assert.deepEqual(lines[2]!.fields, [
      ["usage", "float", 1.5],
      ["n", "integer", -3n],
      ["u", "unsigned", 7n],
      ["ok", "boolean", true],
      ["off", "boolean", false],
      ["s", "string", 'a "q" \\ b'],
    ]);
    assert.equal(lines[3]!.measurement, "cpu\\=x"); // = needs no escape in a measurement: \= stays as written
  });

  it("reports each bad line with its number and goes on", () => {
    const { lines, errors } = parseAll(
      [
        "cpu",
        "cpu,host v=1",
        "cpu,host= v=1",
        "cpu v=",
        "cpu v=1.2.3",
        "cpu v=1i2",
        'cpu s="never closed',
        "cpu v=1",
      ].join("\n"),
    );
    assert.deepEqual(
      errors.map((e) => e.line),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      lines.map((l) => l.fields),
      [[["v", "float", 1]]],
    ); // parsing resumes after it
    const after = parseAll('cpu v=1 12x\ncpu s="two\nlines" 5\ncpu v=2 7');
    assert.deepEqual(
      after.errors.map((e) => e.line),
      [1],
    );
    assert.deepEqual(
      after.lines.map((l) => l.time),
      [5n, 7n],
    );
    assert.deepEqual(after.lines[0]!.fields, [["s", "string", "two\nlines"]]);
  });
});
