// Live: each finished request, newest first, pushed by the router as server-sent events.
"use strict";
import { el, fmt, pill, selectOptions, statusPill } from "./common.js";

const MAX = 1000;
const events = [];
let selected = null;
let pending = false;
const $ = (id) => document.getElementById(id);

function projectOf(e) {
  if (e.project) return e.project;
  return e.session_id ? `session ${e.session_id.slice(0, 8)}` : "–";
}

function matches(e) {
  const route = $("f-route").value, model = $("f-model").value;
  const project = $("f-project").value, status = $("f-status").value;
  if (route && e.route !== route) return false;
  if (model && e.target !== model) return false;
  if (project && projectOf(e) !== project) return false;
  if (status === "ok" && e.status !== "ok") return false;
  if (status === "error" && e.status === "ok") return false;
  return true;
}

function row(e, fresh) {
  const tr = el(
    "tr",
    { class: `clickable${fresh ? " fresh" : ""}${selected === e.id ? " selected" : ""}`, "data-id": e.id, onclick: () => select(e.id) },
    el("td", { class: "mono", text: fmt.time(e.at) }),
    el("td", { text: projectOf(e) }),
    el("td", {}, pill(e.route, e.route === "-" ? "plain" : "info")),
    el("td", { class: "mono", text: e.target }),
    el("td", { class: "num", text: e.fallbacks_tried ? String(e.fallbacks_tried) : "–" }),
    el("td", { class: "num", text: fmt.tokens(e.tokens) }),
    el("td", { class: "num", text: fmt.usd(e.cost) }),
    el("td", { class: "num", text: fmt.ms(e.latency_ms) }),
    el("td", {}, statusPill(e.status)),
  );
  return tr;
}

function render() {
  const shown = events.filter(matches);
  $("live-table").tBodies[0].replaceChildren(...shown.map((e) => row(e, false)));
  $("live-empty").hidden = events.length > 0;
  $("live-count").textContent = events.length ? `${shown.length} of ${events.length} requests` : "";
}

function refreshFilters() {
  selectOptions($("f-route"), new Set(events.map((e) => e.route)));
  selectOptions($("f-model"), new Set(events.map((e) => e.target)));
  selectOptions($("f-project"), new Set(events.map(projectOf)));
}

function tried(e) {
  if (!e.tried) return [];
  return e.tried.split("), ").map((part) => {
    const text = part.replace(/\)$/, "");
    const at = text.lastIndexOf(" (");
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 2)];
  });
}

function select(id) {
  selected = id;
  const e = events.find((x) => x.id === id);
  const panel = $("live-detail");
  if (!e) return;
  for (const tr of $("live-table").tBodies[0].rows) tr.classList.toggle("selected", Number(tr.dataset.id) === id);
  const attempts = tried(e);
  const chain = attempts.length
    ? attempts.map(([model, outcome], i) =>
        el("li", {}, el("span", { class: `pos${i === attempts.length - 1 && outcome === "ok" ? " first" : ""}`, text: i + 1 }),
          el("span", { class: "mono", style: "flex:1", text: model }), outcome === "ok" ? pill("answered", "ok") : pill(outcome, "bad")))
    : [el("li", {}, el("span", { class: "pos first", text: "1" }), el("span", { class: "mono", style: "flex:1", text: e.target }), statusPill(e.status))];
  const rest = e.fallbacks ? e.fallbacks.replace(/^\(|\)$/g, "").split("),(") : [];
  panel.replaceChildren(...[
    el("div", { class: "route-head" }, el("h2", { text: "Decision" }), el("span", { class: "muted", text: fmt.time(e.at) }),
      el("button", { class: "btn small", style: "margin-left:auto", onclick: closePanel, text: "Close" })),
    el("dl", {},
      el("dt", { text: "Route" }), el("dd", {}, pill(e.route, "info")),
      el("dt", { text: "Why" }), el("dd", { text: e.reason || "–" }),
      el("dt", { text: "Answered by" }), el("dd", { class: "mono", text: e.target }),
      el("dt", { text: "Status" }), el("dd", {}, statusPill(e.status)),
      el("dt", { text: "Tokens" }), el("dd", { text: `${fmt.int(e.tokens)} (input estimate)` }),
      el("dt", { text: "Cost" }), el("dd", { text: fmt.usd(e.cost) }),
      el("dt", { text: "Latency" }), el("dd", { text: fmt.ms(e.latency_ms) }),
      el("dt", { text: "Decided in" }), el("dd", { text: `${(e.decide_ms || 0).toFixed(2)} ms` }),
      el("dt", { text: "Project" }), el("dd", { text: projectOf(e) }),
      el("dt", { text: "Session" }), el("dd", { class: "mono", text: e.session_id || "–" }),
      e.generation_id ? [el("dt", { text: "Generation" }), el("dd", { class: "mono", text: e.generation_id })] : null,
    ),
    el("h2", { style: "margin-top:16px", text: "Models tried" }),
    el("ul", { class: "chain" }, chain),
    rest.length ? [el("h2", { style: "margin-top:16px", text: "Rest of the chain" }),
      el("ul", { class: "chain" }, rest.map((t, i) => el("li", {}, el("span", { class: "pos", text: i + 2 }), el("span", { class: "mono", text: t }))))] : [],
  ].flat());
  panel.hidden = false;
  $("live-layout").classList.remove("no-panel");
}

function closePanel() {
  selected = null;
  $("live-detail").hidden = true;
  $("live-layout").classList.add("no-panel");
  for (const tr of $("live-table").tBodies[0].rows) tr.classList.remove("selected");
}

function add(e) {
  if (events.some((x) => x.id === e.id)) return;
  events.unshift(e);
  if (events.length > MAX) events.pop();
  if (matches(e)) $("live-table").tBodies[0].prepend(row(e, true));
  $("live-empty").hidden = true;
  if (!pending) { // a burst (the backlog on connect) updates the filters and count once
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      refreshFilters();
      $("live-count").textContent = `${events.filter(matches).length} of ${events.length} requests`;
    });
  }
  const body = $("live-table").tBodies[0];
  while (body.rows.length > MAX) body.deleteRow(-1);
}

export function startLive() {
  for (const id of ["f-route", "f-model", "f-project", "f-status"]) $(id).addEventListener("change", render);
  const source = new EventSource("api/live", { withCredentials: true });
  source.addEventListener("open", () => {
    $("live-dot").classList.add("on");
    $("live-state").textContent = "live";
  });
  source.addEventListener("error", () => {
    $("live-dot").classList.remove("on");
    $("live-state").textContent = "reconnecting…";
  });
  source.addEventListener("request", (message) => add(JSON.parse(message.data)));
  render();
}
