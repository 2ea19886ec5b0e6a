/** docs/q-api.md and the contract module (q-api/src) state the same vocabulary. */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import {
  AGG_FNS,
  COLUMN_TYPES,
  ERROR_WORDS,
  FILLS,
  OPS,
  RESERVED_NAMES,
  TYPE_LETTERS,
} from "../../../q-api/src/index.js";

const docs = readFileSync("docs/q-api.md", "utf8");

/** The text from heading `from` to the next heading of the same level. */
function section(from: string): string {
  const start = docs.indexOf(from);
  assert.ok(start >= 0, `docs/q-api.md has no "${from}"`);
  const level = (/^#+/.exec(from) as RegExpExecArray)[0];
  const next = docs.slice(start + from.length).search(new RegExp(`^${level} `, "m"));
  return next < 0 ? docs.slice(start) : docs.slice(start, start + from.length + next);
}

/** The first cells of a section's table rows, each cell's code spans. */
function firstCells(text: string): string[][] {
  return [...text.matchAll(/^\| ([^|]*)\|/gm)].map((m) =>
    [...(m[1] as string).matchAll(/`([^`]+)`/g)].map((c) => c[1] as string),
  );
}

const sorted = (words: Iterable<string>) => [...words].sort();

describe("docs/q-api.md and the contract module", () => {
  it("§3 lists exactly the error words", () => {
    assert.deepEqual(sorted(firstCells(section("## 3. Errors")).flat()), sorted(Object.keys(ERROR_WORDS)));
  });

  it("§2 lists exactly the type letters, with their q type codes", () => {
    const rows = [...section("## 2. Types").matchAll(/^\| `(\w)`\s*\|[^|]*\| ([^|]*?)\s*\|/gm)];
    const documented = Object.fromEntries(rows.map((m) => [m[1] as string, m[2] as string]));
    const expected = Object.fromEntries(
      TYPE_LETTERS.map((l) => {
        const { vector, atom } = COLUMN_TYPES[l];
        return [l, vector === 0 ? `0 of ${atom}` : String(vector)];
      }),
    );
    assert.deepEqual(documented, expected);
  });

  it("§2 lists exactly the reserved names", () => {
    const names = /reserved words `([^`]*)` and q's `\.Q\.res`\s*\(`([^`]*)`\)/.exec(section("## 2. Types"));
    assert.ok(names, "the reserved words sentence");
    const documented = `${names[1]} ${names[2]}`.split(/\s+/);
    assert.deepEqual(sorted(documented), sorted(RESERVED_NAMES));
  });

  it("where, aggregates and fill list exactly the ops, functions and fills", () => {
    assert.deepEqual(sorted(firstCells(section("#### where")).flat()), sorted(OPS));
    assert.deepEqual(sorted(firstCells(section("#### Aggregates")).flat()), sorted(AGG_FNS));
    const fills = [...section("#### fill").matchAll(/^- `(\w+)`:/gm)].map((m) => m[1] as string);
    assert.deepEqual(sorted(fills), sorted(FILLS));
  });
});
