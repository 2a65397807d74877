// Routes: each route's chain with cooldowns, recent failures and what the catalog says.
"use strict";
import { api, el, fmt, pill } from "./common.js";

export function factPills(facts) {
  if (!facts) return [pill("no catalog facts", "plain")];
  const out = [];
  if (facts.context) out.push(pill(`${fmt.tokens(facts.context)} context`, "plain"));
  if (facts.max_output) out.push(pill(`${fmt.tokens(facts.max_output)} out`, "plain"));
  if (facts.tools !== null) out.push(pill(facts.tools ? "tools" : "no tools", facts.tools ? "ok" : "warn"));
  if (facts.vision !== null) out.push(pill(facts.vision ? "vision" : "text only", facts.vision ? "ok" : "plain"));
  if (facts.price_input !== null || facts.price_output !== null) {
    out.push(pill(`${fmt.price(facts.price_input)} / ${fmt.price(facts.price_output)} per M`, "info"));
  }
  return out;
}

function targetItem(t, i) {
  const state = [];
  if (!t.known_provider) state.push(pill("unknown provider", "bad"));
  else if (t.key_problem) state.push(pill("key missing", "bad"));
  if (t.cooling_s > 0) state.push(pill(`cooling ${Math.ceil(t.cooling_s)} s`, "warn"));
  if (t.recent_failures) state.push(pill(`${t.recent_failures} recent failure${t.recent_failures > 1 ? "s" : ""}`, "bad"));
  if (!state.length) state.push(pill("ready", "ok"));
  return el("li", {},
    el("span", { class: `pos${i === 0 ? " first" : ""}`, text: i + 1 }),
    el("div", { class: "target-main" },
      el("div", { class: "target-name", title: t.target, text: t.target }),
      el("div", { class: "facts" }, factPills(t.facts))),
    el("div", { class: "facts", style: "flex-direction:column;align-items:flex-end" }, state));
}

export async function showRoutes() {
  const box = document.getElementById("routes");
  let data;
  try {
    data = await api("routes");
  } catch (error) {
    box.replaceChildren(el("div", { class: "notice bad", text: error.message }));
    return;
  }
  box.replaceChildren(...data.routes.map((r) =>
    el("div", { class: "card" },
      el("div", { class: "route-head" },
        el("h2", { text: r.route }),
        r.route === "longContext" ? el("span", { class: "muted", text: `over ${fmt.int(data.threshold)} tokens` }) : null,
        el("span", { class: "muted", style: "margin-left:auto", text: r.last_used ? `used ${fmt.ago(r.last_used)}` : "not used lately" })),
      el("ul", { class: "chain" }, r.chain.map(targetItem)),
      el("div", { class: "muted", style: "margin-top:8px;font-size:12px", text: r.budget ? `budget: ${r.budget}` : "no budget set" }))));
}
