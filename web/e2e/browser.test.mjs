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
  await page.getByLabel("Name", { exact: true }).fill("browser");
  await page.getByLabel("Repository", { exact: true }).fill(process.env.REPOSITORY);
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
  await page.getByLabel("Name", { exact: true }).fill("Not A Slug");
  await page.getByLabel("Repository", { exact: true }).fill("/tmp/x");
  await page.getByLabel("Goal").fill("g");
  await page.getByLabel("Maker command").fill("true");
  await page.getByLabel("Maker timeout").fill("30 minutes");
  await page.getByLabel("Check command (tests)").fill("true");
  await page.getByRole("button", { name: "Start loop" }).click();
  await page.locator(".field-error", { hasText: "name:" }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator("label", { hasText: "Maker timeout" }).innerText(), /make\.timeout: must be a positive ISO-8601 duration/);
  assert.equal(await page.locator("#start-form input[name=name]").getAttribute("aria-invalid"), "true");
  assert.match(page.url(), /\/$/);
  await page.screenshot({ path: `${SHOTS}/form-errors.png`, fullPage: true });
  await page.close();
});

test("watch a loop: live output, a reconnect, a rendered diff, charts and logs", async () => {
  const token = process.env.API_TOKEN;
  // Iteration 1 writes the wrong line (rejected), iteration 2 the right one; each prints for 6 s and reports a cost.
  const maker = 'for i in 1 2 3 4 5 6; do echo "maker line $i of iteration $LOOP_ITERATION"; sleep 1; done; '
    + 'if [ "$LOOP_ITERATION" -ge 2 ]; then echo fixed > a.txt; else echo wrong > a.txt; fi; '
    + 'echo "{\\"costUsd\\": 0.4$LOOP_ITERATION}" > "$LOOP_RESULT_FILE"';
  const spec = {
    name: "watch", goal: "Write fixed into a.txt", workspace: { repository: process.env.REPOSITORY },
    make: { command: maker, timeout: "PT2M" },
    checks: [
      { name: "tests", command: "grep -q fixed a.txt" },
      { name: "score", command: 'echo "score: $(grep -c fixed a.txt)"', required: false,
        metric: { pattern: "score: ([0-9]+)", goal: "MAXIMIZE", target: 1 } },
    ],
    gate: { approval: "ON_PASS", approvalTimeout: "PT1H" },
    caps: { maxIterations: 5, maxCostUsd: 2 },
  };
  const created = await fetch(`${BASE}/api/loops`, {
    method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(spec),
  });
  assert.equal(created.status, 201, await created.text());

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const streams = [];
  page.on("request", (r) => { if (r.url().endsWith("/events")) streams.push(r.headers()["last-event-id"] ?? null); });
  await page.goto(`${BASE}/loop.html?id=loop-watch#token=${token}`);

  // The maker's output appears while it runs, from its activity's heartbeats.
  await page.locator("#live-output", { hasText: "maker line 3 of iteration 1" }).waitFor({ timeout: 60_000 });
  assert.match(await page.locator("#live-status").innerText(), /Make · make · running/);
  await page.locator("#live").screenshot({ path: `${SHOTS}/live-output.png` });

  // A dropped stream is opened again with Last-Event-ID, and the page goes on.
  const before = streams.length;
  await page.evaluate(() => window.durableLoops.dropStream());
  for (let i = 0; i < 100 && streams.length === before; i++) await page.waitForTimeout(100);
  assert.ok(streams.length > before, "the page opened its event stream again");
  assert.match(streams[streams.length - 1] ?? "", /^[0-9]+$/, "the reconnect carries Last-Event-ID");
  await page.locator("#live-output", { hasText: "of iteration 2" }).waitFor({ timeout: 60_000 });

  // The pending attempt's diff, side by side with its file list; the raw diff one click away.
  await page.locator("#status .status", { hasText: "AWAITING_APPROVAL" }).waitFor({ timeout: 60_000 });
  await page.locator("#decision-diff .d2h-file-list").waitFor({ timeout: 10_000 });
  assert.match(await page.locator("#decision-diff .d2h-file-list").innerText(), /a\.txt/);
  assert.ok(await page.locator("#decision-diff .d2h-file-side-diff").count() >= 2, "side-by-side diff");
  await page.locator("#decision").screenshot({ path: `${SHOTS}/decision-diff.png` });
  await page.locator("#decision-diff summary", { hasText: "Raw diff" }).click();
  assert.match(await page.locator("#decision-diff pre.diff").innerText(), /\+fixed/);
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#status .status", { hasText: "SUCCEEDED" }).waitFor({ timeout: 60_000 });

  // Charts drawn from the loop's own timeline.
  await page.locator("#charts").waitFor({ state: "visible", timeout: 10_000 });
  await page.waitForFunction(() => Chart.getChart("chart-cost")?.data.labels.length === 2, null, { timeout: 10_000 });
  const charts = await page.evaluate(() => ({
    cost: Chart.getChart("chart-cost").data.datasets.map((d) => d.data.map((v) => Math.round(v * 100) / 100)),
    metric: Chart.getChart("chart-metric").data.datasets.map((d) => d.data),
    steps: Object.fromEntries(Chart.getChart("chart-steps").data.datasets.map((d) => [d.label, d.data])),
  }));
  assert.deepEqual(charts.cost, [[0.41, 0.83], [2, 2]]);
  assert.deepEqual(charts.metric, [[0, 1], [null, 1]]);
  assert.ok(charts.steps.make.every((s) => s >= 5), `make took 6 s each time: ${charts.steps.make}`);
  assert.ok(charts.steps.reflect[0] >= 0 && charts.steps.checkpoint[1] >= 0, JSON.stringify(charts.steps));
  await page.locator("#charts").screenshot({ path: `${SHOTS}/charts.png` });

  // A finished step's whole log downloads.
  await page.locator("#logs li", { hasText: "iter-0001-make.log" }).waitFor({ timeout: 10_000 });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#logs li", { hasText: "iter-0001-make.log" }).getByRole("button", { name: "Download" }).click(),
  ]);
  const saved = `${SHOTS}/downloaded-make.log`;
  await download.saveAs(saved);
  const { readFile } = await import("node:fs/promises");
  assert.match(await readFile(saved, "utf8"), /maker line 6 of iteration 1/);

  // A reflection becomes a rule of the repository (the prompt is answered as a person would).
  page.once("dialog", (dialog) => dialog.accept("Write fixed, never wrong, into a.txt"));
  await page.locator("#reflections li").first().getByRole("button", { name: "Make a rule" }).click();
  await page.locator("#rules li", { hasText: "Write fixed, never wrong, into a.txt" }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator("#rules").innerText(), /from reflection on iteration 1 of loop-watch/);

  // A checkpoint's diff renders the same way.
  await page.getByRole("button", { name: "Diff of cp-1" }).click();
  await page.locator("#checkpoint-diff .d2h-file-list").waitFor({ timeout: 10_000 });
  await page.screenshot({ path: `${SHOTS}/loop-watched.png`, fullPage: true });
  await page.close();
});

test("the list as a control room: counts, waiting for you first, forks under their loop, a repository filter", async () => {
  const token = process.env.API_TOKEN;
  const call = (method, path, body) => fetch(`${BASE}${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: body && JSON.stringify(body),
  });
  // A fork of the watched loop's checkpoint, and a loop that soon waits for approval.
  const forked = await call("POST", "/api/loops/loop-watch/fork", { checkpoint: 1, name: "watch-fork" });
  assert.equal(forked.status, 201, await forked.text());
  const inbox = await call("POST", "/api/loops", {
    name: "inbox", goal: "Wait for a person", workspace: { repository: process.env.REPOSITORY },
    make: { command: "echo more >> a.txt" }, checks: [{ name: "ok", command: "true" }],
    gate: { approval: "EVERY_ITERATION", approvalTimeout: "PT1H" },
  });
  assert.equal(inbox.status, 201, await inbox.text());
  const repo = encodeURIComponent(process.env.REPOSITORY);
  assert.ok((await (await call("GET", `/api/loops?repository=${repo}`)).json()).some((l) => l.id === "loop-watch"));
  assert.deepEqual(await (await call("GET", "/api/loops?repository=%2Fno%2Fsuch%20%22repo%22")).json(), []);
  // The rule made on the watched loop's page reaches the next loop on its repository.
  const rules = await (await call("GET", `/api/rules?repository=${repo}`)).json();
  assert.deepEqual(rules.map((r) => r.text), ["Write fixed, never wrong, into a.txt"]);
  const me = await (await call("GET", "/api/me")).json();
  assert.deepEqual(me.roles, ["APPROVER", "OPERATOR", "VIEWER"]);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${BASE}/#token=${token}`);
  await page.locator("tr[data-loop='loop-inbox'] .you", { hasText: "waiting for you" }).waitFor({ timeout: 60_000 });
  await page.locator("tr[data-loop='loop-watch-fork']").waitFor({ timeout: 10_000 });
  assert.match(await page.locator("#counts").innerText(), /1 waiting for you/);
  assert.match(await page.locator("#counts").innerText(), /SUCCEEDED \d+/);
  assert.match(await page.locator("#counts").innerText(), /Cost today \$\d+\.\d\d/);
  // The decision waiting for this viewer comes first; the fork is nested right under the loop it came from.
  const order = await page.locator("#loops tr[data-loop]").evaluateAll((rows) => rows.map((r) => r.dataset.loop));
  assert.equal(order[0], "loop-inbox");
  assert.equal(order[order.indexOf("loop-watch") + 1], "loop-watch-fork");
  assert.match(await page.locator("tr[data-loop='loop-watch-fork']").innerText(), /fork of loop-watch/);
  await page.screenshot({ path: `${SHOTS}/control-room.png`, fullPage: true });

  // Filters: by status (a count is a filter) and by repository.
  await page.locator("#counts button[data-status='AWAITING_APPROVAL']").click();
  assert.deepEqual(await page.locator("#loops tr[data-loop]").evaluateAll((rows) => rows.map((r) => r.dataset.loop)), ["loop-inbox"]);
  await page.locator("#status-filter").selectOption("");
  await page.locator("#repository-filter").selectOption(process.env.REPOSITORY);
  assert.ok(await page.locator("#loops tr[data-loop]").count() >= 3);
  await call("POST", "/api/loops/loop-watch-fork/cancel");
  await call("POST", "/api/loops/loop-inbox/cancel");

  // A schedule: listed with its cadence, run now from the page, its run grouped under it.
  const schedule = await call("POST", "/api/schedules", {
    name: "hourly", interval: "PT1H", spec: {
      name: "hourly-run", goal: "Append a line every hour", workspace: { repository: process.env.REPOSITORY },
      make: { command: "echo tick >> a.txt" }, checks: [{ name: "ok", command: "true" }], gate: { approval: "NEVER" } },
  });
  assert.equal(schedule.status, 201, await schedule.text());
  await page.locator("#repository-filter").selectOption("");
  await page.reload();
  await page.locator("tr[data-schedule='schedule-hourly']").getByRole("button", { name: "Run now" }).click();
  await page.locator("#loops tr.group", { hasText: "Schedule schedule-hourly · 1 runs" }).waitFor({ timeout: 30_000 });
  await page.locator("tr[data-schedule='schedule-hourly']", { hasText: "1 runs" }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${SHOTS}/schedules.png`, fullPage: true });
  await call("DELETE", "/api/schedules/schedule-hourly");
  await page.close();
});
