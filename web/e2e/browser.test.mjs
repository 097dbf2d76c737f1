// Browser tests of the web page: Debian's headless Chromium driven by playwright-core.
// Run by BrowserTest (api module), which starts the app and the dev server and passes:
//   BASE_URL     the app, e.g. http://127.0.0.1:8080
//   REPOSITORY   a git repository whose a.txt the test loop fixes
//   SCREENSHOTS  where to save screenshots (build artifacts)
//   CHROMIUM     the browser binary (default /usr/bin/chromium)
//   API_TOKEN    the app's bearer token
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOTS || ".";
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
});

test("start a loop from the form, approve it live, see it succeed", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // The token travels in the fragment, which the browser keeps and never sends to a server.
  await page.goto(`${BASE}/#token=${process.env.API_TOKEN}`);
  await page.getByLabel("Name").fill("browser");
  await page.getByLabel("Repository").fill(process.env.REPOSITORY);
  await page.getByLabel("Goal").fill("Write fixed into a.txt");
  await page.getByLabel("Maker command").fill("sleep 1; echo fixed > a.txt");
  await page.getByLabel("Check command (tests)").fill("grep -q fixed a.txt");
  await page.getByRole("button", { name: "Start loop" }).click();

  await page.waitForURL(/loop\.html\?id=loop-browser/);
  // The page is live: no reload between here and the end.
  await page.locator("#status .status", { hasText: "AWAITING_APPROVAL" }).waitFor({ timeout: 60_000 });
  await page.locator("#decision-diff", { hasText: "+fixed" }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: `${SHOTS}/loop-awaiting-approval.png`, fullPage: true });
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#status .status", { hasText: "SUCCEEDED" }).waitFor({ timeout: 60_000 });
  assert.match(await page.locator("#checkpoints").innerText(), /cp-1/);
  assert.match(await page.locator("#timeline").innerText(), /ACCEPT/);
  await page.screenshot({ path: `${SHOTS}/loop-succeeded.png`, fullPage: true });

  await page.goto(`${BASE}/`);
  await page.locator("#loops a", { hasText: "loop-browser" }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${SHOTS}/loops.png`, fullPage: true });
  await page.close();
});

test("a bad form shows errors next to the fields", async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/#token=${process.env.API_TOKEN}`);
  await page.getByLabel("Name").fill("Not A Slug");
  await page.getByLabel("Repository").fill("/tmp/x");
  await page.getByLabel("Goal").fill("g");
  await page.getByLabel("Maker command").fill("true");
  await page.getByLabel("Maker timeout").fill("30 minutes");
  await page.getByLabel("Check command (tests)").fill("true");
  await page.getByRole("button", { name: "Start loop" }).click();
  await page.locator(".field-error", { hasText: "name:" }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator("label", { hasText: "Maker timeout" }).innerText(), /make\.timeout: must be a positive ISO-8601 duration/);
  assert.equal(await page.getByLabel("Name").getAttribute("aria-invalid"), "true");
  assert.match(page.url(), /\/$/);
  await page.screenshot({ path: `${SHOTS}/form-errors.png`, fullPage: true });
  await page.close();
});
