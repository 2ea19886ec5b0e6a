/**
 * The console's static serving (api/src/console/console-static.ts) without a browser: the strict
 * Content-Security-Policy and the other security headers on every answer, index.html revalidated
 * (no-cache), hashed assets cached for a year as immutable, nothing else served from assets/.
 */
import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import request from "supertest";
import {
  ASSET_CACHE_CONTROL,
  CONSOLE_CSP,
  CONSOLE_SECURITY_HEADERS,
  defaultConsoleDir,
  INDEX_CACHE_CONTROL,
  mountConsole,
} from "../../../api/src/console/console-static.js";

describe("console static files: CSP and caching headers", () => {
  let dir: string;
  let app: express.Express;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-console-static-"));
    await mkdir(join(dir, "assets"));
    await writeFile(
      join(dir, "index.html"),
      '<!doctype html><script type="module" src="/console/assets/index-AbCd1234.js"></script>',
    );
    await writeFile(join(dir, "assets", "index-AbCd1234.js"), "console.log(1)");
    await writeFile(join(dir, "assets", "index-AbCd1234.css"), "body{}");
    await writeFile(join(dir, "assets", "plain.js"), "unhashed");
    app = express();
    mountConsole(app, dir);
    app.use((_req, res) => {
      res.status(404).send("not found");
    });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const secured = (res: request.Response) => {
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS))
      assert.equal(res.headers[name.toLowerCase()], value, name);
  };

  it("has a CSP that allows only this origin's scripts, styles and requests, and no inline code", () => {
    const directives = new Map(
      CONSOLE_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")] as const),
    );
    assert.equal(directives.get("default-src"), "'none'");
    assert.equal(directives.get("script-src"), "'self'");
    assert.equal(directives.get("style-src"), "'self'");
    assert.equal(directives.get("connect-src"), "'self'");
    assert.equal(directives.get("frame-ancestors"), "'none'");
    assert.equal(directives.get("base-uri"), "'none'");
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it("answers /console/ with index.html, revalidated on every load", async () => {
    const res = await request(app).get("/console/").expect(200);
    secured(res);
    assert.equal(res.headers["cache-control"], INDEX_CACHE_CONTROL);
    assert.equal(INDEX_CACHE_CONTROL, "no-cache");
    assert.match(res.headers["content-type"] ?? "", /^text\/html/);
    assert.match(res.text, /index-AbCd1234\.js/);
    const again = await request(app).get("/console/index.html").expect(200);
    assert.equal(again.headers["cache-control"], "no-cache");
  });

  it("redirects /console to /console/, keeping the query", async () => {
    const res = await request(app).get("/console?x=1").expect(301);
    assert.equal(res.headers.location, "/console/?x=1");
    secured(res);
  });

  it("serves hashed assets for a year, immutable, with their types", async () => {
    const js = await request(app).get("/console/assets/index-AbCd1234.js").expect(200);
    secured(js);
    assert.equal(js.headers["cache-control"], ASSET_CACHE_CONTROL);
    assert.equal(ASSET_CACHE_CONTROL, "public, max-age=31536000, immutable");
    assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
    const css = await request(app).get("/console/assets/index-AbCd1234.css").expect(200);
    assert.equal(css.headers["content-type"], "text/css; charset=utf-8");
  });

  it("serves nothing else: unhashed names, missing files and paths out of the folder are 404", async () => {
    await request(app).get("/console/assets/plain.js").expect(404);
    await request(app).get("/console/assets/index-Missing99.js").expect(404);
    await request(app).get("/console/assets/..%2findex.html").expect(404);
    await request(app).get("/console/assets/..%2f..%2fetc%2fpasswd").expect(404);
  });

  it("says the console is not built, 503 uncached, when dist/console is missing", async () => {
    const bare = express();
    mountConsole(bare, join(dir, "absent"));
    const res = await request(bare).get("/console/").expect(503);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.match(res.text, /make build/);
  });

  it("finds dist/console from the sources as from the compiled API", () => {
    assert.match(defaultConsoleDir(), /[/\\]dist[/\\]console$/);
  });
});
