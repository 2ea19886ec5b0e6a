/** docs/q-api.md `.guru.delete`: rows with start ≤ time < end, 0Np unbounded, on every day. */
import { strict as assert } from "node:assert";
import type { QValue } from "../../qipc/src/types.js";
import { q } from "../../qipc/src/values.js";
import { useContract } from "./support/context.js";
import { rejectsWith } from "./support/errors.js";
import { uniqueName } from "./support/schema.js";
import { at, DAY, NS, NULL_TIME, SECOND } from "./support/time.js";
import { assertSame, bigints, column } from "./support/values.js";

const T0 = at("2024-01-01T00:00:00Z");
/** Ten rows a second apart, and rows on other days (other partitions, other segments). */
const TIMES = [
  ...Array.from({ length: 10 }, (_, k) => T0 + BigInt(k) * SECOND),
  T0 + DAY,
  T0 + 2n * DAY,
  T0 - DAY,
];
const K = (ks: number[]) => ks.map((k) => TIMES[k] as bigint);

/** start, end, rows deleted, rows left (indexes into TIMES). */
const RANGES: readonly [string, bigint, bigint, number, number[]][] = [
  ["a range inside a day", T0 + 2n * SECOND, T0 + 5n * SECOND, 3, [12, 0, 1, 5, 6, 7, 8, 9, 10, 11]],
  [
    "to the nanosecond",
    T0 + 2n * SECOND + NS,
    T0 + 3n * SECOND + NS,
    1,
    [12, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11],
  ],
  ["unbounded start", NULL_TIME, T0 + SECOND, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  ["unbounded end", T0 + 9n * SECOND, NULL_TIME, 3, [12, 0, 1, 2, 3, 4, 5, 6, 7, 8]],
  ["everything", NULL_TIME, NULL_TIME, 13, []],
  ["over several days", T0 - DAY, T0 + DAY + NS, 12, [11]],
  ["start = end", T0, T0, 0, [12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  ["start > end", T0 + 5n * SECOND, T0, 0, [12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  [
    "a range without rows",
    T0 + 10n * SECOND,
    T0 + 20n * SECOND,
    0,
    [12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  ],
];

describe(".guru.delete", () => {
  const c = useContract();
  const filled = async () => {
    const name = await c.create("delete", "v:j");
    await c.call(
      ".guru.write",
      q.symbol(name),
      q.table({ time: q.timestamps(TIMES), v: q.longs(TIMES.map((_, k) => BigInt(k))) }),
    );
    return name;
  };
  const remove = (name: string, start: bigint, end: bigint) =>
    c.call(".guru.delete", q.symbol(name), q.timestamp(start), q.timestamp(end));
  const times = async (name: string) =>
    bigints(column(await c.call(".guru.query", q.symbol(name), q.nil), "time"));

  for (const [what, start, end, deleted, left] of RANGES) {
    it(what, async () => {
      const name = await filled();
      assertSame(await remove(name, start, end), q.long(BigInt(deleted)));
      assert.deepEqual(await times(name), K(left));
    });
  }

  it("deletes nothing the second time, and the range can be written again", async () => {
    const name = await filled();
    await remove(name, T0, T0 + DAY);
    assertSame(await remove(name, T0, T0 + DAY), q.long(0n));
    await c.call(".guru.write", q.symbol(name), q.table({ time: q.timestamps([T0]), v: q.longs([99n]) }));
    assert.deepEqual(await times(name), K([12, 0, 10, 11]));
  });

  describe("refusals", () => {
    const p = q.timestamp(T0);
    const CASES: readonly [string, QValue, QValue, QValue, string, string?][] = [
      ["name as a string", q.string("cpu"), p, p, "guru.type", "name"],
      ["start as a long", q.symbol(uniqueName("nosuch")), q.long(T0), p, "guru.type", "start"],
      ["end as a date", q.symbol(uniqueName("nosuch")), p, q.date(8766), "guru.type", "end"],
      ["start as ::", q.symbol(uniqueName("nosuch")), q.nil, p, "guru.type", "start"],
      ["an unknown series", q.symbol(uniqueName("nosuch")), p, p, "guru.series.unknown"],
    ];
    for (const [what, name, start, end, word, detail] of CASES) {
      it(`${what}: ${word}`, async () => {
        await rejectsWith(c.call(".guru.delete", name, start, end), word, detail);
      });
    }
  });
});
