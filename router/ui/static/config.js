// Config: the file as text (secrets masked), checked as you type, a diff, then an atomic save.
"use strict";
import { api, el } from "./common.js";

const $ = (id) => document.getElementById(id);
let loaded = { text: "", version: null, path: null };
let timer = null;
let checkSeq = 0;

function verdict(kind, text) {
  const icon = kind === "ok" ? "✓" : kind === "bad" ? "✕" : "…";
  $("config-verdict").replaceChildren(el("span", { class: `pill ${kind === "ok" ? "ok" : kind === "bad" ? "bad" : "plain"}`, text: icon }), el("span", { text }));
}

function listProblems(problems, warnings = []) {
  $("config-problems").replaceChildren(
    ...problems.map((p) => el("li", { text: p })),
    ...warnings.map((w) => el("li", { class: "warning", text: `warning: ${w}` })),
  );
}

async function check() {
  const seq = ++checkSeq;
  const text = $("config-text").value;
  try {
    const result = await api("config/validate", { method: "POST", body: { text } });
    if (seq !== checkSeq) return; // a newer edit is being checked
    if (result.ok) verdict("ok", text === loaded.text ? `Valid · ${result.summary}` : `Valid edit · ${result.summary}`);
    else verdict("bad", `${result.problems.length} problem${result.problems.length > 1 ? "s" : ""}: this edit cannot be saved`);
    listProblems(result.problems, result.warnings);
    $("config-review").disabled = !result.ok || text === loaded.text;
  } catch (error) {
    if (seq === checkSeq) { verdict("bad", error.message); listProblems([]); }
  }
}

function edited() {
  $("config-diff-card").hidden = true;
  $("config-result").replaceChildren();
  verdict("wait", "Checking…");
  clearTimeout(timer);
  timer = setTimeout(check, 350);
}

function showDiff(diff) {
  const lines = diff.split("\n").filter((l, i, all) => l || i < all.length - 1);
  $("config-diff").replaceChildren(...lines.map((line) => {
    const kind = line.startsWith("@@") ? "hunk" : line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : "";
    return kind ? el("span", { class: kind, text: line }) : document.createTextNode(`${line}\n`);
  }));
  $("config-diff-card").hidden = false;
}

async function review() {
  const { diff } = await api("config/diff", { method: "POST", body: { text: $("config-text").value } });
  if (!diff) {
    $("config-result").replaceChildren(el("div", { class: "notice info", text: "No changes to save." }));
    return;
  }
  showDiff(diff);
}

async function save() {
  const result = $("config-result");
  $("config-save").disabled = true;
  try {
    const saved = await api("config", { method: "POST", body: { text: $("config-text").value, version: loaded.version } });
    loaded = { ...loaded, text: saved.text, version: saved.version };
    $("config-text").value = saved.text;
    $("config-diff-card").hidden = true;
    result.replaceChildren(el("div", { class: `notice ${saved.applied ? "ok" : "bad"}`, text: saved.applied
      ? "Saved. The router reloaded it: the next request uses the new config."
      : `Saved, but the router kept its previous config: ${saved.reload_error}` }));
    await check();
  } catch (error) {
    result.replaceChildren(el("div", { class: "notice bad" }, el("strong", { text: error.message }),
      error.body.problems && error.body.problems.length ? el("ul", { class: "problems", style: "margin-top:8px" }, error.body.problems.map((p) => el("li", { text: p }))) : null));
  } finally {
    $("config-save").disabled = false;
  }
}

export async function showConfig() {
  if ($("config-text").value !== loaded.text) return; // keep an edit in progress
  try {
    const data = await api("config");
    loaded = data;
    $("config-text").value = data.text;
    $("config-sub").replaceChildren(el("span", { class: "mono", text: data.path }), data.exists ? "" : " (not written yet: this is the built-in default)",
      " · comments and $VAR references stay; secrets are masked and kept when left as they are.");
    await check();
  } catch (error) {
    $("config-text").value = "";
    $("config-text").disabled = true;
    verdict("bad", error.message);
  }
}

export function startConfig() {
  $("config-text").addEventListener("input", edited);
  $("config-text").addEventListener("keydown", (event) => {
    if (event.key === "Tab") { // indent instead of leaving the editor
      event.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
  });
  $("config-review").addEventListener("click", review);
  $("config-save").addEventListener("click", save);
  $("config-revert").addEventListener("click", () => { $("config-text").value = loaded.text; edited(); });
}
