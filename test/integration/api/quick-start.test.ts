import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../services/process.js";
import { type ApiProcess, startApiProcess } from "./support/api-process.js";

/** The README's quick start: the shell block after "## Quick start". */
async function quickStart(): Promise<string> {
  const readme = await readFile("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined || !block.includes("curl"))
    throw new Error("README.md has no Quick start section with a sh block of curl commands");
  return block;
}

/**
 * Starts guru-api as `make run` does (local mode, engines as child processes) with its data in a
 * temporary directory, on a free port; runs the quick start there with bash and checks its output.
 */
describe("README quick start against a started guru-api (local mode)", function () {
  this.timeout(120_000);
  let dir: string;
  let api: ApiProcess | undefined;
  let port: number;
  const output = () => api?.output() ?? "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-quick-start-"));
    port = await freePort();
    // data, and the quick start's cwd, in `dir`
    api = await startApiProcess(join(dir, "data"), port);
  });

  after(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("printed the admin token on first start and kept it in data/admin-token", async () => {
    const token = (await readFile(join(dir, "data", "admin-token"), "utf8")).trim();
    assert.match(token, /^tsg_/);
    assert.ok(output().includes(token), "the token is printed");
  });

  it("runs the quick start's commands as written (port aside)", async () => {
    const script = (await quickStart()).replaceAll("localhost:8080", `localhost:${port}`);
    const run = spawnSync("timeout", ["90", "bash", "-euo", "pipefail", "-c", script], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(
      run.status,
      0,
      `quick start failed (${run.status}):\n${run.stdout}\n${run.stderr}\n${output()}`,
    );
    assert.match(run.stdout, /"name":"metrics".*"status":"pending"/);
    assert.match(run.stdout, /"name":"cpu","database":"metrics","columns":\[\{"name":"time"/);
    assert.match(run.stdout, /"time":\["2023-11-14T22:13:20.000000001Z","2023-11-14T22:13:20.000000002Z"\]/);
    assert.match(run.stdout, /^2023-11-14T22:00:00.000000000Z,eu,0.6$/m);
  });
});
