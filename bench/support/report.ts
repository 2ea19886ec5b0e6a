import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One measured figure; `peer` and `ratio` are set when a peer ran the same work in the same run. */
export interface Figure {
  metric: string;
  value: number;
  unit: string;
  peer?: { name: string; value: number };
  /** ours / peer, or peer / ours for "lower is better" units; always "how many times better" */
  ratio?: number;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

/** How many times better `ours` is than `peer`, given whether a higher figure is better. */
export function ratio(ours: number, peer: number, higherIsBetter: boolean): number {
  return higherIsBetter ? ours / peer : peer / ours;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3);
}

/**
 * Prints the figures as a table, writes `bench/results/NAME.json` (with `context`: what was
 * measured), and prints `headline` last (the bench convention: the last printed line is the
 * headline figure).
 */
export function report(name: string, figures: Figure[], headline: string, context: object = {}): void {
  const rows = figures.map((f) => [
    f.metric,
    `${fmt(f.value)} ${f.unit}`,
    f.peer ? `${f.peer.name}: ${fmt(f.peer.value)} ${f.unit}` : "",
    f.ratio === undefined ? "" : `${f.ratio.toFixed(2)}x`,
  ]);
  const header = ["metric", "value", "peer", "ratio"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
  writeResults(name, { ...context, figures });
  console.log(headline);
}

/** `bench/results/NAME.json`: the name, the date and the figures */
export function writeResults(name: string, figures: object): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, date: new Date().toISOString(), ...figures }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}
