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

async function act(method, path, body, done) {
  fail(null);
  try {
    const result = await api(method, `/api/loops/${encodeURIComponent(loopId)}${path}`, body);
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
  document.getElementById("reflections").replaceChildren(...(state.reflections || []).map((r) =>
    el("li", {}, el("strong", {}, r.iteration ? `Iteration ${r.iteration}` : "Note"), r.repeated ? " (repeated failure)" : "",
      el("pre", {class: "note"}, r.text))));
  document.getElementById("notes").replaceChildren(...(state.notes || []).map((n) =>
    el("li", {}, n.text, n.author ? ` — ${n.author}` : "", n.at ? el("span", {class: "hint"}, ` ${age(n.at)} ago`) : "")));
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
    (pending.deadline ? ` Decide before ${new Date(pending.deadline).toLocaleString()}.` : " No deadline: the loop is paused until you decide.");
  if (shownDiffHash !== pending.diffHash) {
    shownDiffHash = pending.diffHash;
    const pre = document.getElementById("decision-diff");
    pre.textContent = "Loading the diff…";
    const base = state.headCommit;
    try {
      const r = await authFetch(`/api/loops/${encodeURIComponent(loopId)}/attempts/${pending.iteration}/diff`);
      pre.textContent = r.ok ? await r.text() : `(diff unavailable: ${r.status})`;
    } catch (e) {
      pre.textContent = `(diff unavailable: ${e.message}; base ${base})`;
    }
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
      r.makerSummary ? el("div", {class: "hint"}, r.makerSummary) : ""),
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
  const pre = document.getElementById("checkpoint-diff");
  pre.hidden = false;
  pre.textContent = "Loading…";
  const r = await authFetch(`/api/loops/${encodeURIComponent(loopId)}/checkpoints/${n}/diff`);
  pre.textContent = r.ok ? await r.text() || "(no changes)" : `(diff unavailable: ${r.status})`;
  pre.focus();
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

async function decide(decision) {
  if (!current || !current.pendingDecision) return;
  const comment = document.getElementById("decision-comment").value || undefined;
  const r = await act("POST", "/decision", {decision, diffHash: current.pendingDecision.diffHash, comment, by: "web"});
  if (r) say(r.message);
}

async function connect() {
  // The stream ends when the loop ends (then one plain read shows the final state) or after its
  // maximum age (then it is opened again).
  for (;;) {
    try {
      await readEvents(`/api/loops/${encodeURIComponent(loopId)}/events`, (name, data) => {
        if (name === "state") render(JSON.parse(data));
      });
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
  document.getElementById("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("note-text");
    if (await act("POST", "/notes", {text: input.value, author: "web"})) input.value = "";
  });
  api("GET", `/api/loops/${encodeURIComponent(loopId)}`).then(render).catch((e) => fail(e.message));
  connect();
  setInterval(() => current && renderProgress(current), 1000);
});
