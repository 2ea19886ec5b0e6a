/**
 * docs/q-api.md §1: what a call looks like on the wire, what is refused with 'access, 'rank,
 * async messages, ordering on one connection, and logins.
 */
import { strict as assert } from "node:assert";
import { QConnectionError } from "../../qipc/src/errors.js";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { connect, useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { seriesSchema, uniqueName } from "./support/schema.js";
import { at, SECOND } from "./support/time.js";
import { asDict, assertSame, bigints, column, entry, rowCount } from "./support/values.js";

const ARITY: Readonly<Record<string, number>> = {
  ".guru.ping": 1,
  ".guru.create": 2,
  ".guru.drop": 1,
  ".guru.series": 1,
  ".guru.write": 2,
  ".guru.query": 2,
  ".guru.last": 2,
  ".guru.delete": 3,
  ".guru.stats": 1,
};

/** Requests that are not a whitelisted call shaped as §1. */
const REFUSED: readonly [string, QValue][] = [
  ["free-form q text", q.string("1+1")],
  ["a select statement", q.string("select from t")],
  ["a system command", q.string("\\l .")],
  ["a system command calling out", q.string("\\ls")],
  ["a bare symbol naming a function", q.symbol(".guru.ping")],
  ["a long atom", q.long(1n)],
  ["an empty general list", q.list()],
  ["a symbol vector naming no function", q.symbols(["cpu", "host"])],
  ["a dictionary", q.dictOf({ name: q.symbol(".guru.ping") })],
  [".z.pg", q.list(q.symbol(".z.pg"), q.string("1+1"))],
  [".z.ps named by a char vector", q.list(q.string(".z.ps"), q.string("1+1"))],
  ["value", q.list(q.symbol("value"), q.string("1+1"))],
  ["system", q.list(q.symbol("system"), q.string("ls"))],
  ["eval", q.list(q.symbol("eval"), q.list(q.symbol("+"), q.long(1n), q.long(1n)))],
  [".Q.w", q.list(q.symbol(".Q.w"), q.nil)],
  ["a system command as the name", q.list(q.string("\\l ."), q.nil)],
  ["a .guru name in another case", q.list(q.symbol(".guru.Ping"), q.nil)],
  ["a .guru name that is not in the API", q.list(q.symbol(".guru.upd"), q.nil)],
  ["the .guru namespace", q.list(q.symbol(".guru"), q.nil)],
  ["a name with a trailing space", q.list(q.symbol(".guru.ping "), q.nil)],
  ["a name with call syntax", q.list(q.string(".guru.ping[]"), q.nil)],
  ["a name given as a long", q.list(q.long(1n), q.nil)],
  ["a name given as a symbol vector", q.list(q.symbols([".guru.ping"]), q.nil)],
  ["a name given as a char atom", q.list(q.char("p"), q.nil)],
  ["a name given as a general list", q.list(q.list(q.symbol(".guru.ping")), q.nil)],
];

const call = (name: QValue, ...args: QValue[]) => q.list(name, ...args);

describe("calls on the wire (q-api §1)", () => {
  const c = useContract();

  describe("refused with 'access", () => {
    for (const [what, request] of REFUSED) {
      it(`refuses ${what}, and the connection still works`, async () => {
        await rejectsWith(c.client().sync(request), "access");
        assert.equal(asDict(await c.call(".guru.ping")).type, 99);
      });
    }
  });

  describe("names", () => {
    it("accepts the name as a symbol or a char vector", async () => {
      for (const name of [q.symbol(".guru.ping"), q.string(".guru.ping")]) {
        const reply = await c.client().sync(call(name, q.nil));
        assert.equal(entry(reply, "version").type, 10);
      }
    });

    it("takes q's collapsed form of an all-symbol call, `f`a, as (`f;`a)", async () => {
      const name = await c.create("symcall", "host:s* v:j");
      const latest = await c.client().sync(q.symbols([".guru.last", name, "host"]));
      assert.equal(latest.type, 98);
      assertSame(await c.client().sync(q.symbols([".guru.drop", name])), q.long(0n));
      await rejectsWith(c.client().sync(q.symbols([".guru.drop", name, name])), "rank");
    });
  });

  describe("'rank for the wrong number of arguments", () => {
    for (const [name, arity] of Object.entries(ARITY)) {
      for (const count of [arity - 1, arity + 1]) {
        it(`${name} with ${count} argument(s)`, async () => {
          const args = Array.from({ length: count }, () => q.nil);
          await rejectsWith(c.client().sync(call(q.symbol(name), ...args)), "rank");
        });
      }
    }

    it("checks the shape before the count: a refused name with any count is 'access", async () => {
      await rejectsWith(c.client().sync(call(q.symbol("value"), q.nil, q.nil, q.nil)), "access");
    });
  });

  describe("async messages and ordering", () => {
    const t0 = at("2024-03-01T00:00:00Z");
    const rows = (name: string) =>
      c.call(".guru.query", q.symbol(name), q.nil).then((t) => bigints(column(t, "time")));
    const batch = (n: number) =>
      q.table({
        time: q.timestamps(Array.from({ length: n }, (_, i) => t0 + BigInt(i) * SECOND)),
        v: q.longs(Array.from({ length: n }, (_, i) => BigInt(i))),
      });

    it("runs an async write, with no reply, before the next sync message of the connection", async () => {
      const name = await c.create("async", "v:j");
      await c.client().async(call(q.symbol(".guru.write"), q.symbol(name), batch(3)));
      assert.deepEqual(await rows(name), [t0, t0 + SECOND, t0 + 2n * SECOND]);
    });

    it("sends no reply to a failing or refused async message", async () => {
      await c.client().async(q.string("1+1"));
      await c.client().async(call(q.symbol(".guru.drop"), q.symbol(uniqueName("nosuch"))));
      await c.client().async(call(q.symbol(".guru.ping"), q.nil, q.nil));
      // a stray error reply would be taken as the answer to this request
      assert.equal(entry(await c.call(".guru.ping"), "version").type, 10);
    });

    it("answers pipelined sync requests in order, each after the previous ran", async () => {
      const name = c.created(uniqueName("pipe"));
      const client = c.client();
      const replies = await Promise.all([
        client.call(".guru.create", q.symbol(name), seriesSchema("v:j")),
        client.call(".guru.write", q.symbol(name), batch(2)),
        client.call(".guru.query", q.symbol(name), q.nil),
        client.call(".guru.write", q.symbol(name), batch(1)),
        client.call(".guru.drop", q.symbol(name)),
      ]);
      assert.equal(replies[0]?.type, 98);
      assertSame(replies[1] as QValue, q.long(2n));
      assert.equal(rowCount(replies[2] as QValue), 2);
      assertSame(replies[3] as QValue, q.long(1n));
      assertSame(replies[4] as QValue, q.long(3n));
    });
  });

  describe("logins", () => {
    beforeEach(function () {
      // a server reached without credentials may accept anyone; nothing to refuse then
      if (c.target().user === "") this.skip();
    });

    it("closes a connection with a wrong password without a reply", async () => {
      const t = c.target();
      await assert.rejects(connect({ user: t.user, password: `${t.password}-wrong` }), QConnectionError);
    });

    it("closes a connection of an unknown user", async () => {
      await assert.rejects(connect({ user: "nobody-here", password: "x" }), QConnectionError);
    });
  });
});
