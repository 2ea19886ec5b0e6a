/** docs/q-api.md `.guru.ping`: the health answer and its exact shape. */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { assertSame, entries } from "./support/values.js";

describe(".guru.ping", () => {
  const c = useContract();

  it("answers version, engine and uptime, in that order", async () => {
    const reply = entries(await c.call(".guru.ping", q.nil));
    assert.deepEqual([...reply.keys()], ["version", "engine", "uptime"]);
    assertSame(reply.get("version") as QValue, q.string("1.0"));
    const engine = reply.get("engine") as QValue;
    assert.equal(engine.type, -11);
    const expected = c.target().inProcess ? ["guru-engine"] : ["kdb", "guru-engine"];
    assert.ok(expected.includes(engine.value as string), `engine ${String(engine.value)}`);
  });

  it("reports uptime as a positive timespan that grows", async () => {
    const uptime = async () => {
      const value = entries(await c.call(".guru.ping", q.nil)).get("uptime") as QValue;
      assert.equal(value.type, -16);
      return value.value as bigint;
    };
    const first = await uptime();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await uptime();
    assert.ok(first > 0n, `uptime ${first}`);
    assert.ok(second > first, `uptime ${second} after ${first}`);
  });

  const WRONG: readonly [string, QValue][] = [
    ["a long", q.long(0n)],
    ["an empty list", q.list()],
    ["an empty dictionary", q.dict(q.list(), q.list())],
    ["a symbol", q.symbol("")],
  ];
  for (const [what, arg] of WRONG) {
    it(`refuses ${what} as its argument with guru.type: x`, async () => {
      await rejectsWith(c.call(".guru.ping", arg), "guru.type", "x");
    });
  }
});
