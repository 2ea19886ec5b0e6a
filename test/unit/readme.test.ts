import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const readme = readFileSync("README.md", "utf8");
const scripts: Record<string, string> = JSON.parse(readFileSync("package.json", "utf8")).scripts;

/** The README's code: fenced blocks and inline code spans, where commands are written. */
const code = [...readme.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)]
  .map((m) => m[1] ?? m[2])
  .join("\n");

/** Every distinct first capture of `pattern` in the README's code. */
function commandsIn(pattern: RegExp): string[] {
  return [...new Set([...code.matchAll(pattern)].map((m) => m[1] as string))];
}

describe("README", () => {
  const makeTargets = commandsIn(/\bmake ([a-z][\w-]*)/g);
  const npmScripts = commandsIn(/\bnpm run ([a-z][\w:-]*)/g);

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
