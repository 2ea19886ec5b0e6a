import assert from "node:assert/strict";
import fc from "fast-check";
import { xbar } from "../../../engine/src/query/fill.js";
import { likeMatcher, likeToRe2 } from "../../../engine/src/query/like.js";
import { SymbolTable } from "../../../engine/src/store/symbols.js";

describe("engine: query parts", () => {
  describe("like patterns", () => {
    const like = (text: string, pattern: string) => likeMatcher(pattern).test(text);

    it("matches q's wildcards and sets over the whole value", () => {
      assert.ok(like("abc", "a*"));
      assert.ok(like("abc", "a?c"));
      assert.ok(!like("abcd", "a?c"));
      assert.ok(like("abc", "[ab]bc"));
      assert.ok(!like("cbc", "[ab]bc"));
      assert.ok(like("cbc", "[^ab]bc"));
      assert.ok(like("line\nbreak", "line*"));
      assert.ok(!like("xabc", "abc"));
    });

    it("takes every other character literally", () => {
      assert.ok(like("a.b", "a.b"));
      assert.ok(!like("axb", "a.b"));
      assert.ok(like("(x)+$^|{}/\\", "(x)+$^|{}/\\"));
      assert.ok(like("[", "["));
      assert.ok(like("a[b", "a[b"));
      assert.equal(likeToRe2("a*"), "(?s)a.*");
    });

    it("matches any text against the pattern of itself", () => {
      fc.assert(
        fc.property(fc.string(), (text) => {
          const literal = text.replace(/[*?[]/g, (c) => `[${c}]`);
          return like(text, literal);
        }),
      );
    });
  });

  describe("xbar", () => {
    it("floors to multiples of the width from 2000.01.01", () => {
      assert.equal(xbar(299n, 100n), 200n);
      assert.equal(xbar(300n, 100n), 300n);
      assert.equal(xbar(-1n, 100n), -100n);
      assert.equal(xbar(-100n, 100n), -100n);
    });
  });

  describe("symbol list", () => {
    it("enumerates, reuses ids and waits until new names are durable", async () => {
      const persisted: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const table = new SymbolTable([], async (from, names) => {
        await gate;
        persisted.splice(from, names.length, ...names);
      });
      const ids = new Int32Array(4);
      let durable = false;
      const waiting = table.enumerate(["b", "a", "b", "b"], ids).then(() => {
        durable = true;
      });
      assert.deepEqual([...ids], [1, 2, 1, 1]);
      await new Promise((r) => setImmediate(r));
      assert.equal(durable, false);
      release();
      await waiting;
      assert.deepEqual(persisted, ["", "b", "a"]);
      // known names resolve at once
      await table.enumerate(["a"], new Int32Array(1));
      assert.deepEqual([...table.ranks()], [0, 2, 1]);
    });

    it("retries names whose persistence failed", async () => {
      let fail = true;
      const calls: [number, ...string[]][] = [];
      const table = new SymbolTable([""], async (from, names) => {
        if (fail) throw new Error("disk full");
        calls.push([from, ...names]);
      });
      await assert.rejects(table.enumerate(["x"], new Int32Array(1)));
      fail = false;
      await table.enumerate(["x", "y"], new Int32Array(2));
      assert.deepEqual(calls, [[1, "x", "y"]]);
    });
  });
});
