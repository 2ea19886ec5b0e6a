/**
 * The web console's static files (docs/console.md), built by Vite into dist/console: `/console/`
 * answers index.html (revalidated on every load), `/console/assets/<name>-<hash>.<ext>` the hashed
 * assets (cached for a year, immutable). Every answer carries a strict Content-Security-Policy:
 * scripts, styles and requests only from this origin, no inline code, no frames, no plugins.
 * The console calls only the public REST API, so it has no routes of its own beyond these.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestHandler, Router } from "express";
import { maybeContextOf } from "../http/context.js";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers of every console answer, index and assets alike. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

export const INDEX_CACHE_CONTROL = "no-cache";
export const ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".map": "application/json; charset=utf-8",
};

/** Vite's hashed file names: `index-B3x_9aQz.js`; nothing else is served from assets/. */
const HASHED_ASSET = /^[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{8,}\.(js|css|svg|png|woff2|map)$/;

/** dist/console beside the compiled API (dist/api/src/console), or under the repository's dist/ from source. */
export function defaultConsoleDir(): string {
  const up = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  return basename(up) === "dist" ? join(up, "console") : join(up, "dist", "console");
}

function secured(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const context = maybeContextOf(req);
    if (context !== undefined) context.route = "/console";
    res.set(CONSOLE_SECURITY_HEADERS);
    return handler(req, res, next);
  };
}

export function mountConsole(router: Router, dir: string = defaultConsoleDir()): void {
  const index: RequestHandler = async (_req, res, next) => {
    let html: Buffer;
    try {
      html = await readFile(join(dir, "index.html"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") return next(err);
      res
        .status(503)
        .set({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" })
        .send(`The console is not built here (no ${join(dir, "index.html")}): run make build.\n`);
      return;
    }
    res.status(200).set({ "Content-Type": "text/html; charset=utf-8", "Cache-Control": INDEX_CACHE_CONTROL });
    res.send(html);
  };
  // Express matches "/console" and "/console/" alike (non-strict routing): tell them apart here
  router.get(
    ["/console", "/console/index.html"],
    secured((req, res, next) => {
      if (req.path === "/console") {
        const query = req.originalUrl.indexOf("?");
        res.redirect(301, `/console/${query < 0 ? "" : req.originalUrl.slice(query)}`);
        return;
      }
      return index(req, res, next);
    }),
  );
  router.get(
    "/console/assets/:file",
    secured(async (req, res, next) => {
      const file = req.params.file as string;
      if (!HASHED_ASSET.test(file)) return next();
      let body: Buffer;
      try {
        body = await readFile(join(dir, "assets", file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return next();
        return next(err);
      }
      res.status(200).set({
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Cache-Control": ASSET_CACHE_CONTROL,
      });
      res.send(body);
    }),
  );
}
