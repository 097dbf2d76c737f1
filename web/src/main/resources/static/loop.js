// One loop, live: server-sent events from /api/loops/{id}/events redraw the page as the loop moves.
"use strict";

const loopId = new URLSearchParams(location.search).get("id");
let current = null;
let shownDiffHash = null;

function fail(message) {
  const box = document.getElementById("error");
  box.hidden = !message;
  box.textContent = message || "";
}

function say(message) {
  document.getElementById("message").textContent = message;
}

async function act(method, path, body, done, absolute, absoluteBody) {
  fail(null);
  try {
    const result = absolute ? await api(method, absolute, absoluteBody)
      : await api(method, `/api/loops/${encodeURIComponent(loopId)}${path}`, body);
    say(done || (result && result.message) || "Done.");
    return result;
  } catch (e) {
    fail(e.message);
    return null;
  }
}

function render(state) {
  current = state;
  document.title = `${loopId} · ${state.status} · durable-loops`;
  document.getElementById("status").replaceChildren(statusBadge(state.status));
  document.getElementById("goal").textContent = state.goal || "";
  renderProgress(state);
  renderSandbox(state);
  const live = state.live !== false;
  if (!live) say(state.message);
  const ended = ["SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED"].includes(state.status);
  document.getElementById("pause").disabled = ended || state.status === "PAUSED";
  document.getElementById("resume").disabled = ended || state.status !== "PAUSED";
  document.getElementById("cancel").disabled = ended;
  renderDecision(state);
  renderBudget(state);
  renderTimeline(state);
  renderEvidence(state);
  renderCheckpoints(state, ended);
  renderTasks(state);
  renderFleet(state);
  renderDeliveries(state);
  document.getElementById("budget-ask").hidden = state.status !== "AWAITING_BUDGET";
  if (state.status === "AWAITING_BUDGET" && state.budget) {
    const l = state.budget.limits;
    document.getElementById("budget-ask-reason").textContent = `A cap was reached (${state.budget.iterations} of ${l.maxIterations} iterations, `
      + `${usd(state.budget.costUsd)}${l.maxCostUsd ? ` of ${usd(l.maxCostUsd)}` : ""}, deadline ${new Date(state.budget.deadline).toLocaleString()}). `
      + `Extend it within ${l.extendTimeout} or the loop ends CAPPED.`;
  }
  renderCharts(state);
  renderLogs(state);
  if (ended || state.temporalStatus !== "RUNNING") renderOutput(null);
  document.getElementById("reflections").replaceChildren(...(state.reflections || []).map((r) =>
    el("li", {}, el("strong", {}, r.iteration ? `Iteration ${r.iteration}` : "Note"), r.repeated ? " (repeated failure)" : "", " ",
      el("button", {type: "button", class: "small", onclick: () => promote(r.text.split("\n")[0], `reflection on iteration ${r.iteration} of ${loopId}`)},
        "Make a rule"),
      el("pre", {class: "note"}, r.text))));
  document.getElementById("notes").replaceChildren(...(state.notes || []).map((n) =>
    el("li", {}, n.text, n.author ? ` — ${n.author}` : "", n.at ? el("span", {class: "hint"}, ` ${age(n.at)} ago`) : "", " ",
      el("button", {type: "button", class: "small", onclick: () => promote(n.text, `note of ${loopId}`)}, "Make a rule"))));
  if (!rulesLoaded) loadRules();
}

/** Where the loop's work went: the pushed branch, the deliver command's outcome and the URL it printed. */
function renderDeliveries(state) {
  const deliveries = state.deliveries || [];
  document.getElementById("deliveries-section").hidden = deliveries.length === 0;
  document.getElementById("deliveries").replaceChildren(...deliveries.slice().reverse().map((d) => el("li", {class: d.error ? "error" : null},
    d.onSuccess ? "On success: " : `At cp-${d.checkpoint}: `,
    el("code", {}, d.commit.slice(0, 12)),
    d.branch ? [" → branch ", el("code", {}, d.branch), d.pushed ? " (pushed)" : " (not pushed)"] : "",
    d.exitCode !== null && d.exitCode !== undefined ? ` · command exit ${d.exitCode}` : "",
    d.url ? [" · ", el("a", {href: d.url, target: "_blank", rel: "noopener"}, d.url)] : "",
    d.error ? el("div", {}, d.error) : "",
    d.outputTail ? el("details", {}, el("summary", {}, "Output"), el("pre", {class: "tail"}, d.outputTail)) : "")));
}

let rulesLoaded = false;

/** The repository's rules, each editable and retirable. */
async function loadRules() {
  rulesLoaded = true;
  let rules;
  try {
    rules = await api("GET", `/api/rules?loop=${encodeURIComponent(loopId)}`);
  } catch (e) {
    document.getElementById("rules").replaceChildren(el("li", {class: "hint"}, `Rules unavailable: ${e.message}`));
    return;
  }
  document.getElementById("rules").replaceChildren(...(rules.length ? rules.map((r) => el("li", {class: r.retired ? "rolled-back" : null},
    r.text, el("span", {class: "hint"}, ` — ${r.author}${r.source ? `, from ${r.source}` : ""}${r.retired ? " (retired)" : ""} `),
    el("button", {type: "button", class: "small", onclick: async () => {
      const text = prompt("Edit the rule", r.text);
      if (text !== null && await act("PUT", null, null, null, `/api/rules/${r.id}`, {text})) loadRules();
    }}, "Edit"), " ",
    el("button", {type: "button", class: "small", onclick: async () => {
      if (await act("PUT", null, null, null, `/api/rules/${r.id}`, {retired: !r.retired})) loadRules();
    }}, r.retired ? "Bring back" : "Retire"))) : [el("li", {class: "hint"}, "No rules yet.")]));
}

async function promote(text, source) {
  const edited = prompt("Rule for every later loop on this repository:", text);
  if (edited === null || !edited.trim()) return;
  if (await act("POST", null, null, "Rule added.", "/api/rules", {loop: loopId, text: edited.trim(), source})) loadRules();
}

const TASK_ORDER = {IN_PROGRESS: 0, LEFT: 1, SET_ASIDE: 2, DONE: 3};

/** A backlog loop's tasks: in progress, left, set aside, done. */
function renderTasks(state) {
  const tasks = state.tasks || [];
  document.getElementById("tasks-section").hidden = tasks.length === 0;
  if (!tasks.length) return;
  const count = (s) => tasks.filter((t) => t.status === s).length;
  document.getElementById("tasks-summary").textContent =
    `${count("DONE")} done · ${count("IN_PROGRESS")} in progress · ${count("SET_ASIDE")} set aside · ${count("LEFT")} left`;
  document.getElementById("tasks").replaceChildren(...tasks.slice().sort((a, b) => TASK_ORDER[a.status] - TASK_ORDER[b.status])
    .map((t) => el("tr", {class: `task-${t.status.toLowerCase()}`},
      el("td", {}, t.title, t.title !== t.id ? el("div", {class: "hint"}, t.id) : ""),
      el("td", {}, t.status.replace("_", " ").toLowerCase()),
      el("td", {class: "num"}, t.attempts),
      el("td", {}, t.checkpoint ? `cp-${t.checkpoint}` : t.reason || ""))));
}

/**
 * A fan-out parent's fleet: its running total against the cap (what ended children spent plus what
 * running ones hold in reservation, updated as each starts and ends) and every child it started.
 */
function renderFleet(state) {
  const fleet = state.fleet;
  document.getElementById("fleet-section").hidden = !fleet;
  if (!fleet) return;
  const children = fleet.children || [];
  const running = children.filter((c) => c.status === "RUNNING").length;
  const spent = state.budget ? state.budget.costUsd : 0;
  const cap = state.budget && state.budget.limits.maxCostUsd;
  document.getElementById("fleet-summary").textContent = `${children.length} children, ${running} running · `
    + `running total ${usd(spent + fleet.reservedUsd)}${cap ? ` of ${usd(cap)}` : ""} `
    + `(${usd(spent)} spent by children that ended, ${usd(fleet.reservedUsd)} reserved by running ones)`;
  document.getElementById("fleet").replaceChildren(...children.map((c) => el("tr", {class: `child-${c.status.toLowerCase()}`},
    el("td", {}, el("a", {href: `loop.html?id=${encodeURIComponent(c.loopId)}`}, c.loopId)),
    el("td", {}, c.taskId),
    el("td", {}, c.status.toLowerCase()),
    el("td", {}, c.checkpoint ? `cp-${c.checkpoint}` : ""),
    el("td", {class: "num"}, c.status === "RUNNING" ? "" : usd(c.costUsd)))));
}

/** The running step's output, from the stream's output events (heartbeats of its activity). */
function renderOutput(o) {
  const section = document.getElementById("live");
  const ended = current && current.temporalStatus && current.temporalStatus !== "RUNNING";
  section.hidden = !o || !o.running || ended;
  if (section.hidden) return;
  const out = o.output;
  const parts = [o.activity];
  if (out) {
    parts.push(out.step, out.status, `${Math.round(out.elapsedMillis / 1000)} s`, `${bytes(out.outputBytes)} of output`);
  }
  if (o.attempt > 1) parts.push(`attempt ${o.attempt}`);
  if (o.lastHeartbeat) parts.push(`updated ${age(o.lastHeartbeat)} ago`);
  document.getElementById("live-status").textContent = parts.join(" · ");
  const pre = document.getElementById("live-output");
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
  pre.textContent = out ? out.tail || "(nothing printed yet)" : "(this step runs no command, or has not reported yet)";
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const charts = {};
let chartedRows = null;

/** Cost against the cap, metric against the best so far, time per step: from the timeline rows. */
function renderCharts(state) {
  const rows = (state.iterations || []).filter((r) => r.attemptCommit || r.makerExitCode || (r.stepMillis && Object.keys(r.stepMillis).length));
  const key = JSON.stringify(rows.map((r) => [r.iteration, r.costUsd, r.metric, r.stepMillis])) + (state.budget ? state.budget.limits.maxCostUsd : "");
  document.getElementById("charts").hidden = rows.length === 0 || typeof Chart !== "function";
  if (key === chartedRows || rows.length === 0 || typeof Chart !== "function") return;
  chartedRows = key;
  const labels = rows.map((r) => r.iteration);
  let total = 0;
  const cost = rows.map((r) => (total += r.costUsd || 0));
  const cap = state.budget && state.budget.limits.maxCostUsd;
  draw("cost", "line", labels, [
    {label: "cost so far (USD)", data: cost, borderColor: "#1f5fbf", backgroundColor: "#1f5fbf", stepped: true},
    ...(cap ? [{label: `cap ${usd(cap)}`, data: labels.map(() => cap), borderColor: "#b3261e", borderDash: [6, 4], pointRadius: 0}] : []),
  ], {y: {beginAtZero: true, title: {display: true, text: "USD"}}});

  const hasMetric = rows.some((r) => r.metric !== null && r.metric !== undefined);
  document.getElementById("metric-figure").hidden = !hasMetric;
  if (hasMetric) {
    let best = null;
    const bestSoFar = rows.map((r) => (r.checkpoint && r.metric !== null && r.metric !== undefined ? (best = r.metric) : best));
    draw("metric", "line", labels, [
      {label: "metric of the attempt", data: rows.map((r) => r.metric), showLine: false, borderColor: "#8a5a00", backgroundColor: "#8a5a00"},
      {label: "best so far (checkpoints)", data: bestSoFar, borderColor: "#1c7c3c", backgroundColor: "#1c7c3c", stepped: true, spanGaps: true},
    ], {});
  }

  const steps = [];
  rows.forEach((r) => Object.keys(r.stepMillis || {}).forEach((s) => steps.includes(s) || steps.push(s)));
  const palette = ["#1f5fbf", "#8a5a00", "#1c7c3c", "#6b3fa0", "#b3261e", "#00838f", "#5b6475", "#c2185b", "#827717"];
  draw("steps", "bar", labels, steps.map((s, i) => ({
    label: s, data: rows.map((r) => ((r.stepMillis || {})[s] || 0) / 1000), backgroundColor: palette[i % palette.length],
  })), {x: {stacked: true}, y: {stacked: true, title: {display: true, text: "seconds"}}});
}

function draw(name, type, labels, datasets, scales) {
  const options = {
    animation: false, responsive: true, maintainAspectRatio: false,
    scales: Object.assign({x: {title: {display: true, text: "iteration"}}}, scales),
    plugins: {legend: {position: "bottom"}},
  };
  if (charts[name]) {
    charts[name].data.labels = labels;
    charts[name].data.datasets = datasets;
    charts[name].options = options;
    charts[name].update();
  } else {
    charts[name] = new Chart(document.getElementById(`chart-${name}`), {type, data: {labels, datasets}, options});
  }
}

let listedLogsAt = null;

/** The finished steps' logs, each downloadable; listed again when the iteration or the status moves. */
async function renderLogs(state) {
  const key = `${state.iteration}/${state.status}/${state.phase}`;
  if (key === listedLogsAt) return;
  listedLogsAt = key;
  let names;
  try {
    names = await api("GET", `/api/loops/${encodeURIComponent(loopId)}/logs`);
  } catch (e) {
    document.getElementById("logs").replaceChildren(el("li", {class: "hint"}, `Logs unavailable: ${e.message}`));
    return;
  }
  document.getElementById("logs").replaceChildren(...(names.length ? names : []).map((name) => el("li", {},
    el("code", {}, name), " ",
    el("button", {type: "button", onclick: () => download(name)}, "Download"))));
  if (!names.length) document.getElementById("logs").replaceChildren(el("li", {class: "hint"}, "No step has finished yet."));
}

async function download(name) {
  const r = await authFetch(`/api/loops/${encodeURIComponent(loopId)}/logs/${encodeURIComponent(name)}`);
  if (!r.ok) {
    fail(`Log ${name} unavailable: ${r.status}`);
    return;
  }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", {href: url, download: `${loopId}-${name}`});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function renderSandbox(state) {
  const p = document.getElementById("sandbox");
  p.hidden = !state.sandbox;
  if (state.sandbox) {
    // The worker's own words (Sandbox.describe()): a sandbox names itself first; the host's
    // network is a worker setting the page must not hide.
    const confined = /^(sandbox runtime|bubblewrap)/.test(state.sandbox);
    const hostNetwork = /host('s)? network/.test(state.sandbox);
    p.replaceChildren(el("strong", {}, confined ? (hostNetwork ? "Sandbox, with the host's network: " : "Sandbox: ") : "Not sandboxed: "),
      state.sandbox);
    p.classList.toggle("warning", !confined || hostNetwork);
  }
}

function renderProgress(state) {
  const p = document.getElementById("progress");
  if (state.stopReason) {
    p.replaceChildren(el("strong", {}, "Stopped: "), state.stopReason);
    return;
  }
  if (!state.phase) {
    p.textContent = "";
    return;
  }
  const since = state.phaseSince ? ` for ${age(state.phaseSince)}` : "";
  p.replaceChildren(el("span", {class: "spinner", "aria-hidden": "true"}),
    `Iteration ${state.iteration}: ${state.phase}${since}`);
}

async function renderDecision(state) {
  const section = document.getElementById("decision");
  const pending = state.pendingDecision;
  section.hidden = !pending;
  if (!pending) {
    shownDiffHash = null;
    return;
  }
  document.getElementById("decision-summary").textContent =
    `Iteration ${pending.iteration}: ${pending.diffStat}. ` +
    (pending.checksPassed ? "Every required check passed." : "The deterministic gate FAILED; approving is an override.") +
    (pending.deadline ? ` Decide before ${new Date(pending.deadline).toLocaleString()}.` : " No deadline: the loop is paused until you decide.") +
    (pending.attempts ? ` Passing attempts: ${pending.attempts.map((a) => `#${a.attempt} (${a.diffStat})`).join(", ")};`
      + " Approve takes the gate's pick, or choose another below." : "");
  renderChoices(pending);
  if (shownDiffHash !== pending.diffHash) {
    shownDiffHash = pending.diffHash;
    // Best-of-N: the gate's pick is one of the listed attempts, whose diff lives under its own ref.
    const pick = (pending.attempts || []).find((a) => a.diffHash === pending.diffHash);
    await showDiffIn(document.getElementById("decision-diff"),
      pick ? `/attempts/${pending.iteration}/${pick.attempt}/diff` : `/attempts/${pending.iteration}/diff`);
  }
}

function renderBudget(state) {
  const b = state.budget;
  const dl = document.getElementById("budget");
  if (!b) {
    dl.replaceChildren();
    return;
  }
  const rows = [
    ["Iterations", `${b.iterations} of ${b.limits.maxIterations}`],
    ["Cost", `${usd(b.costUsd)}${b.limits.maxCostUsd ? ` of ${usd(b.limits.maxCostUsd)}` : " (no cap)"}`],
    ["Tokens", b.tokens],
    ["Started", `${new Date(b.startedAt).toLocaleString()} (${age(b.startedAt)} ago)`],
    ["Deadline", new Date(b.deadline).toLocaleString()],
    ["Repeated failures", `${state.repeatedFailures} of ${b.limits.maxRepeatedFailures}`],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function renderTimeline(state) {
  const rows = (state.iterations || []).slice().reverse().map((r) => el("tr", {class: `verdict-${(r.verdict || "").toLowerCase()}`},
    el("td", {class: "num"}, r.iteration),
    el("td", {}, r.task || ""),
    el("td", {}, `exit ${r.makerExitCode}`, r.diffStat ? ` · ${r.diffStat}` : "", r.costUsd ? ` · ${usd(r.costUsd)}` : "",
      r.makerSummary ? el("div", {class: "hint"}, r.makerSummary) : "", r.selection ? attemptsTable(r.selection) : ""),
    el("td", {}, (r.checks || []).join(" ")),
    el("td", {}, r.verdict),
    el("td", {}, r.reason || ""),
    el("td", {}, r.checkpoint ? `cp-${r.checkpoint}` : "", " ", temporalLink(loopId, "history"))));
  if (current && current.phase && !current.stopReason) {
    rows.unshift(el("tr", {class: "running"}, el("td", {class: "num"}, current.iteration),
      el("td", {colspan: 6}, el("span", {class: "spinner", "aria-hidden": "true"}), ` ${current.phase} in progress `,
        temporalLink(loopId, "(history)"))));
  }
  document.getElementById("timeline").replaceChildren(...rows);
}

/** The attempts of a best-of-N iteration side by side, the kept one marked, and the rule that kept it. */
function attemptsTable(selection) {
  const head = el("tr", {}, ...["#", "maker", "checks", "metric", "diff", "cost", ""].map((h) => el("th", {scope: "col"}, h)));
  const rows = (selection.attempts || []).map((a) => el("tr", {class: a.attempt === selection.winner ? "attempt-winner" : ""},
    el("td", {class: "num"}, a.attempt === selection.winner ? `${a.attempt} ✓` : a.attempt),
    el("td", {}, a.variant || ""),
    el("td", {}, (a.checks || []).join(" ")),
    el("td", {class: "num"}, a.metric ?? ""),
    el("td", {}, a.diffStat || ""),
    el("td", {class: "num"}, a.commit ? usd(a.costUsd || 0) : ""),
    el("td", {class: "hint"}, a.note || "")));
  return el("table", {class: "attempts"},
    el("caption", {}, selection.winner ? `Attempt ${selection.winner} kept: ${selection.rule}` : selection.rule),
    el("thead", {}, head), el("tbody", {}, ...rows));
}

function renderEvidence(state) {
  document.getElementById("evidence").replaceChildren(...(state.lastEvidence || []).map((e) => el("details", {open: e.exitCode !== 0},
    el("summary", {}, `${e.name}: `, e.exitCode === 0 && !e.timedOut ? "passed" : e.timedOut ? "timed out" : `failed (exit ${e.exitCode})`,
      e.testsRun ? ` · ${e.testsRun} tests, ${e.failedTests.length} failing` : "", e.metric != null ? ` · metric ${e.metric}` : ""),
    e.failedTests.length ? el("ul", {}, e.failedTests.map((t) => el("li", {}, el("code", {}, t.id), `: ${t.message}`))) : "",
    el("pre", {class: "tail"}, e.outputTail || "(no output)"))));
}

function renderCheckpoints(state, ended) {
  document.getElementById("checkpoints").replaceChildren(...(state.checkpoints || []).map((c) => el("li", {class: c.rolledBack ? "rolled-back" : null},
    `cp-${c.number} · iteration ${c.iteration} · `, el("code", {}, c.commit.slice(0, 12)), c.rolledBack ? " (rolled back)" : "",
    " ",
    el("button", {type: "button", onclick: () => showDiff(c.number)}, `Diff of cp-${c.number}`),
    " ",
    el("button", {type: "button", disabled: ended || c.rolledBack, onclick: () => rollback(c.number)}, `Roll back to cp-${c.number}`),
    " ",
    el("button", {type: "button", onclick: () => fork(c.number)}, `Fork from cp-${c.number}`))));
}

async function showDiff(n) {
  const box = document.getElementById("checkpoint-diff");
  box.hidden = false;
  await showDiffIn(box, `/checkpoints/${n}/diff`, `Diff of cp-${n}`);
  box.focus();
}

/**
 * Loads a diff from the API into box: side by side with syntax colouring and a file list
 * (diff2html), the raw diff one click away below it.
 */
async function showDiffIn(box, path, title) {
  box.replaceChildren(el("p", {class: "hint"}, "Loading the diff…"));
  let text;
  try {
    const r = await authFetch(`/api/loops/${encodeURIComponent(loopId)}${path}`);
    if (!r.ok) {
      box.replaceChildren(el("p", {class: "error"}, `Diff unavailable: ${r.status}`));
      return;
    }
    text = await r.text();
  } catch (e) {
    box.replaceChildren(el("p", {class: "error"}, `Diff unavailable: ${e.message}`));
    return;
  }
  if (!text.trim()) {
    box.replaceChildren(el("p", {class: "hint"}, "(no changes)"));
    return;
  }
  const rendered = el("div", {class: "diff-view"});
  const raw = el("details", {class: "raw-diff"}, el("summary", {}, "Raw diff"),
    el("pre", {class: "diff", tabindex: "0", "aria-label": title || "Raw diff"}, text));
  box.replaceChildren(...(title ? [el("h3", {}, title)] : []), rendered, raw);
  if (typeof Diff2HtmlUI === "function") {
    const ui = new Diff2HtmlUI(rendered, text, {
      outputFormat: "side-by-side", drawFileList: true, fileListStartVisible: true, matching: "lines",
      highlight: true, synchronisedScroll: true, colorScheme: "light",
    });
    ui.draw();
    ui.highlightCode();
  } else {
    raw.open = true;
  }
}

async function rollback(n) {
  const reason = prompt(`Why roll back to checkpoint ${n}? (kept as a reflection)`);
  if (reason === null) return;
  const r = await act("POST", "/rollback", {checkpoint: n, reason});
  if (r) say(`Rolled back to checkpoint ${r.checkpoint}; checkpoints ${r.rolledBack.join(", ") || "none"} abandoned.`);
}

async function fork(n) {
  const r = await act("POST", "/fork", {checkpoint: n});
  if (r) location.href = r.links.web;
}

async function decide(decision, choice) {
  if (!current || !current.pendingDecision) return;
  const comment = document.getElementById("decision-comment").value || undefined;
  const diffHash = choice ? choice.diffHash : current.pendingDecision.diffHash;
  const r = await act("POST", "/decision", {decision, diffHash, comment, by: "web", attempt: choice ? choice.attempt : undefined});
  if (r) say(r.message);
}

/** One "Approve attempt k" button per passing attempt of a best-of-N iteration, each bound to that attempt's diff hash. */
function renderChoices(pending) {
  let box = document.getElementById("decision-attempts");
  if (!box) {
    box = el("p", {id: "decision-attempts"});
    document.getElementById("decision-summary").after(box);
  }
  box.replaceChildren(...(pending.attempts || []).map((a) =>
    el("button", {type: "button", onclick: () => decide("APPROVE", a)}, `Approve attempt ${a.attempt} (${a.commit.slice(0, 8)})`)));
}

let lastEventId = null;
let stream = null;

async function connect() {
  // The stream ends when the loop ends (then one plain read shows the final state) or after its
  // maximum age, or it breaks; then it is opened again with Last-Event-ID, so the server sends
  // only what changed meanwhile.
  for (;;) {
    stream = new AbortController();
    try {
      await readEvents(`/api/loops/${encodeURIComponent(loopId)}/events`, (name, data, id) => {
        if (id) lastEventId = id;
        if (name === "state") render(JSON.parse(data));
        else if (name === "output") renderOutput(JSON.parse(data));
      }, stream.signal, lastEventId);
    } catch (e) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const state = await api("GET", `/api/loops/${encodeURIComponent(loopId)}`).catch(() => null);
    if (state) render(state);
    if (state && state.temporalStatus && state.temporalStatus !== "RUNNING") return;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (!loopId) {
    fail("No loop id in the address (loop.html?id=…).");
    return;
  }
  document.getElementById("loop-id").textContent = loopId;
  document.getElementById("temporal-link").href = `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(loopId)}`;
  document.getElementById("approve").addEventListener("click", () => decide("APPROVE"));
  document.getElementById("reject").addEventListener("click", () => decide("REJECT"));
  document.getElementById("pause").addEventListener("click", () => act("POST", "/pause"));
  document.getElementById("resume").addEventListener("click", () => act("POST", "/resume"));
  document.getElementById("cancel").addEventListener("click", () => {
    if (confirm(`Cancel ${loopId}? The running step is killed.`)) act("POST", "/cancel");
  });
  document.getElementById("extend-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = Object.fromEntries(new FormData(event.target).entries());
    const opt = (v) => (v && v.trim() ? v.trim() : undefined);
    const num = (v) => (opt(v) === undefined ? undefined : Number(v));
    await act("POST", "/extend", {maxIterations: num(f.maxIterations), maxDuration: opt(f.maxDuration), maxCostUsd: num(f.maxCostUsd),
      reason: opt(f.reason)}, "Budget extended; the loop goes on.");
  });
  document.getElementById("rule-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("rule-text");
    if (await act("POST", null, null, "Rule added.", "/api/rules", {loop: loopId, text: input.value, source: `written on ${loopId}`})) {
      input.value = "";
      loadRules();
    }
  });
  document.getElementById("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("note-text");
    if (await act("POST", "/notes", {text: input.value, author: "web"})) input.value = "";
  });
  api("GET", `/api/loops/${encodeURIComponent(loopId)}`).then(render).catch((e) => fail(e.message));
  connect();
  // For browser tests and the curious: drops the event stream as a broken connection would.
  window.durableLoops = {dropStream: () => stream && stream.abort(), lastEventId: () => lastEventId};
  setInterval(() => current && renderProgress(current), 1000);
});
