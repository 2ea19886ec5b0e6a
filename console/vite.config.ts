/**
 * Builds the console into dist/console (served by guru-api at /console/, api/src/console/).
 * Hashed file names for long-lived caching; no module-preload polyfill (it would need inline
 * code, which the Content-Security-Policy forbids); the cache outside the repository.
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const cache = process.env.GURU_CACHE_DIR ?? join(homedir(), ".cache", "time-series-guru");

export default defineConfig({
  root: here,
  base: "/console/",
  cacheDir: join(cache, "vite"),
  publicDir: false,
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: resolve(here, "../dist/console"),
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
});
