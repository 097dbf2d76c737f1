// The loop list (a triage inbox) and the start form.
"use strict";

let viewer = {name: null, roles: []};
let lastLoops = [];

/** Where a loop stands in the inbox: 0 a decision this viewer can make, 1 waiting for someone, 2 running, 3 went wrong, 4 the rest. */
function rank(loop) {
  if (loop.status === "AWAITING_APPROVAL") return viewer.roles.includes("APPROVER") ? 0 : 1;
  // POST /extend needs APPROVER, like a decision (EndpointRoles in the api module).
  if (loop.status === "AWAITING_BUDGET") return viewer.roles.includes("APPROVER") ? 0 : 1;
  if (loop.status === "PAUSED") return 1;
  if (loop.status === "RUNNING") return 2;
  if (["FAILED", "STALLED", "CAPPED", "TERMINATED", "TIMED_OUT"].includes(loop.status)) return 3;
  return 4;
}

function byRank(a, b) {
  return rank(a) - rank(b) || String(b.startedAt).localeCompare(String(a.startedAt));
}

async function loadLoops() {
  const body = document.getElementById("loops");
  try {
    lastLoops = await api("GET", "/api/loops");
  } catch (e) {
    body.replaceChildren(el("tr", {}, el("td", {colspan: 7, class: "error"}, `Could not list loops: ${e.message}`)));
    return;
  }
  renderCounts(lastLoops);
  renderRepositories(lastLoops);
  renderLoops();
}

/** Counts by status (each a filter) and the cost of the loops started today. */
function renderCounts(loops) {
  const counts = {};
  loops.forEach((l) => (counts[l.status] = (counts[l.status] || 0) + 1));
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const today = loops.filter((l) => l.startedAt && Date.parse(l.startedAt) >= midnight.getTime());
  const cost = today.reduce((sum, l) => sum + (l.costUsd || 0), 0);
  const mine = loops.filter((l) => rank(l) === 0).length;
  const chips = Object.keys(counts).sort((a, b) => rank({status: a}) - rank({status: b}) || a.localeCompare(b)).map((status) =>
    el("button", {type: "button", class: "chip", "data-status": status, onclick: () => {
      document.getElementById("status-filter").value = status;
      renderLoops();
    }}, statusBadge(status), ` ${counts[status]}`));
  document.getElementById("counts").replaceChildren(
    el("span", {class: "count-you"}, mine ? `${mine} waiting for you` : "Nothing waiting for you"),
    ...chips,
    el("span", {class: "count-cost"}, `Cost today ${usd(cost)} `, el("span", {class: "hint"}, `(${today.length} loops started today)`)));
}

function renderRepositories(loops) {
  const select = document.getElementById("repository-filter");
  const chosen = select.value;
  const repos = [...new Set(loops.map((l) => l.repository).filter(Boolean))].sort();
  select.replaceChildren(el("option", {value: ""}, "any"), ...repos.map((r) => el("option", {value: r, selected: r === chosen}, r)));
}

/** Groups: the runs of one schedule, or a loop with its forks and fan-out children (and theirs); a lone loop is a group of one. */
function groups(loops) {
  const byId = new Map(loops.map((l) => [l.id, l]));
  const root = (l) => {
    let r = l;
    const seen = new Set();
    const up = (x) => x.parent || x.forkOf;
    while (up(r) && byId.has(up(r)) && !seen.has(r.id)) {
      seen.add(r.id);
      r = byId.get(up(r));
    }
    return r;
  };
  const map = new Map();
  for (const l of loops) {
    const key = l.scheduleId ? `schedule:${l.scheduleId}` : `loop:${root(l).id}`;
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(l);
  }
  return [...map.entries()].map(([key, members]) => {
    const head = key.startsWith("loop:") ? byId.get(key.slice(5)) : null;
    const rest = members.filter((m) => m !== head).sort(byRank);
    return {key, head, members: head ? [head, ...rest] : rest, best: members.slice().sort(byRank)[0]};
  }).sort((a, b) => byRank(a.best, b.best));
}

function renderLoops() {
  const status = document.getElementById("status-filter").value;
  const repository = document.getElementById("repository-filter").value;
  const loops = lastLoops.filter((l) => (!status || l.status === status) && (!repository || l.repository === repository));
  const rows = [];
  for (const g of groups(loops)) {
    if (g.key.startsWith("schedule:")) {
      const waiting = g.members.filter((m) => rank(m) <= 1).length;
      rows.push(el("tr", {class: "group"}, el("th", {colspan: 7, scope: "rowgroup"},
        `Schedule ${g.key.slice(9)} · ${g.members.length} runs`, waiting ? ` · ${waiting} waiting` : "")));
      g.members.forEach((m) => rows.push(row(m, true)));
    } else {
      g.members.forEach((m) => rows.push(row(m, m !== g.head && g.members.length > 1)));
    }
  }
  document.getElementById("loops").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", {colspan: 7}, lastLoops.length ? "No loop matches the filters." : "No loops yet. Start one below."))]));
}

function row(loop, nested) {
  const mine = rank(loop) === 0;
  return el("tr", {class: [mine ? "needs-you" : null, nested ? "nested" : null].filter(Boolean).join(" ") || null, "data-loop": loop.id},
    el("td", {}, nested && (loop.forkOf || loop.parent) ? el("span", {class: "hint"}, "↳ ") : "", el("a", {href: loop.links.web}, loop.id),
      mine ? el("span", {class: "you"}, " waiting for you") : "",
      nested && loop.parent ? el("div", {class: "hint"}, `child of ${loop.parent}`) : "",
      nested && !loop.parent && loop.forkOf ? el("div", {class: "hint"}, `fork of ${loop.forkOf}`) : ""),
    el("td", {}, statusBadge(loop.status)),
    el("td", {class: "num"}, loop.iteration ?? ""),
    el("td", {class: "num"}, usd(loop.costUsd)),
    el("td", {}, age(loop.startedAt)),
    el("td", {class: "goal"}, loop.goal || "", loop.repository ? el("div", {class: "hint repo"}, loop.repository) : ""),
    el("td", {}, el("a", {href: loop.links.temporal, target: "_blank", rel: "noopener"}, "history")));
}

async function loadSchedules() {
  const body = document.getElementById("schedules");
  let schedules;
  try {
    schedules = await api("GET", "/api/schedules");
  } catch (e) {
    body.replaceChildren(el("tr", {}, el("td", {colspan: 5, class: "error"}, `Could not list schedules: ${e.message}`)));
    return;
  }
  body.replaceChildren(...(schedules.length ? schedules.map(scheduleRow)
    : [el("tr", {}, el("td", {colspan: 5, class: "hint"}, "No schedules. Create one below."))]));
}

function scheduleRow(s) {
  const act = async (action, body) => {
    try {
      await api(action === "delete" ? "DELETE" : "POST", `/api/schedules/${encodeURIComponent(s.id)}${action === "delete" ? "" : "/" + action}`, body);
    } catch (e) {
      alert(e.message);
    }
    loadSchedules();
    loadLoops();
  };
  return el("tr", {"data-schedule": s.id},
    el("td", {}, el("strong", {}, s.name), s.paused ? el("span", {class: "you"}, " paused") : "",
      el("div", {class: "hint"}, s.goal || ""), s.note ? el("div", {class: "hint"}, `note: ${s.note}`) : ""),
    el("td", {}, s.cron ? el("code", {}, s.cron) : `every ${s.interval}`, el("div", {class: "hint"}, `overlap ${s.overlap}`)),
    el("td", {}, s.nextRuns.length ? new Date(s.nextRuns[0]).toLocaleString() : "—"),
    el("td", {}, s.recentRuns.length ? s.recentRuns.slice(0, 3).map((r) => el("div", {},
      el("a", {href: `/loop.html?id=${encodeURIComponent(r.loopId)}`}, r.loopId), " ", statusBadge(r.status))) : "none yet",
      el("div", {class: "hint"}, `${s.runs} runs, ${s.skipped} skipped`)),
    el("td", {class: "actions"},
      el("button", {type: "button", onclick: () => act("trigger")}, "Run now"),
      s.paused ? el("button", {type: "button", onclick: () => act("unpause")}, "Unpause")
        : el("button", {type: "button", onclick: () => { const note = prompt("Why pause it? (kept as the schedule's note)"); if (note !== null) act("pause", {note}); }}, "Pause"),
      el("button", {type: "button", class: "danger", onclick: () => confirm(`Delete ${s.id}? Its loops stay.`) && act("delete")}, "Delete"),
      el("a", {href: s.links.temporal, target: "_blank", rel: "noopener"}, "Temporal UI")));
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
  document.getElementById("status-filter").addEventListener("change", renderLoops);
  document.getElementById("repository-filter").addEventListener("change", renderLoops);
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
  api("GET", "/api/me").then((me) => (viewer = me)).catch(() => {}).finally(loadLoops);
  loadSchedules();
  setInterval(loadSchedules, 15000);
  const scheduleForm = document.getElementById("schedule-form");
  scheduleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    scheduleForm.querySelectorAll(".field-error").forEach((n) => n.remove());
    const banner = document.getElementById("schedule-error");
    banner.hidden = true;
    const f = Object.fromEntries(new FormData(scheduleForm).entries());
    let spec;
    try {
      spec = JSON.parse(f.spec);
    } catch (e) {
      banner.hidden = false;
      banner.textContent = `spec: not JSON (${e.message})`;
      return;
    }
    const opt = (v) => (v && v.trim() ? v.trim() : undefined);
    try {
      await api("POST", "/api/schedules", {name: f.name.trim(), cron: opt(f.cron), interval: opt(f.interval), overlap: f.overlap, spec});
      scheduleForm.reset();
      loadSchedules();
    } catch (e) {
      banner.hidden = false;
      banner.textContent = e.message;
      for (const err of (e.problem && e.problem.errors) || []) {
        banner.append(el("div", {class: "field-error"}, `${err.field}: ${err.message}`));
      }
    }
  });
  setInterval(loadLoops, 5000);
});
