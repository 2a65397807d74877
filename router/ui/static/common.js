// Shared by the pages: the API client (session cookie + CSRF token), formatting, small DOM helpers.
"use strict";

export const session = { csrf: null, info: null };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = {};
  if (method !== "GET") {
    headers["content-type"] = "application/json";
    headers["x-csrf-token"] = session.csrf || "";
  }
  const response = await fetch(`api/${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    window.location.reload(); // signed out (or the router restarted): back to the login page
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function pill(text, kind = "plain") {
  return el("span", { class: `pill ${kind}`, text });
}

export const fmt = {
  time(at) {
    return new Date(at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  },
  ago(at) {
    const s = Math.max(0, Date.now() / 1000 - at);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    return `${Math.round(s / 3600)} h ago`;
  },
  int(n) {
    return n === null || n === undefined ? "–" : Math.round(n).toLocaleString();
  },
  tokens(n) {
    if (n === null || n === undefined) return "–";
    const short = (x, digits) => x.toFixed(digits).replace(/\.0$/, "");
    if (n >= 1e9) return `${short(n / 1e9, 1)}B`;
    if (n >= 1e6) return `${short(n / 1e6, 1)}M`;
    if (n >= 1e4) return `${short(n / 1e3, 0)}k`;
    if (n >= 1e3) return `${short(n / 1e3, 1)}k`;
    return String(n);
  },
  usd(n) {
    if (n === null || n === undefined) return "–";
    if (n === 0) return "$0";
    if (n < 0.01) return `$${n.toFixed(4)}`;
    return `$${n.toFixed(2)}`;
  },
  ms(n) {
    if (n === null || n === undefined) return "–";
    return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
  },
  pct(x) {
    return x === null || x === undefined ? "–" : `${(x * 100).toFixed(0)}%`;
  },
  price(p) {
    return p === null || p === undefined ? "–" : `$${Number(p.toFixed(p < 1 ? 3 : 2))}`;
  },
};

export function statusPill(status) {
  if (status === "ok") return pill("ok", "ok");
  if (status === "client disconnected") return pill("disconnected", "warn");
  return pill(status, "bad");
}

export function selectOptions(select, values) {
  const current = select.value;
  const first = select.options[0];
  select.replaceChildren(first, ...[...values].sort().map((v) => el("option", { value: v, text: v })));
  select.value = values.has(current) ? current : "";
}

// Colours for chart series: distinct, calm, readable on white.
export const PALETTE = ["#4f5bd5", "#22a39f", "#f2994a", "#e05d8b", "#8a63d2", "#56b4e9", "#c9a227", "#7f8c9d", "#3c9d4e", "#b55a3c"];
