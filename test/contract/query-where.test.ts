/**
 * docs/q-api.md `.guru.query`, `where`: every op on every type it allows, q's null order (null is
 * the smallest value and equal to itself), symbols by text, and the refusals.
 */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { NULL, q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { condition as cond } from "./support/options.js";
import { at, NULL_TIME, SECOND } from "./support/time.js";
import { bigints, column, show, strings } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
const P = at("2024-01-01T00:00:00Z");
const ROWS = [0, 1, 2, 3, 4, 5];
const NAN = Number.NaN;

/** Row 2 holds every null; row 5 repeats row 1 except for its string. */
const DATA = {
  time: q.timestamps(ROWS.map((k) => T0 + BigInt(k) * SECOND)),
  tag: q.symbols(["a", "b", "a", "b", "a", "b"]),
  bv: q.booleans([true, false, true, false, true, false]),
  iv: q.ints([1, 2, NULL.int, -3, 4, 2]),
  jv: q.longs([10n, 20n, NULL.long, -30n, 40n, 20n]),
  ev: q.reals([1.5, 2.5, NAN, -1.5, 4.5, 2.5]),
  fv: q.floats([0.5, 1.5, NAN, -0.5, 2.5, 1.5]),
  sv: q.symbols(["apple", "banana", "", "Zebra", "cherry", "banana"]),
  cv: strings(["alpha", "beta", "", "gamma", "a*b", "Beta"]),
  pv: q.timestamps([P + SECOND, P + 2n * SECOND, NULL_TIME, P - SECOND, P + 4n * SECOND, P + 2n * SECOND]),
  nv: q.timespans([SECOND, 2n * SECOND, NULL.long, -SECOND, 4n * SECOND, 2n * SECOND]),
  k: q.longs(ROWS.map(BigInt)),
};
const SCHEMA = "tag:s* bv:b iv:i jv:j ev:e fv:f sv:s cv:C pv:p nv:n k:j";

type Case = readonly [column: string, op: string, value: QValue, rows: number[]];

const ts = (t: bigint) => q.timestamp(t);
const n = (t: bigint) => q.timespan(t);

const MATCHES: readonly Case[] = [
  ["iv", "=", q.int(2), [1, 5]],
  ["iv", "=", q.int(NULL.int), [2]],
  ["jv", "=", q.long(NULL.long), [2]],
  ["ev", "=", q.real(2.5), [1, 5]],
  ["fv", "=", q.float(1.5), [1, 5]],
  ["fv", "=", q.float(NAN), [2]],
  ["bv", "=", q.boolean(true), [0, 2, 4]],
  ["sv", "=", q.symbol("apple"), [0]],
  ["sv", "=", q.symbol(""), [2]],
  ["cv", "=", q.string("beta"), [1]],
  ["cv", "=", q.string(""), [2]],
  ["pv", "=", ts(P + 2n * SECOND), [1, 5]],
  ["pv", "=", ts(NULL_TIME), [2]],
  ["nv", "=", n(NULL.long), [2]],
  ["iv", "<>", q.int(2), [0, 2, 3, 4]],
  ["fv", "<>", q.float(NAN), [0, 1, 3, 4, 5]],
  ["bv", "<>", q.boolean(true), [1, 3, 5]],
  ["sv", "<>", q.symbol("banana"), [0, 2, 3, 4]],
  ["cv", "<>", q.string("beta"), [0, 2, 3, 4, 5]],
  ["fv", "<", q.float(0.5), [2, 3]],
  ["fv", "<", q.float(NAN), []],
  ["jv", "<", q.long(NULL.long), []],
  ["iv", "<", q.int(2), [0, 2, 3]],
  ["ev", "<", q.real(0), [2, 3]],
  ["pv", "<", ts(P), [2, 3]],
  ["nv", "<", n(0n), [2, 3]],
  ["sv", "<", q.symbol("b"), [0, 2, 3]],
  ["sv", "<", q.symbol("a"), [2, 3]],
  ["iv", "<=", q.int(NULL.int), [2]],
  ["jv", "<=", q.long(10n), [0, 2, 3]],
  ["sv", "<=", q.symbol("apple"), [0, 2, 3]],
  ["fv", ">", q.float(NAN), [0, 1, 3, 4, 5]],
  ["jv", ">", q.long(20n), [4]],
  ["sv", ">", q.symbol("banana"), [4]],
  ["pv", ">", ts(P + 2n * SECOND), [4]],
  ["fv", ">=", q.float(NAN), ROWS],
  ["ev", ">=", q.real(2.5), [1, 4, 5]],
  ["nv", ">=", n(2n * SECOND), [1, 4, 5]],
  ["time", ">=", ts(T0 + 4n * SECOND), [4, 5]],
  ["time", "in", q.timestamps([T0, T0 + 2n * SECOND]), [0, 2]],
  ["iv", "in", q.ints([1, 4]), [0, 4]],
  ["jv", "in", q.longs([NULL.long, 10n]), [0, 2]],
  ["fv", "in", q.floats([0.5, NAN]), [0, 2]],
  ["fv", "in", q.floats([]), []],
  ["jv", "in", q.list(), []],
  ["ev", "in", q.reals([1.5, 4.5]), [0, 4]],
  ["bv", "in", q.booleans([false]), [1, 3, 5]],
  ["sv", "in", q.symbols(["apple", "cherry"]), [0, 4]],
  ["sv", "in", q.symbols([""]), [2]],
  ["cv", "in", strings(["alpha", "gamma"]), [0, 3]],
  ["cv", "in", q.list(), []],
  ["pv", "in", q.timestamps([P + SECOND, NULL_TIME]), [0, 2]],
  ["nv", "in", q.timespans([4n * SECOND]), [4]],
  ["jv", "within", q.longs([-30n, 10n]), [0, 3]],
  ["iv", "within", q.ints([2, 4]), [1, 4, 5]],
  ["fv", "within", q.floats([NAN, 0.5]), [0, 2, 3]],
  ["ev", "within", q.reals([-1.5, 1.5]), [0, 3]],
  ["pv", "within", q.timestamps([P - SECOND, P + SECOND]), [0, 3]],
  ["nv", "within", q.timespans([NULL.long, 0n]), [2, 3]],
  ["sv", "within", q.symbols(["a", "b"]), [0]],
  ["sv", "within", q.symbols(["Z", "c"]), [0, 1, 3, 5]],
  ["sv", "like", q.string("a*"), [0]],
  ["sv", "like", q.string("?anana"), [1, 5]],
  ["sv", "like", q.string("[Zc]*"), [3, 4]],
  ["sv", "like", q.string("[^a]*"), [1, 3, 4, 5]],
  ["sv", "like", q.string("*"), ROWS],
  ["cv", "like", q.string("*a"), [0, 1, 3, 5]],
  ["cv", "like", q.string("a[*]b"), [4]],
  ["cv", "like", q.string("[bB]eta"), [1, 5]],
  ["cv", "like", q.string("?eta"), [1, 5]],
  ["cv", "like", q.string(""), [2]],
];

/** Right types, wrong use: guru.arg. */
const ARG_ERRORS: readonly [string, string, QValue][] = [
  ["bv", "<", q.boolean(true)],
  ["bv", "within", q.booleans([false, true])],
  ["cv", "<", q.string("b")],
  ["cv", ">=", q.string("b")],
  ["cv", "within", strings(["a", "b"])],
  ["iv", "like", q.string("1*")],
  ["jv", "like", q.string("1*")],
  ["fv", "like", q.string("1*")],
  ["pv", "like", q.string("2024*")],
  ["nv", "like", q.string("0D*")],
  ["bv", "like", q.string("1")],
  ["iv", "!=", q.int(1)],
  ["iv", "~", q.int(1)],
  ["iv", "between", q.ints([1, 2])],
  ["jv", "within", q.longs([1n, 2n, 3n])],
  ["jv", "within", q.longs([1n])],
];

/** A wrongly typed value: guru.type: options.where. */
const TYPE_ERRORS: readonly [string, string, QValue][] = [
  ["iv", "=", q.long(2n)],
  ["jv", "=", q.int(2)],
  ["fv", "=", q.real(1.5)],
  ["ev", "=", q.float(1.5)],
  ["bv", "=", q.long(1n)],
  ["sv", "=", q.string("apple")],
  ["cv", "=", q.symbol("alpha")],
  ["pv", "=", q.long(P)],
  ["pv", "=", q.date(8766)],
  ["nv", "=", q.long(SECOND)],
  ["iv", "in", q.longs([1n, 2n])],
  ["iv", "in", q.int(1)],
  ["sv", "in", q.symbol("apple")],
  ["cv", "in", q.symbols(["alpha"])],
  ["cv", "in", q.string("ab")],
  ["iv", "within", q.list(q.int(1), q.long(2n))],
  ["sv", "like", q.symbol("a*")],
  ["cv", "like", q.symbols(["a*"])],
];

const where = (...conditions: QValue[]) => q.dictOf({ where: q.list(...conditions) });

describe(".guru.query: where", () => {
  const c = useContract();
  let name: string;

  before(async () => {
    name = await c.create("where", SCHEMA);
    await c.call(".guru.write", q.symbol(name), q.table(DATA));
  });

  const rows = async (options: QValue) => {
    const result = await c.call(".guru.query", q.symbol(name), options);
    return bigints(column(result, "k")).map(Number);
  };
  const label = (col: string, op: string, value: QValue) => `${col} ${op} ${show(value)}`;

  describe("matches", () => {
    for (const [col, op, value, expected] of MATCHES) {
      it(label(col, op, value), async () => {
        assert.deepEqual(await rows(where(cond(col, op, value))), expected);
      });
    }
  });

  it("ANDs conditions, in the general-list and the symbol-vector forms", async () => {
    const forms = q.list(
      cond("iv", ">", q.int(0)),
      q.symbols(["tag", "=", "a"]),
      cond("jv", "<", q.long(40n)),
    );
    assert.deepEqual(await rows(q.dictOf({ where: forms })), [0]);
    assert.deepEqual(
      await rows(where(cond("iv", ">", q.int(0)), cond("sv", "like", q.string("b*")))),
      [1, 5],
    );
  });

  it("takes 64 conditions", async () => {
    const conditions = Array.from({ length: 64 }, () => cond("jv", ">", q.long(-100n)));
    assert.deepEqual(await rows(where(...conditions)), [0, 1, 3, 4, 5]);
  });

  it("takes 100,000 items in an in list", async () => {
    const values = Array.from({ length: 100_000 }, (_, i) => BigInt(i) * 10n);
    assert.deepEqual(await rows(where(cond("jv", "in", q.longs(values)))), [0, 1, 4, 5]);
  });

  describe("guru.arg", () => {
    for (const [col, op, value] of ARG_ERRORS) {
      it(label(col, op, value), async () => {
        await rejectsWith(rows(where(cond(col, op, value))), "guru.arg");
      });
    }

    it("65 conditions", async () => {
      const conditions = Array.from({ length: 65 }, () => cond("jv", ">", q.long(0n)));
      await rejectsWith(rows(where(...conditions)), "guru.arg");
    });

    it("an in list of 100,001 items", async () => {
      const values = Array.from({ length: 100_001 }, (_, i) => BigInt(i));
      await rejectsWith(rows(where(cond("jv", "in", q.longs(values)))), "guru.arg");
    });
  });

  describe("guru.type: options.where", () => {
    for (const [col, op, value] of TYPE_ERRORS) {
      it(label(col, op, value), async () => {
        await rejectsWith(rows(where(cond(col, op, value))), "guru.type", "options.where");
      });
    }

    const SHAPES: readonly [string, QValue][] = [
      ["where as a long", q.long(1n)],
      ["one condition not enlisted", cond("iv", "=", q.int(1))],
      ["a column named by a string", q.list(q.list(q.string("iv"), q.symbol("="), q.int(1)))],
      ["an op given as a string", q.list(q.list(q.symbol("iv"), q.string("="), q.int(1)))],
    ];
    for (const [what, value] of SHAPES) {
      it(what, async () => {
        await rejectsWith(rows(q.dictOf({ where: value })), "guru.type", "options.where");
      });
    }
  });

  it("guru.column.unknown for a column the series does not have", async () => {
    await rejectsWith(rows(where(cond("nope", "=", q.int(1)))), "guru.column.unknown");
  });
});
