/** docs/q-api.md `.guru.create` and §2's rules for series, names and types. */
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { ALL_TYPES } from "./support/fixtures.js";
import { type ColumnSpec, schemaTable, seriesSchema, uniqueName } from "./support/schema.js";
import { assertSame } from "./support/values.js";

const TIME: ColumnSpec = ["time", "p", false];
const RESERVED = ["date", "i", "select", "sum", "within", "xexp", "abs"];
const fields = (n: number): ColumnSpec[] =>
  Array.from({ length: n }, (_, i) => [`f${i}`, "f", false] as const);

/** Schemas that break §2 (guru.schema.invalid). */
const INVALID: readonly [string, readonly ColumnSpec[]][] = [
  ["no columns at all", []],
  ["no time column", [["host", "s", true]]],
  ["time not first", [["v", "f"], TIME]],
  ["time of type j", [["time", "j"]]],
  ["time as a tag", [["time", "p", true]]],
  ["time named Time", [["Time", "p"]]],
  ...["x", "d", "S", "F", "g", "h", " "].map(
    (letter) => [`the unknown type letter "${letter}"`, [TIME, ["v", letter]]] as [string, ColumnSpec[]],
  ),
  ...["f", "j", "C", "p", "b"].map(
    (letter) => [`a tag of type ${letter}`, [TIME, ["v", letter, true]]] as [string, ColumnSpec[]],
  ),
  ...["1v", "_v", "v-w", "v w", "vé", "a".repeat(65)].map(
    (name) => [`the column name ${JSON.stringify(name)}`, [TIME, [name, "f"]]] as [string, ColumnSpec[]],
  ),
  ...RESERVED.map(
    (name) => [`the reserved column name ${name}`, [TIME, [name, "f"]]] as [string, ColumnSpec[]],
  ),
  ["a duplicate column", [TIME, ["v", "f"], ["v", "j"]]],
  ["a field named time", [TIME, ["time", "p"]]],
  ["257 columns", [TIME, ...fields(256)]],
];

const BAD_NAMES = ["", "1cpu", "_cpu", "cpu-1", "cpu 1", "cpué", "a".repeat(65), ...RESERVED];

describe(".guru.create", () => {
  const c = useContract();
  const create = (name: string, schema: QValue) => c.call(".guru.create", q.symbol(c.created(name)), schema);

  it("returns the schema table as stored (the documented example)", async () => {
    const schema = seriesSchema("host:s* region:s* usage:f temp:e ok:b note:C");
    assertSame(await create(uniqueName("doc"), schema), schema);
  });

  it("takes every type letter as a field", async () => {
    const schema = seriesSchema(ALL_TYPES);
    assertSame(await create(uniqueName("letters"), schema), schema);
  });

  it("takes a series of time alone, 64-character names and 256 columns", async () => {
    for (const schema of [
      seriesSchema(""),
      schemaTable([TIME, ["a".repeat(64), "j"]]),
      schemaTable([TIME, ...fields(255)]),
    ]) {
      assertSame(await create(uniqueName("edge"), schema), schema);
    }
    const long = `${uniqueName("n")}_`.padEnd(64, "x");
    assertSame(await create(long, seriesSchema("v:f")), seriesSchema("v:f"));
  });

  it("is idempotent for an identical schema", async () => {
    const name = uniqueName("again");
    const schema = seriesSchema("host:s* v:f");
    await create(name, schema);
    assertSame(await create(name, schema), schema);
  });

  describe("guru.series.exists for a different schema", () => {
    const original = "host:s* v:f";
    const different: readonly [string, string][] = [
      ["another type", "host:s* v:e"],
      ["another tag flag", "host:s v:f"],
      ["an extra column", "host:s* v:f w:f"],
      ["a missing column", "host:s*"],
      ["another order", "v:f host:s*"],
    ];
    for (const [what, spec] of different) {
      it(what, async () => {
        const name = uniqueName("exists");
        await create(name, seriesSchema(original));
        await rejectsWith(create(name, seriesSchema(spec)), "guru.series.exists");
      });
    }
  });

  describe("guru.schema.invalid", () => {
    for (const [what, cols] of INVALID) {
      it(`refuses ${what}`, async () => {
        await rejectsWith(create(uniqueName("invalid"), schemaTable(cols)), "guru.schema.invalid");
      });
    }

    it("leaves nothing behind", async () => {
      const name = uniqueName("left");
      await rejectsWith(create(name, schemaTable([["v", "f"]])), "guru.schema.invalid");
      assertSame(await create(name, seriesSchema("w:j")), seriesSchema("w:j"));
    });
  });

  describe("guru.arg: name for a bad series name", () => {
    for (const name of BAD_NAMES) {
      it(JSON.stringify(name), async () => {
        await rejectsWith(c.call(".guru.create", q.symbol(name), seriesSchema("v:f")), "guru.arg");
      });
    }
  });

  describe("guru.type", () => {
    const good = seriesSchema("v:f");
    const table = (cols: Record<string, QValue>) => q.table(cols);
    const WRONG_NAME: readonly [string, QValue][] = [
      ["a char vector", q.string("cpu")],
      ["a long", q.long(1n)],
      ["a symbol vector", q.symbols(["cpu"])],
    ];
    for (const [what, name] of WRONG_NAME) {
      it(`name as ${what}`, async () => {
        await rejectsWith(c.call(".guru.create", name, good), "guru.type", "name");
      });
    }

    const WRONG_SCHEMA: readonly [string, QValue][] = [
      ["a long", q.long(1n)],
      ["::", q.nil],
      [
        "a dictionary of the columns",
        q.dictOf({ name: q.symbols(["time"]), type: q.string("p"), tag: q.booleans([false]) }),
      ],
      ["a table without tag", table({ name: q.symbols(["time"]), type: q.string("p") })],
      [
        "a table with an extra column",
        table({ name: q.symbols(["time"]), type: q.string("p"), tag: q.booleans([false]), x: q.longs([1n]) }),
      ],
      [
        "names as strings",
        table({ name: q.list(q.string("time")), type: q.string("p"), tag: q.booleans([false]) }),
      ],
      [
        "types as symbols",
        table({ name: q.symbols(["time"]), type: q.symbols(["p"]), tag: q.booleans([false]) }),
      ],
      ["tags as longs", table({ name: q.symbols(["time"]), type: q.string("p"), tag: q.longs([0n]) })],
    ];
    for (const [what, schema] of WRONG_SCHEMA) {
      it(`schema as ${what}`, async () => {
        await rejectsWith(
          c.call(".guru.create", q.symbol(uniqueName("type")), schema),
          "guru.type",
          "schema",
        );
      });
    }

    it("checks both types before the name's value", async () => {
      await rejectsWith(c.call(".guru.create", q.long(1n), q.long(1n)), "guru.type", "name");
      await rejectsWith(c.call(".guru.create", q.symbol("bad-name"), q.long(1n)), "guru.type", "schema");
    });
  });
});
