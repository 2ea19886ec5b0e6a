import { strict as assert } from "node:assert";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ByteStrings } from "../../../api/src/points/byte-strings.js";

describe("ByteStrings", () => {
  it("gives the same string for the same bytes wherever they are", () => {
    const strings = new ByteStrings();
    const first = strings.get(Buffer.from("host=a1,x"), 5, 7);
    assert.equal(first, "a1");
    assert.equal(strings.get(Buffer.from("zz a1"), 3, 5), first);
  });

  it("keeps its own copy of a key, not a view that pins the body it came from", async () => {
    // Buffer's slice is a view: keys kept that way held every body that brought a new tag value
    // (a tag unique per batch kept ~180 MiB of old bodies alive between table resets)
    const strings = new ByteStrings();
    const memory = (() => {
      const body = Buffer.alloc(100_000, "x");
      body.write("host=a1", 0, "latin1");
      assert.equal(strings.get(body, 5, 7), "a1");
      return new WeakRef(body.buffer);
    })();
    await new Promise(setImmediate); // a WeakRef holds its target until the job that made it ends
    collectGarbage();
    assert.equal(memory.deref(), undefined);
    assert.equal(strings.get(Buffer.from("a1"), 0, 2), "a1");
  });
});

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
