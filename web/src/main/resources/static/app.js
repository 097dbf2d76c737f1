// Shared helpers of the durable-loops pages: API calls, problem+json errors, formatting.
"use strict";

const TEMPORAL_UI = (() => {
  const host = location.hostname === "127.0.0.1" ? "localhost" : location.hostname;
  return `http://${host}:8233`;
})();

/** Calls the API; resolves to the parsed body, rejects with an Error carrying the problem. */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {Accept: "application/json"} : {"Content-Type": "application/json", Accept: "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(payload && payload.detail ? payload.detail : `${response.status} ${response.statusText}`);
    error.problem = payload;
    error.status = response.status;
    throw error;
  }
  return payload;
}

/** Creates an element: el("td", {class: "x"}, "text", child…). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function statusBadge(status) {
  return el("span", {class: `status status-${(status || "unknown").toLowerCase()}`}, status || "unknown");
}

function age(iso) {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function usd(value) {
  return value === null || value === undefined ? "" : `$${Number(value).toFixed(2)}`;
}

function temporalLink(id, label) {
  return el("a", {href: `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(id)}`, target: "_blank", rel: "noopener"},
    label || "Temporal UI");
}

document.addEventListener("DOMContentLoaded", () => {
  const link = document.getElementById("temporal-link");
  if (link) link.href = `${TEMPORAL_UI}/namespaces/default/workflows`;
});
