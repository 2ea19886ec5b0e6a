/**
 * guru-api's floor: the folders every feature builds on (errors, HTTP plumbing, principal and
 * scopes, cursors, OpenAPI registry, rate limiting) import no feature folder, so features
 * depend downward only (issue 17).
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { dynamicSpecifiers, staticSpecifiers } from "../../support/module-graph.js";

const SRC = "api/src";
const FLOOR = ["auth", "errors", "http", "openapi", "paging", "rate-limit"];
/** files at the top of api/src that the floor may use: they import nothing of api/ */
const FLOOR_FILES = ["metrics.ts"];

function isFloor(path: string): boolean {
  const [first, ...rest] = relative(SRC, path).split("/");
  return rest.length === 0 ? FLOOR_FILES.includes(first as string) : FLOOR.includes(first as string);
}

describe("guru-api layers", () => {
  it("the floor exists as named", () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory());
    for (const folder of FLOOR)
      assert.ok(
        folders.some((d) => d.name === folder),
        `${SRC}/${folder}`,
      );
  });

  it("the floor imports only the floor", () => {
    const up: string[] = [];
    for (const folder of FLOOR) {
      for (const name of readdirSync(join(SRC, folder), { recursive: true, encoding: "utf8" })) {
        if (!name.endsWith(".ts")) continue;
        const file = join(SRC, folder, name);
        const text = readFileSync(file, "utf8");
        for (const specifier of [...staticSpecifiers(text), ...dynamicSpecifiers(text)]) {
          const path = normalize(join(dirname(file), specifier)).replace(/\.js$/, ".ts");
          if (specifier.startsWith(".") && path.startsWith(`${SRC}/`) && !isFloor(path))
            up.push(`${file} → ${path}`);
        }
      }
    }
    assert.deepEqual(up, [], "move what the floor needs down, or the importing code up");
  });
});
