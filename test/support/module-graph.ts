/**
 * What a compiled entry point loads when it starts: the files reached through static `import` /
 * `export ... from` (and `createRequire(...)("pkg")`) from it, and the packages they name. Dynamic
 * `import()` is left out on purpose: it is how a process loads what only one of its modes needs.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

export interface ModuleGraph {
  /** absolute paths of the JavaScript files reached */
  files: Set<string>;
  /** package names (`@scope/name` or `name`) imported by those files, `node:` built-ins left out */
  packages: Set<string>;
}

const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^;"'`]*?\sfrom\s)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
const CREATED_REQUIRE = /createRequire\([^)]*\)\(\s*["']([^"']+)["']\s*\)/g;

/** What a module's text imports statically (JavaScript or TypeScript), as written. */
export function staticSpecifiers(text: string): string[] {
  return [...text.matchAll(STATIC_IMPORT), ...text.matchAll(CREATED_REQUIRE)].map((m) => m[1] as string);
}

/** What it imports with `import("...")` of a string literal. */
export function dynamicSpecifiers(text: string): string[] {
  return [...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1] as string);
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

export function staticModuleGraph(entry: string): ModuleGraph {
  const graph: ModuleGraph = { files: new Set(), packages: new Set() };
  const pending = [resolve(entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    for (const specifier of staticSpecifiers(readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith("node:")) graph.packages.add(packageName(specifier));
    }
  }
  return graph;
}
