/**
 * docs/operator.md is the manual of the operator: every condition reason the status code can
 * write, every event reason, every environment variable and every phase is documented there.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { PHASES } from "../../../crds/src/index.js";
import { ENVIRONMENT } from "../../../operator/src/config.js";

const docs = readFileSync("docs/operator.md", "utf8");
const status = ["kdb-database-status.ts", "pod-serving.ts"]
  .map((file) => readFileSync(`operator/src/controller/${file}`, "utf8"))
  .join("\n");
const controller = readFileSync("operator/src/controller/kdb-database-controller.ts", "utf8");

const documented = (word: string) => docs.includes(`\`${word}\``);

describe("docs/operator.md", () => {
  it("documents every condition reason", () => {
    const reasons = new Set<string>();
    for (const [, reason] of status.matchAll(/reason: "(\w+)"/g)) reasons.add(reason!);
    const waiting = /WAITING_REASONS = new Set\(\[([^\]]+)\]/.exec(status)?.[1] ?? "";
    for (const [, reason] of waiting.matchAll(/"(\w+)"/g)) reasons.add(reason!);
    const blockers = /reason: ("\w+"(?: \| "\w+")*);/.exec(status)?.[1] ?? "";
    for (const [, reason] of blockers.matchAll(/"(\w+)"/g)) reasons.add(reason!);
    assert.ok(reasons.size > 20, `found only ${reasons.size} reasons`);
    assert.deepEqual(
      [...reasons].filter((r) => !documented(r)),
      [],
    );
  });

  it("documents every event reason", () => {
    const reasons = new Set<string>();
    for (const [, reason] of controller.matchAll(/events\.(?:normal|warning)\(\s*db,\s*"(\w+)"/g))
      reasons.add(reason!);
    assert.ok(reasons.size >= 8, `found only ${reasons.size} event reasons`);
    assert.deepEqual(
      [...reasons].filter((r) => !documented(r)),
      [],
    );
  });

  it("documents every phase and every environment variable", () => {
    assert.deepEqual(
      PHASES.filter((p) => !documented(p)),
      [],
    );
    const variables = Object.keys(ENVIRONMENT).filter(
      (v) => !docs.includes(v.replace(/^GURU_OPERATOR(_RETRY)?_/, "")),
    );
    assert.deepEqual(variables, []);
  });
});
