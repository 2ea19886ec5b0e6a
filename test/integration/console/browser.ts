/**
 * Debian's chromium (scripts/install-browser.sh, `make browser`) driven by playwright-core through
 * its executablePath: no browser is downloaded. Each page records what would be a defect in the
 * console: console errors, uncaught exceptions, failed requests and error answers that the test
 * did not announce with `expect()`.
 */
import { spawnSync } from "node:child_process";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const which = spawnSync("which", ["chromium"], { encoding: "utf8" });
  const path = which.stdout.trim();
  if (which.status !== 0 || path === "")
    throw new Error(
      "no chromium on PATH: run `make browser` (scripts/install-browser.sh) or set CHROMIUM_PATH",
    );
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // root in CI has no user namespace sandbox; small /dev/shm in containers
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** announces an error answer the test provokes: `status` for a URL containing `urlPart` */
  expect(status: number, urlPart: string): void;
  /** what went wrong that nobody announced */
  defects(): string[];
}

export async function watchedPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  const context = await browser.newContext({
    baseURL,
    acceptDownloads: true,
    viewport: { width: 1360, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const expected: { status: number; urlPart: string }[] = [];
  const defects: string[] = [];
  const announced = (status: number, url: string) =>
    expected.some((e) => e.status === status && url.includes(e.urlPart));
  const failedLoads: string[] = [];
  page.on("response", (response) => {
    if (response.status() < 400) return;
    if (announced(response.status(), response.url())) failedLoads.push(response.url());
    else
      defects.push(`unexpected answer ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "";
    // a query the console itself cancelled (a newer one replaced it) is not a failure
    if (failure.includes("ERR_ABORTED")) return;
    defects.push(`request failed: ${request.method()} ${request.url()}: ${failure}`);
  });
  page.on("pageerror", (err) => defects.push(`uncaught: ${err.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const url = message.location().url;
    // Chromium logs every 4xx answer as "Failed to load resource"; announced ones are fine
    if (message.text().startsWith("Failed to load resource") && failedLoads.some((u) => u === url)) return;
    defects.push(`console error: ${message.text()} (${url})`);
  });
  return {
    page,
    context,
    expect: (status, urlPart) => expected.push({ status, urlPart }),
    defects: () => [...defects],
  };
}
