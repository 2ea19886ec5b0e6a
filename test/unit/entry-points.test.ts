/**
 * Each part is used through its entry file (docs/architecture.md), so its public surface is that
 * one file: an import from another part's folder that names any other file fails here.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { dynamicSpecifiers, staticSpecifiers } from "../support/module-graph.js";

const PARTS = ["api", "console", "crds", "engine", "operator", "q-api", "qipc"];
/**
 * a part's entry files, and two more that keep a heavy dependency out of the processes that do
 * not need it: guru-engine as a child without DuckDB, the KdbDatabase schema without the YAML writer
 */
const ENTRIES = new Set([
  ...PARTS.map((part) => `${part}/src/index.ts`),
  "engine/src/launch.ts",
  "crds/src/manifests.ts",
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(dir, f));
}

/** `../../../qipc/src/values.js` from `api/src/x/y.ts` → `qipc/src/values.ts` */
function target(file: string, specifier: string): string {
  return normalize(join(dirname(file), specifier)).replace(/\.js$/, ".ts");
}

describe("entry points", () => {
  const parts = PARTS.filter((part) => readdirSync(".").includes(part));

  it("finds the parts' sources", () => {
    assert.ok(sources("qipc/src").includes("qipc/src/values.ts"));
  });

  for (const part of parts) {
    it(`${part}/ reaches other parts only through their entry files`, () => {
      const deep: string[] = [];
      for (const file of sources(`${part}/src`)) {
        const text = readFileSync(file, "utf8");
        for (const specifier of [...staticSpecifiers(text), ...dynamicSpecifiers(text)]) {
          if (!specifier.startsWith(".")) continue;
          const path = target(file, specifier);
          const into = relative(".", path).split("/")[0] as string;
          if (into !== part && PARTS.includes(into) && !ENTRIES.has(path)) deep.push(`${file} → ${path}`);
        }
      }
      assert.deepEqual(deep, [], "import the part's entry file instead");
    });
  }
});
