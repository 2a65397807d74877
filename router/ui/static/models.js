// Models: the catalog, searchable and sortable; "use for route" points a route at a model.
"use strict";
import { api, el, fmt, pill } from "./common.js";

const $ = (id) => document.getElementById(id);
const ROUTES = ["default", "background", "think", "longContext", "webSearch", "image"];
let rows = [];
let sort = { key: "used", asc: false };

const COLUMNS = [
  { key: "model", label: "Model", value: (r) => r.model.toLowerCase() },
  { key: "provider", label: "Provider", value: (r) => r.provider.toLowerCase() },
  { key: "context", label: "Context", num: true, value: (r) => r.facts?.context ?? -1 },
  { key: "max_output", label: "Max output", num: true, value: (r) => r.facts?.max_output ?? -1 },
  { key: "price_input", label: "Input $/M", num: true, value: (r) => r.facts?.price_input ?? Infinity },
  { key: "price_output", label: "Output $/M", num: true, value: (r) => r.facts?.price_output ?? Infinity },
  { key: "caps", label: "Can", value: (r) => (r.facts?.tools ? 2 : 0) + (r.facts?.vision ? 1 : 0) },
  { key: "used", label: "Used by", value: (r) => r.used_by.length },
  { key: "action", label: "" },
];

function head() {
  $("models-table").tHead.replaceChildren(el("tr", {}, COLUMNS.map((c) =>
    el("th", {
      class: `${c.num ? "num " : ""}${c.value ? "sortable" : ""}${sort.key === c.key ? ` sorted${sort.asc ? " asc" : ""}` : ""}`,
      text: c.label,
      onclick: c.value ? () => { sort = { key: c.key, asc: sort.key === c.key ? !sort.asc : c.num && c.key.startsWith("price") }; render(); } : undefined,
    }))));
}

function caps(facts) {
  if (!facts) return [pill("unknown", "plain")];
  return [facts.tools ? pill("tools", "ok") : null, facts.vision ? pill("vision", "ok") : null, facts.reasoning ? pill("reasoning", "info") : null].filter(Boolean);
}

async function use(row, select) {
  const notice = $("m-notice");
  try {
    const result = await api("models/use", { method: "POST", body: { route: select.value, target: row.target } });
    notice.className = "notice ok";
    notice.textContent = `Router.${result.route} now starts with ${result.target}${result.applied ? " — in force for the next request." : "; the running config did not reload (see Config)."}`;
    await showModels();
  } catch (error) {
    notice.className = "notice bad";
    notice.textContent = error.message;
  }
  notice.hidden = false;
}

function action(row) {
  const select = el("select", { "aria-label": `route for ${row.target}`, style: "min-width:110px" }, ROUTES.map((r) => el("option", { value: r, text: r })));
  return el("div", { style: "display:flex;gap:6px;justify-content:flex-end" }, select,
    el("button", { class: "btn small", text: "Use for route", onclick: () => use(row, select) }));
}

function render() {
  head();
  const query = $("m-search").value.trim().toLowerCase();
  const usedOnly = $("m-used").checked;
  const column = COLUMNS.find((c) => c.key === sort.key);
  const shown = rows
    .filter((r) => (!query || r.target.toLowerCase().includes(query)) && (!usedOnly || r.used_by.length))
    .sort((a, b) => {
      const x = column.value(a), y = column.value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (sort.asc ? 1 : -1);
    });
  $("m-count").textContent = `${shown.length} of ${rows.length} models`;
  $("models-table").tBodies[0].replaceChildren(...shown.slice(0, 400).map((r) =>
    el("tr", {},
      el("td", { class: "mono", text: r.model }),
      el("td", { text: r.provider }),
      el("td", { class: "num", text: fmt.tokens(r.facts?.context) }),
      el("td", { class: "num", text: fmt.tokens(r.facts?.max_output) }),
      el("td", { class: "num", text: fmt.price(r.facts?.price_input) }),
      el("td", { class: "num", text: fmt.price(r.facts?.price_output) }),
      el("td", {}, el("div", { class: "facts" }, caps(r.facts))),
      el("td", {}, el("div", { class: "facts" }, r.used_by.map((u) => pill(u, "info")))),
      el("td", {}, action(r)))));
}

export async function showModels() {
  try {
    rows = (await api("models")).models;
  } catch (error) {
    $("m-count").textContent = error.message;
    return;
  }
  render();
}

export function startModels() {
  $("m-search").addEventListener("input", render);
  $("m-used").addEventListener("change", render);
}
