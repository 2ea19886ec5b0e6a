import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { type DataApi, getText, sendText, startDataApi } from "./support/data-plane.js";
import { eventually } from "./support/harness.js";

/**
 * A database killed (SIGKILL) while four clients write: every write either is acknowledged (204)
 * and then found after the restart, or fails with a clear 503/504 problem, quickly; once the
 * engine is back, writes succeed again.
 */
describe("guru-api data plane: a database killed during writes", function () {
  this.timeout(60_000);
  let d: DataApi;

  before(async () => {
    d = await startDataApi("down", {
      launch: "process",
      env: { GURU_API_DB_BREAKER_COOLDOWN_MS: "500", GURU_API_DB_TIMEOUT_MS: "5000" },
    });
    const series = await d.api.call("POST", `/v1/databases/${d.db}/series`, {
      token: d.token,
      body: { name: "t", tags: ["w"], fields: [{ name: "v", type: "long" }] },
    });
    assert.equal(series.status, 201);
  });
  after(() => d?.close());

  it("loses nothing acknowledged and answers 503/504 promptly while it is down", async () => {
    const acknowledged = new Set<number>();
    const failures = new Map<string, number>();
    let next = 0;
    let stop = false;
    let slowest = 0;
    const writer = async (w: number) => {
      while (!stop) {
        const values = Array.from({ length: 200 }, () => next++);
        const body = values.map((v) => `t,w=w${w} v=${v}i ${1_704_067_200_000_000_000 + v}`).join("\n");
        const started = Date.now();
        const res = await sendText(d.api, `/v1/databases/${d.db}/write`, body, { token: d.token });
        slowest = Math.max(slowest, Date.now() - started);
        if (res.status === 204) for (const v of values) acknowledged.add(v);
        else {
          const code = (res.body as { code: string }).code;
          failures.set(code, (failures.get(code) ?? 0) + 1);
          if (res.status === 503) assert.ok(res.headers["retry-after"], "503 carries Retry-After");
          await sleep(20);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await eventually("some writes acknowledged", 10_000, async () =>
      acknowledged.size > 2000 ? true : undefined,
    );
    const db = (await d.api.runtime.services.stores.databases.get(d.accountId, d.db))!;
    await d.provisioner.kill(db);
    await eventually("writes refused while the database is down", 10_000, async () =>
      failures.size > 0 ? true : undefined,
    );
    const before = acknowledged.size;
    await eventually("writes acknowledged again after the restart", 30_000, async () =>
      acknowledged.size > before + 2000 ? true : undefined,
    );
    stop = true;
    await Promise.all(writers);

    for (const code of failures.keys())
      assert.ok(["DATABASE_UNAVAILABLE", "DATABASE_TIMEOUT"].includes(code), `unexpected ${code}`);
    assert.ok(slowest < 8000, `a write took ${slowest} ms`);

    const stored = await getText(d.api, `/v1/databases/${d.db}/series/t/query?format=csv&columns=v`, d.token);
    const values = new Set(
      stored.text
        .trim()
        .split("\r\n")
        .slice(1)
        .map((line) => Number(line.split(",")[1])),
    );
    const lost = [...acknowledged].filter((v) => !values.has(v));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged rows lost`);
  });
});
