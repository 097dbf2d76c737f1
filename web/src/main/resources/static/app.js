// Shared helpers of the durable-loops pages: API calls, problem+json errors, formatting.
"use strict";

const TEMPORAL_UI = (() => {
  const host = location.hostname === "127.0.0.1" ? "localhost" : location.hostname;
  return `http://${host}:8233`;
})();

// The API token: taken from the address fragment (#token=…, which browsers never send to a
// server), kept in this browser's localStorage, and sent as a bearer header. No cookies are used,
// so another site's pages cannot make requests that carry it.
(() => {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    localStorage.setItem("durable-loops-token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
})();

function authHeaders(extra) {
  const token = localStorage.getItem("durable-loops-token");
  return Object.assign(token ? {Authorization: `Bearer ${token}`} : {}, extra || {});
}

function askForToken() {
  const token = prompt("This server needs its API token (printed at start; in <data dir>/api-token):");
  if (token) {
    localStorage.setItem("durable-loops-token", token.trim());
    location.reload();
  }
}

/** Fetches with the bearer token; a 401 asks for the token. */
async function authFetch(path, options) {
  const response = await fetch(path, Object.assign({}, options, {headers: authHeaders((options || {}).headers)}));
  if (response.status === 401) askForToken();
  return response;
}

/** Calls the API; resolves to the parsed body, rejects with an Error carrying the problem. */
async function api(method, path, body) {
  const response = await authFetch(path, {
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

/**
 * Reads a server-sent event stream with fetch (EventSource cannot send a bearer header) and calls
 * onEvent(name, data, id) for each event; resolves when the stream ends. With lastEventId the
 * request carries Last-Event-ID, so the server sends only what is newer.
 */
async function readEvents(path, onEvent, signal, lastEventId) {
  const headers = {Accept: "text/event-stream"};
  if (lastEventId) headers["Last-Event-ID"] = lastEventId;
  const response = await authFetch(path, {headers, signal});
  if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let id = null;
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, data.join("\n"), id);
    }
  }
}
