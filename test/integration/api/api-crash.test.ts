import { strict as assert } from "node:assert";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { QClient } from "../../../qipc/src/client.js";
import { freePort } from "../../services/process.js";
import { eventually } from "../../support/eventually.js";
import { type ApiProcess, startApiProcess } from "./support/api-process.js";

const QUERY = "/v1/databases/metrics/series/cpu/query?start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z";

/**
 * guru-api killed with SIGKILL, as a crash would: its engines must not outlive it (their lock on
 * the data would keep the next API's engines out), and the API started again must serve the data
 * within seconds while saying truthfully whether each database is serving.
 */
describe("guru-api crashed (kill -9) and started again (local mode, engines as processes)", function () {
  this.timeout(90_000);
  let dir: string;
  let api: ApiProcess | undefined;
  let token: string;

  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${api!.url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers },
    });
    const text = await res.text();
    const body = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
    return { status: res.status, retryAfter: Number(res.headers.get("retry-after")), body };
  };
  const start = async () => {
    api = await startApiProcess(join(dir, "data"), await freePort(), { GURU_API_LOG_LEVEL: "info" });
  };
  /** the API's one engine: its pid from the process tree, its port from the API's log */
  const engine = async () => {
    const tasks = await readdir(`/proc/${api!.pid}/task`);
    const children = await Promise.all(
      tasks.map((t) => readFile(`/proc/${api!.pid}/task/${t}/children`, "utf8")),
    );
    const pids = children.join(" ").split(" ").filter(Boolean).map(Number);
    assert.equal(pids.length, 1, `engines: ${pids}`);
    const started = api!.logs("guru-engine started").at(-1);
    return { pid: pids[0]!, port: started?.port as number };
  };
  const databaseStatus = async () => (await call("/v1/databases/metrics")).body?.status;
  /** the query's result, retried as a client would: when a 503 says to */
  const served = async (deadline = Date.now() + 10_000) => {
    for (;;) {
      const res = await call(QUERY);
      if (res.status === 200) return res.body;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.ok(Date.now() + res.retryAfter * 1000 < deadline, `still ${JSON.stringify(res.body)}`);
      await sleep(res.retryAfter * 1000);
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-api-crash-"));
    await start();
    token = (await readFile(join(dir, "data", "admin-token"), "utf8")).trim();
    const created = await call("/v1/databases", {
      method: "POST",
      body: JSON.stringify({ name: "metrics", size: "dev", storage: { stripes: 1, stripeSizeGiB: 1 } }),
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await eventually("the database is ready", 30_000, async () =>
      (await databaseStatus()) === "ready" ? true : undefined,
    );
    const write = await fetch(`${api!.url}/v1/databases/metrics/write`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body: "cpu,host=a usage=0.5 1704067200000000000\ncpu,host=b usage=0.7 1704067200000000001",
    });
    assert.equal(write.status, 204, await write.text());
  });

  after(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("its engine stops serving and exits once the API is gone", async () => {
    const { pid, port } = await engine();
    const whoami = await call("/v1/whoami");
    const credentials = await readFile(
      join(dir, "data", String(whoami.body?.accountId), "metrics", "credentials"),
      "utf8",
    );
    const [user, password] = credentials.trim().split(":") as [string, string];
    const client = await QClient.connect({ host: "127.0.0.1", port, user, password });
    const hungUp = once(client, "close");

    await api!.stop("SIGKILL");
    await Promise.race([hungUp, sleep(10_000).then(() => assert.fail("the engine still serves 10 s later"))]);
    await eventually(`engine ${pid} exits`, 15_000, async () =>
      existsSync(`/proc/${pid}`) ? undefined : true,
    );
  });

  it("serves the data within seconds after a restart", async () => {
    const restartedAt = Date.now();
    await start();
    const result = (await served()) as { values: { host: string[]; usage: number[] } };
    assert.deepEqual(result.values.host, ["a", "b"]);
    assert.deepEqual(result.values.usage, [0.5, 0.7]);
    assert.ok(Date.now() - restartedAt < 10_000);
    assert.equal(await databaseStatus(), "ready");
    assert.equal((await call("/readyz")).body?.status, "ready");
  });

  it("does not say ready while its engine is down, and serves again on the next request", async () => {
    const { pid } = await engine();
    process.kill(pid, "SIGKILL");
    await eventually("the API sees the engine gone", 10_000, async () =>
      (await databaseStatus()) !== "ready" ? true : undefined,
    );
    const readiness = (await call("/readyz")).body as { status: string; checks: { provisioner: unknown } };
    assert.equal(readiness.status, "degraded");
    assert.deepEqual(readiness.checks.provisioner, {
      status: "degraded",
      detail: "1 of 1 databases not serving",
    });
    await served();
    assert.equal(await databaseStatus(), "ready");
  });
});
