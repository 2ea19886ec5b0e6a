import { strict as assert } from "node:assert";
import { CronError, cronProblem, nextRun, parseCron } from "../../../crds/src/index.js";

const at = (iso: string) => Date.parse(iso);
const next = (cron: string, after: string) => {
  const t = nextRun(parseCron(cron), at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe("backup schedules: the 5-field cron subset", () => {
  it("fires at the next matching minute strictly after the given time, in UTC", () => {
    assert.equal(next("* * * * *", "2026-12-07T10:00:00.000Z"), "2026-12-07T10:01:00.000Z");
    assert.equal(next("* * * * *", "2026-12-07T10:00:59.999Z"), "2026-12-07T10:01:00.000Z");
    assert.equal(next("15 2 * * *", "2026-12-07T02:14:59.000Z"), "2026-12-07T02:15:00.000Z");
    assert.equal(next("15 2 * * *", "2026-12-07T02:15:00.000Z"), "2026-12-08T02:15:00.000Z");
    assert.equal(next("0 0 1 1 *", "2026-12-07T00:00:00.000Z"), "2027-01-01T00:00:00.000Z");
  });

  it("takes lists, ranges, steps and ranges with steps", () => {
    assert.equal(next("*/15 * * * *", "2026-12-07T10:16:00.000Z"), "2026-12-07T10:30:00.000Z");
    assert.equal(next("10-20/5 * * * *", "2026-12-07T10:16:00.000Z"), "2026-12-07T10:20:00.000Z");
    assert.equal(next("10-20/5 * * * *", "2026-12-07T10:20:00.000Z"), "2026-12-07T11:10:00.000Z");
    assert.equal(next("0 6,18 * * *", "2026-12-07T07:00:00.000Z"), "2026-12-07T18:00:00.000Z");
    assert.equal(next("0 0 * 2-3 *", "2026-12-07T00:00:00.000Z"), "2027-02-01T00:00:00.000Z");
  });

  it("reads day of week 0 and 7 as Sunday, and either day field when both are restricted", () => {
    // 2026-12-07 is a Monday
    assert.equal(next("0 0 * * 0", "2026-12-07T00:00:00.000Z"), "2026-12-13T00:00:00.000Z");
    assert.equal(next("0 0 * * 7", "2026-12-07T00:00:00.000Z"), "2026-12-13T00:00:00.000Z");
    assert.equal(next("0 0 * * 1-5", "2026-12-11T12:00:00.000Z"), "2026-12-14T00:00:00.000Z");
    // the 20th or any Wednesday, whichever comes first
    assert.equal(next("0 0 20 * 3", "2026-12-07T00:00:00.000Z"), "2026-12-09T00:00:00.000Z");
    assert.equal(next("0 0 8 * 3", "2026-12-07T00:00:00.000Z"), "2026-12-08T00:00:00.000Z");
  });

  it("finds rare days: 29 February of the next leap year", () => {
    assert.equal(next("30 12 29 2 *", "2026-12-07T00:00:00.000Z"), "2028-02-29T12:30:00.000Z");
  });

  it("refuses anything outside the subset, saying why", () => {
    const refused: [string, RegExp][] = [
      ["", /5 fields/],
      ["* * * *", /5 fields/],
      ["* * * * * *", /5 fields/],
      ["*  * * * *", /5 fields/],
      ["60 * * * *", /minute.*outside 0-59/],
      ["* 24 * * *", /hour.*outside/],
      ["* * 0 * *", /day of month.*outside 1-31/],
      ["* * * 13 *", /month.*outside/],
      ["* * * * 8", /day of week.*outside 0-7/],
      ["5-1 * * * *", /outside/],
      ["*/0 * * * *", /step of 0/],
      ["5/10 * * * *", /step needs \* or a range/],
      ["MON * * * *", /not a number/],
      ["1,,2 * * * *", /not a number/],
      ["-1 * * * *", /not a number/],
      ["0 0 31 2 *", /never fires/],
      ["0 0 30 2 *", /never fires/],
    ];
    for (const [text, reason] of refused) {
      assert.throws(() => parseCron(text), CronError, text);
      assert.match(cronProblem(text) ?? "", reason, text);
    }
    assert.equal(cronProblem("15 2 * * *"), undefined);
  });
});
