/**
 * docs/operator.md is the manual of the operator: it lists exactly the condition and event
 * reasons of operator/src/controller/reasons.ts (the ones the controllers and status builders
 * write), and documents every environment variable and every phase.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { PHASES } from "../../../crds/src/index.js";
import { ENVIRONMENT } from "../../../operator/src/config.js";
import {
  BackupEvent,
  BackupReason,
  DatabaseEvent,
  DatabaseReason,
  ScheduleEvent,
  ScheduleReason,
} from "../../../operator/src/controller/reasons.js";

const docs = readFileSync("docs/operator.md", "utf8");
const lines = docs.split("\n");

const documented = (word: string) => docs.includes(`\`${word}\``);
const backticked = (text: string) => [...text.matchAll(/`(\w+)`/g)].map(([, word]) => word!);
const sorted = (words: Iterable<string>) => [...new Set(words)].sort();

/** The backticked words in one column (1-based) of the table whose header row starts with `header`. */
function column(header: string, index: number): string[] {
  const start = lines.findIndex((line) => line.startsWith(header));
  assert.ok(start >= 0, `docs/operator.md has no table "${header}"`);
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|")[index] ?? "");
  }
  return sorted(rows.flatMap(backticked));
}

/** The backticked words of the line that starts with `start`. */
function line(start: string): string[] {
  const found = lines.find((l) => l.startsWith(start));
  assert.ok(found, `docs/operator.md has no line "${start}"`);
  return sorted(backticked(found.slice(start.length)));
}

describe("docs/operator.md", () => {
  it("lists exactly the KdbDatabase condition reasons", () => {
    assert.deepEqual(column("| condition | status | reason |", 3), sorted(Object.values(DatabaseReason)));
  });

  it("lists exactly the KdbDatabase event reasons", () => {
    assert.deepEqual(column("| event | type | when |", 1), sorted(Object.values(DatabaseEvent)));
  });

  it("lists exactly the KdbBackup and KdbScheduledBackup reasons and events", () => {
    assert.deepEqual(column("| KdbBackup reason |", 1), sorted(Object.values(BackupReason)));
    assert.deepEqual(line("Events on the KdbBackup:"), sorted(Object.values(BackupEvent)));
    assert.deepEqual(column("| KdbScheduledBackup reason |", 1), sorted(Object.values(ScheduleReason)));
    assert.deepEqual(line("Events on the KdbScheduledBackup:"), sorted(Object.values(ScheduleEvent)));
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
