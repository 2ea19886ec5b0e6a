import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const readme = readFileSync("README.md", "utf8");
const scripts: Record<string, string> = JSON.parse(readFileSync("package.json", "utf8")).scripts;

/** Every `make X` and `npm run X` the README names, in code spans or fenced blocks. */
function commandsIn(text: string, pattern: RegExp): string[] {
  return [...new Set([...text.matchAll(pattern)].map((m) => m[1] as string))];
}

describe("README", () => {
  const makeTargets = commandsIn(readme, /`make ([a-z][\w-]*)/g);
  const npmScripts = commandsIn(readme, /`npm run ([a-z][\w:-]*)/g);

  it("shows the two commands: make run and make test", () => {
    assert.ok(makeTargets.includes("run"), "README must show `make run`");
    assert.ok(makeTargets.includes("test"), "README must show `make test`");
  });

  it("names only make targets that exist", () => {
    for (const target of makeTargets) {
      const dryRun = spawnSync("make", ["--dry-run", target], { encoding: "utf8" });
      assert.equal(dryRun.status, 0, `make ${target} does not exist: ${dryRun.stderr}`);
    }
  });

  it("names only npm scripts that exist", () => {
    for (const name of npmScripts) assert.ok(name in scripts, `npm run ${name} is not in package.json`);
  });

  it("links only to files that exist", () => {
    for (const [, path] of readme.matchAll(/\]\((?!https?:)([^)#]+)/g)) {
      assert.ok(existsSync(path as string), `README links to missing ${path}`);
    }
  });
});
