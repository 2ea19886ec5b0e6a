/**
 * The web console (/console/, docs/console.md) in Debian's chromium against guru-api as `make run`
 * starts it (local mode, a guru-engine per database): sign in, create a database and a series,
 * write line protocol with a bad line, explore with group by and buckets and read the points per
 * line from the chart's own data, hover and drag-zoom, download CSV and compare it with the API's
 * answer, a problem with its request id, tokens and a read-only token's view. Every page is checked
 * for console errors and failed requests, and screenshotted into test/artifacts/.
 */
import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { freePort } from "../../services/process.js";
import { type ApiProcess, startApiProcess } from "../api/support/api-process.js";
import { launchBrowser, type WatchedPage, watchedPage } from "./browser.js";

const ARTIFACTS = "test/artifacts";
const T0 = 1_704_067_200n * 1_000_000_000n; // 2024-01-01T00:00:00Z
const TEN_MINUTES = 600n * 1_000_000_000n;

/** hosts a and b every 10 minutes for 6 hours, c for the first 2 hours; one bad line (line 86) */
function lineProtocol(): { text: string; good: number; badLine: number } {
  const lines: string[] = ["# console test data"];
  for (let i = 0n; i < 36n; i++) {
    lines.push(`cpu,host=a usage=${Number(i)}.5 ${T0 + i * TEN_MINUTES}`);
    lines.push(`cpu,host=b usage=${100 + Number(i)} ${T0 + i * TEN_MINUTES}`);
    if (i < 12n) lines.push(`cpu,host=c usage=0.25 ${T0 + i * TEN_MINUTES}`);
  }
  lines.push(`cpu,host=a usage_x=1 ${T0}`);
  return { text: lines.join("\n"), good: 84, badLine: lines.length };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
}

describe("web console in chromium (local mode)", function () {
  this.timeout(60_000);
  let dir: string;
  let api: ApiProcess | undefined;
  let browser: Browser | undefined;
  let admin: WatchedPage;
  let token: string;
  let base: string;
  const watched: WatchedPage[] = [];

  const rest = async (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), "guru-console-"));
    const [started, launched] = await Promise.all([
      freePort().then((port) => startApiProcess(join(dir, "data"), port)),
      launchBrowser(),
    ]);
    api = started;
    browser = launched;
    base = api.url;
    token = (await readFile(join(dir, "data", "admin-token"), "utf8")).trim();
    admin = await watchedPage(browser, base);
    watched.push(admin);
  });

  /** a test that also fails on console errors, uncaught exceptions or unannounced failed requests */
  const check = (title: string, body: () => Promise<void>) =>
    it(title, async () => {
      const before = watched.map((w) => w.defects().length);
      await body();
      const defects = watched.flatMap((w, i) => w.defects().slice(before[i] ?? 0));
      assert.deepEqual(defects, [], "the console misbehaved");
    });

  after(async () => {
    await browser?.close();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  check("serves index.html with a strict CSP, no-cache, and hashed assets cached for a year", async () => {
    const response = await admin.page.goto("/console/");
    assert.ok(response !== null);
    const headers = response.headers();
    assert.equal(response.status(), 200);
    assert.match(
      headers["content-security-policy"] ?? "",
      /default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    assert.equal(headers["cache-control"], "no-cache");
    const html = await response.text();
    const script = /<script type="module" crossorigin src="(\/console\/assets\/index-[\w-]+\.js)">/.exec(
      html,
    )?.[1];
    assert.ok(script !== undefined, html);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
    const asset = await fetch(`${base}${script}`);
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(asset.headers.get("content-type"), "text/javascript; charset=utf-8");
    await admin.page.getByLabel("API token").waitFor();
    await shot(admin.page, "sign-in");
  });

  check(
    "signs in with a pasted token kept in session storage only, and shows who and which scopes",
    async () => {
      const { page } = admin;
      // by keyboard alone: the token field has the focus, Enter signs in
      await page.keyboard.type(token);
      await page.keyboard.press("Enter");
      const who = page.getByTestId("whoami");
      await who.getByText("account:admin").waitFor();
      assert.match(await who.innerText(), /platform:admin/);
      assert.equal(await page.evaluate("sessionStorage.length"), 1);
      assert.equal(await page.evaluate("localStorage.length"), 0);
      assert.ok(!page.url().includes(token));
    },
  );

  check("shows a bad input's problem as problem+json says it, with its request id", async () => {
    const { page } = admin;
    admin.expect(400, "/v1/databases");
    await page.getByLabel("Name", { exact: true }).fill("Not_A_Name");
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/v1/databases") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Create database" }).click(),
    ]);
    assert.equal(answer.status(), 400);
    const requestId = answer.headers()["x-request-id"];
    const problem = page.getByTestId("problem");
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-code"), "VALIDATION_FAILED");
    assert.equal(await problem.getByTestId("request-id").innerText(), requestId);
    assert.match(await problem.innerText(), /400 The request is invalid/);
    assert.match(await problem.innerText(), /body\.name/);
    await shot(page, "problem");
  });

  check("creates a database and watches it go from pending to ready", async () => {
    const { page } = admin;
    await page.getByLabel("Name", { exact: true }).fill("metrics");
    await page.getByLabel("Size").selectOption("dev");
    await page.getByLabel("Stripes").fill("2");
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/v1/databases") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Create database" }).click(),
    ]);
    assert.equal(answer.status(), 202);
    assert.equal(((await answer.json()) as { status: string }).status, "pending");
    await page.locator('tr[data-database="metrics"] .badge-ready').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId("problem").count(), 0, "the earlier problem is gone");
    await shot(page, "databases");
  });

  check("creates a series with tags and typed fields", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "metrics" }).click();
    await page.getByLabel("Name", { exact: true }).fill("cpu");
    await page.getByLabel("Tags").fill("host");
    await page.getByLabel("Field 1 name").fill("usage");
    await page.getByRole("button", { name: "Create series" }).click();
    await page.locator('tr[data-series="cpu"]').waitFor();
    assert.match(await page.locator('tr[data-series="cpu"]').innerText(), /host\s+usage \(float\)/);
    await shot(page, "database");
  });

  check("writes line protocol and reports the rejected line by number, reason and text", async () => {
    const { page } = admin;
    admin.expect(400, "/v1/databases/metrics/write");
    const data = lineProtocol();
    await page.getByRole("link", { name: "Write", exact: true }).click();
    await page.getByLabel("Database").selectOption("metrics");
    await page.getByRole("textbox", { name: "Line protocol" }).fill(data.text);
    await page.getByRole("button", { name: "Write", exact: true }).click();
    const report = page.getByTestId("write-report");
    await report.waitFor();
    assert.equal(await report.getByTestId("written").innerText(), String(data.good));
    assert.equal(await report.getByTestId("rejected").innerText(), "1");
    const row = report.locator(`tr[data-line="${data.badLine}"]`);
    assert.match(await row.innerText(), /usage_x/);
    assert.match(await row.innerText(), /cpu,host=a usage_x=1 1704067200000000000/);
    assert.equal(await page.getByTestId("problem").getAttribute("data-code"), "POINTS_REJECTED");
    await shot(page, "write");
  });

  check(
    "explores: one line per host with a point per hourly bucket, read from the chart's data",
    async () => {
      const { page } = admin;
      await page.getByRole("link", { name: "Explore" }).click();
      await page.getByLabel("Database").selectOption("metrics");
      await page.getByLabel("Series").selectOption("cpu");
      await page.getByLabel("Time range").selectOption("absolute");
      await page.getByLabel("From (UTC)").fill("2024-01-01 00:00:00");
      await page.getByLabel("To, excluded (UTC)").fill("2024-01-01 06:00:00");
      await page.getByLabel("host").check();
      await page.getByLabel("Bucket").fill("1h");
      await page.getByRole("button", { name: "Run query" }).click();
      const chart = page.getByTestId("chart");
      await chart.locator("canvas").waitFor();
      const series = JSON.parse((await chart.getAttribute("data-series")) ?? "[]");
      assert.deepEqual(series, [
        { label: "host=a", points: 6 },
        { label: "host=b", points: 6 },
        { label: "host=c", points: 2 },
      ]);
      assert.equal(await chart.getAttribute("data-buckets"), "6");
      // the table has the query's rows; the REST line teaches the same query
      await page.locator("table.result[data-rows='14']").waitFor();
      const url = (await page.getByTestId("rest-url").innerText()).replace(/^GET /, "");
      assert.equal(
        url,
        `${base}/v1/databases/metrics/series/cpu/query?start=2024-01-01T00%3A00%3A00.000000000Z&end=2024-01-01T06%3A00%3A00.000000000Z&by=host&bucket=1h&agg=avg%28usage%29`,
      );
      assert.match(
        await page.getByTestId("curl").innerText(),
        /^curl -s '.+' -H "Authorization: Bearer \$TOKEN"$/,
      );
      const answer = (await (await rest(url.slice(base.length))).json()) as { count: number };
      assert.equal(answer.count, 14);
      // hover: the legend shows the bucket's full nanosecond time
      const over = page.locator(".u-over");
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2);
      const legendTime = page.locator(".u-legend tr.u-series").first().locator(".u-value");
      // (locators, not waitForFunction: the console's CSP rightly refuses string evaluation)
      await legendTime.getByText("2024-01-01 05:00:00.000000000 UTC", { exact: true }).waitFor();
      assert.equal(await legendTime.innerText(), "2024-01-01 05:00:00.000000000 UTC");
      await shot(page, "explore");
    },
  );

  check("zooms by dragging across the chart, which refines the range and queries it again", async () => {
    const { page } = admin;
    const box = (await page.locator(".u-over").boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await page.mouse.up();
    // 0.3..0.7 of 00:00..05:00 is 01:30..03:30: buckets 01:00, 02:00, 03:00 for a and b; c ends at 02:00
    await page.locator('[data-testid="chart"][data-buckets="3"]').waitFor();
    const start = await page.getByLabel("From (UTC)").inputValue();
    const end = await page.getByLabel("To, excluded (UTC)").inputValue();
    assert.match(start, /^2024-01-01 01:[2-3]\d:/);
    assert.match(end, /^2024-01-01 03:[2-4]\d:/);
    const series = JSON.parse((await page.getByTestId("chart").getAttribute("data-series")) ?? "[]");
    assert.deepEqual(series, [
      { label: "host=a", points: 3 },
      { label: "host=b", points: 3 },
      { label: "host=c", points: 1 },
    ]);
  });

  check("downloads the result as CSV through the streamed endpoint, equal to the API's answer", async () => {
    const { page } = admin;
    const url = (await page.getByTestId("rest-url").innerText()).replace(/^GET /, "");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "metrics-cpu.csv");
    const file = await readFile((await download.path())!, "utf8");
    const expected = await (await rest(`${url.slice(base.length)}&format=csv`)).text();
    assert.equal(file, expected);
    assert.match(file, /^time,host,avg_usage\r\n/);
  });

  check(
    "charts a raw query from a bucketed one (downsampled), while the table pages the raw rows",
    async () => {
      const { page } = admin;
      await page.getByLabel("From (UTC)").fill("2024-01-01 00:00:00");
      await page.getByLabel("To, excluded (UTC)").fill("2024-01-01 06:00:00");
      await page.getByLabel("host").uncheck();
      await page.getByRole("combobox", { name: "Bucket" }).fill("");
      const [chartQuery] = await Promise.all([
        page.waitForRequest((r) => r.url().includes("/query?") && r.url().includes("limit=100000")),
        page.getByRole("button", { name: "Run query" }).click(),
      ]);
      // 6 h in at most ~1000 buckets: 30 s buckets of averages, never the raw rows
      const params = new URL(chartQuery.url()).searchParams;
      assert.equal(params.get("bucket"), "30s");
      assert.equal(params.get("agg"), "avg(usage)");
      await page.locator('[data-testid="chart"][data-buckets="36"]').waitFor();
      const series = JSON.parse((await page.getByTestId("chart").getAttribute("data-series")) ?? "[]");
      assert.deepEqual(series, [{ label: "avg_usage", points: 36 }]);
      assert.match(
        await page.getByTestId("chart-note").innerText(),
        /^Downsampled for the chart: averages in 30s buckets/,
      );
      await page.locator("table.result[data-rows='50']").waitFor();
      assert.equal(await page.getByTestId("page-info").innerText(), "page 1, rows 1–50");
      await page.getByRole("button", { name: "Next page" }).click();
      await page.locator("table.result[data-rows='34']").waitFor();
      assert.equal(await page.getByTestId("page-info").innerText(), "page 2, rows 51–84");
      assert.equal(await page.getByRole("button", { name: "Next page" }).isDisabled(), true);
    },
  );

  check("filters on a tag with the values offered from the data, and downloads JSONL", async () => {
    const { page } = admin;
    await page.getByRole("button", { name: "Add a filter" }).click();
    // the values come from GET …/last?by=host
    await page.locator('datalist#values-host option[value="c"]').waitFor({ state: "attached" });
    const offered = await page
      .locator("datalist#values-host option")
      .evaluateAll((options) => options.map((o) => o.getAttribute("value")));
    assert.deepEqual(offered, ["a", "b", "c"]);
    await page.getByRole("combobox", { name: "value", exact: true }).fill("a");
    await page.getByRole("button", { name: "Run query" }).click();
    await page.locator("table.result[data-rows='36']").waitFor();
    const url = (await page.getByTestId("rest-url").innerText()).replace(/^GET /, "");
    assert.match(url, /&where=host%3Da$/);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download JSONL" }).click(),
    ]);
    const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
    assert.equal(lines.length, 36);
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: "2024-01-01T00:00:00.000000000Z",
      host: "a",
      usage: 0.5,
    });
  });

  check("imports CSV as a job: progress from GET /v1/jobs/{id}, then its rejected rows by line", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "Write", exact: true }).click();
    await page.getByLabel("Database").selectOption("metrics");
    await page.getByLabel("Format").selectOption("csv");
    await page.locator('select[name="series"]').selectOption("cpu");
    const csv = [
      "time,host,usage",
      "2024-01-02T00:00:00Z,d,1.5",
      "2024-01-02T00:00:01Z,d,high",
      "2024-01-02T00:00:02Z,d,2.5",
    ];
    await page.getByRole("textbox", { name: /^CSV/ }).fill(csv.join("\n"));
    const [job] = await Promise.all([
      page.waitForResponse((r) => /\/v1\/jobs\/[\w-]+$/.test(r.url())),
      page.getByRole("button", { name: "Import" }).click(),
    ]);
    assert.equal(job.status(), 200);
    await page.getByTestId("job-status").getByText("succeeded").waitFor();
    const report = page.getByTestId("write-report");
    assert.equal(await report.getByTestId("written").innerText(), "2");
    assert.equal(await report.getByTestId("rejected").innerText(), "1");
    assert.match(
      await report.locator('tr[data-line="3"]').innerText(),
      /usage.*2024-01-02T00:00:01Z,d,high/s,
    );
    assert.equal(await page.getByRole("progressbar", { name: "Import progress" }).getAttribute("value"), "3");
    await shot(page, "import");
  });

  check("creates a token (its secret shown once), and a read-only token sees no admin actions", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "Tokens" }).click();
    await page.getByLabel("Name", { exact: true }).fill("reader");
    await page.getByLabel("Scopes").fill("db:metrics:read");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = (await page.getByTestId("new-secret").locator("code").innerText()).trim();
    assert.match(secret, /^tsg_/);
    await page.locator('tr[data-token="reader"] .badge-active').waitFor();
    await shot(page, "tokens");

    const reader = await watchedPage(browser!, base);
    watched.push(reader);
    await reader.page.goto("/console/");
    await reader.page.getByLabel("API token").fill(secret);
    await reader.page.getByRole("button", { name: "Sign in" }).click();
    await reader.page.getByTestId("whoami").getByText("db:metrics:read").waitFor();
    await reader.page.locator('tr[data-database="metrics"]').waitFor();
    const nav = reader.page.getByRole("navigation", { name: "Main" });
    assert.deepEqual(await nav.getByRole("link").allInnerTexts(), ["Databases", "Explore"]);
    assert.equal(await reader.page.getByRole("button", { name: "Create database" }).count(), 0);
    await reader.page.getByRole("link", { name: "metrics" }).click();
    await reader.page.locator('tr[data-series="cpu"]').waitFor();
    assert.equal(await reader.page.getByRole("button", { name: "Delete database" }).count(), 0);
    assert.equal(await reader.page.getByRole("button", { name: "Create series" }).count(), 0);
    assert.equal(await reader.page.getByRole("link", { name: "Write points" }).count(), 0);
    await shot(reader.page, "read-only");
    await reader.context.close();

    // revoke it from the admin's page, with a confirmation
    await page.getByRole("button", { name: "Revoke reader" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await page.locator('tr[data-token="reader"] .badge-revoked').waitFor();
  });

  check("deletes a database only after its name is typed in the confirmation", async () => {
    const { page } = admin;
    admin.expect(404, "/v1/databases/metrics"); // how the console learns the delete finished
    await page.getByRole("link", { name: "Databases" }).click();
    await page.getByRole("link", { name: "metrics", exact: true }).click();
    const remove = page.getByRole("button", { name: "Delete database" });
    await remove.click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await page.keyboard.press("Escape"); // cancels
    await dialog.waitFor({ state: "hidden" });
    await remove.focus();
    await page.keyboard.press("Enter");
    const confirm = dialog.getByRole("button", { name: "Delete for good" });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel("Type metrics to confirm").fill("metrics");
    await confirm.click();
    await page.getByRole("status").getByText("The database metrics is deleted.").waitFor({ timeout: 30_000 });
    assert.equal((await rest("/v1/databases/metrics")).status, 404);
  });
});
