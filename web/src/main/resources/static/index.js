// The loop list (a triage inbox) and the start form.
"use strict";

const ORDER = {AWAITING_APPROVAL: 0, PAUSED: 1, RUNNING: 2};

async function loadLoops() {
  const status = document.getElementById("status-filter").value;
  const body = document.getElementById("loops");
  try {
    const loops = await api("GET", "/api/loops" + (status ? `?status=${status}` : ""));
    loops.sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9) || String(b.startedAt).localeCompare(String(a.startedAt)));
    body.replaceChildren(...(loops.length ? loops.map(row) : [el("tr", {}, el("td", {colspan: 7}, "No loops yet. Start one below."))]));
  } catch (e) {
    body.replaceChildren(el("tr", {}, el("td", {colspan: 7, class: "error"}, `Could not list loops: ${e.message}`)));
  }
}

function row(loop) {
  return el("tr", {class: loop.status === "AWAITING_APPROVAL" ? "needs-you" : null, "data-loop": loop.id},
    el("td", {}, el("a", {href: loop.links.web}, loop.id)),
    el("td", {}, statusBadge(loop.status)),
    el("td", {class: "num"}, loop.iteration ?? ""),
    el("td", {class: "num"}, usd(loop.costUsd)),
    el("td", {}, age(loop.startedAt)),
    el("td", {class: "goal"}, loop.goal || ""),
    el("td", {}, el("a", {href: loop.links.temporal, target: "_blank", rel: "noopener"}, "history")));
}

function specFromForm(form) {
  const f = Object.fromEntries(new FormData(form).entries());
  const opt = (v) => (v && v.trim() !== "" ? v.trim() : undefined);
  const num = (v) => (opt(v) === undefined ? undefined : (isNaN(Number(v)) ? v : Number(v)));
  return {
    name: f.name.trim(),
    goal: f.goal,
    workspace: {repository: f.repository.trim(), branch: opt(f.branch)},
    make: {command: f.make, timeout: opt(f.makeTimeout)},
    checks: [{name: "tests", command: f.check, reports: opt(f.reports)}],
    gate: {approval: f.approval, approvalTimeout: opt(f.approvalTimeout)},
    caps: {maxIterations: num(f.maxIterations), maxDuration: opt(f.maxDuration), maxCostUsd: num(f.maxCostUsd)},
  };
}

function showErrors(form, problem) {
  const banner = document.getElementById("form-error");
  banner.hidden = false;
  banner.textContent = problem && problem.detail ? problem.detail : "The loop could not be started.";
  for (const err of (problem && problem.errors) || []) {
    const input = form.querySelector(`[data-field="${CSS.escape(err.field)}"]`);
    const target = input ? input.closest("label") : banner;
    const msg = el("span", {class: "field-error", role: "alert"}, `${err.field}: ${err.message}`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      target.append(msg);
    } else {
      banner.append(el("div", {class: "field-error"}, `${err.field}: ${err.message}`));
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("status-filter").addEventListener("change", loadLoops);
  document.getElementById("refresh").addEventListener("click", loadLoops);
  const form = document.getElementById("start-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((n) => n.remove());
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    document.getElementById("form-error").hidden = true;
    try {
      const started = await api("POST", "/api/loops", specFromForm(form));
      location.href = started.links.web;
    } catch (e) {
      showErrors(form, e.problem);
    }
  });
  loadLoops();
  setInterval(loadLoops, 5000);
});
