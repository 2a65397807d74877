// The dashboard shell: the session (CSRF token, server facts), the tabs, each page's first load.
"use strict";
import { api, el, fmt, pill, session } from "./common.js";
import { showConfig, startConfig } from "./config.js";
import { startLive } from "./live.js";
import { showModels, startModels } from "./models.js";
import { showRoutes } from "./routes.js";
import { showUsage, startUsage } from "./usage.js";

const PAGES = { live: null, usage: showUsage, routes: showRoutes, models: showModels, config: showConfig };

function show() {
  const name = (window.location.hash || "#live").slice(1);
  const page = name in PAGES ? name : "live";
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.page === page);
  for (const section of document.querySelectorAll("section.page")) section.classList.toggle("active", section.id === `page-${page}`);
  if (PAGES[page]) PAGES[page]();
}

async function loadSession() {
  const info = await api("session");
  session.csrf = info.csrf;
  session.info = info;
  document.getElementById("server-facts").textContent = `v${info.version} · up ${fmt.ago(Date.now() / 1000 - info.uptime_s).replace(" ago", "")}`;
  document.getElementById("reload-state").replaceChildren(info.reload_error
    ? pill("last reload failed", "bad")
    : pill("config loaded", "ok"));
  if (info.reload_error) document.getElementById("reload-state").title = info.reload_error;
  const out = document.getElementById("sign-out");
  out.hidden = info.signed_in_with !== "apikey";
  return info;
}

async function main() {
  await loadSession();
  document.getElementById("sign-out").addEventListener("click", async () => {
    await api("logout", { method: "POST", body: {} });
    window.location.reload();
  });
  startLive();
  startUsage();
  startModels();
  startConfig();
  window.addEventListener("hashchange", show);
  show();
  setInterval(() => loadSession().catch(() => {}), 15000);
  if (PAGES.routes) setInterval(() => { if (window.location.hash === "#routes") showRoutes(); }, 5000);
}

main().catch((error) => {
  document.querySelector("main").prepend(el("div", { class: "notice bad", text: `The dashboard could not start: ${error.message}` }));
});
