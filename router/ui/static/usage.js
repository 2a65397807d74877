// Usage: charts (Chart.js) and a table from the usage ledger, for a period, stacked by a group.
"use strict";
import { api, el, fmt, PALETTE } from "./common.js";

const $ = (id) => document.getElementById(id);
const state = { since: "30d", by: "model" };
const charts = {};
const TOP = 8; // groups drawn on their own; the rest are summed as "other"

function segmented(id, key) {
  const seg = $(id);
  seg.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    for (const b of seg.querySelectorAll("button")) b.classList.toggle("on", b === button);
    state[key] = button.dataset.v;
    load();
  });
}

function label(key) {
  return key === null || key === undefined ? "(none)" : key;
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart($(id), config);
}

// Axis labels: counts get whole-number ticks only; dollars get as many decimals as the tick
// step needs, so neighbouring ticks never print the same amount ("$0.01", "$0.01").
function tickLabel(yFormat) {
  if (yFormat !== fmt.usd) return (v) => yFormat(v);
  return (v, _i, ticks) => {
    if (v === 0) return "$0";
    const step = ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : Math.abs(v);
    const decimals = Math.min(6, Math.max(2, Math.ceil(-Math.log10(step))));
    return `$${v.toFixed(decimals)}`;
  };
}

const baseOptions = (stacked, yFormat) => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: { duration: 250 },
  interaction: { mode: "index", intersect: false },
  plugins: {
    legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true, color: "#4b5263" } },
    tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${yFormat(c.parsed.y)}` } },
  },
  scales: {
    x: { stacked, grid: { display: false }, ticks: { color: "#687083" } },
    y: {
      stacked,
      beginAtZero: true,
      grid: { color: "#eef0f4" },
      ticks: {
        color: "#687083",
        precision: yFormat === fmt.int || yFormat === fmt.tokens ? 0 : undefined,
        callback: tickLabel(yFormat),
      },
    },
  },
});

function stackedSeries(payload, days, field) {
  const order = payload.report.groups.map((g) => label(g.key));
  const top = order.slice(0, TOP);
  const values = new Map(top.map((k) => [k, new Array(days.length).fill(0)]));
  const other = new Array(days.length).fill(0);
  for (const point of payload.series) {
    const i = days.indexOf(point.day);
    if (i < 0) continue;
    const key = label(point.key);
    const target = values.get(key) || other;
    target[i] += field(point);
  }
  const datasets = top.map((key, n) => ({
    label: key, data: values.get(key), backgroundColor: PALETTE[n % PALETTE.length], borderRadius: 3, maxBarThickness: 42,
  }));
  if (other.some((v) => v)) datasets.push({ label: "other", data: other, backgroundColor: "#c7ccd6", borderRadius: 3, maxBarThickness: 42 });
  return datasets;
}

function stat(labelText, value, hint) {
  return el("div", { class: "card stat" }, el("div", { class: "label", text: labelText }), el("div", { class: "value", text: value }), hint ? el("div", { class: "hint", text: hint }) : null);
}

function renderStats(total) {
  const errors = total.requests ? total.errors / total.requests : 0;
  $("usage-stats").replaceChildren(
    stat("Spend", fmt.usd(total.cost_usd), total.unknown_cost_requests ? `${total.unknown_cost_requests} request(s) without a known cost` : "all costs known"),
    stat("Requests", fmt.int(total.requests), `${fmt.int(total.fallbacks)} answered by a fallback`),
    stat("Errors", fmt.int(total.errors), total.requests ? `${(errors * 100).toFixed(1)}% of requests` : ""),
    stat("Tokens", fmt.tokens(total.input_tokens + total.cache_read_tokens + total.cache_write_tokens + total.output_tokens), `${fmt.tokens(total.output_tokens)} written`),
    stat("Cache hits", fmt.pct(total.cache_hit_rate), "of prompt tokens read from cache"),
    stat("Latency", `${fmt.ms(total.p50_latency_ms)}`, `p95 ${fmt.ms(total.p95_latency_ms)}`),
  );
}

function renderTable(payload) {
  const table = $("usage-table");
  $("usage-table-title").textContent = `By ${payload.report.by}`;
  const heads = ["", "Requests", "Errors", "Fallbacks", "Input", "Output", "Cache read", "Cache hit", "p50", "p95", "Cost"];
  table.tHead.replaceChildren(el("tr", {}, heads.map((h, i) => el("th", { class: i ? "num" : "", text: h || payload.report.by }))));
  const rows = [...payload.report.groups, payload.report.total].map((g, i, all) =>
    el("tr", { style: i === all.length - 1 ? "font-weight:600" : "" },
      el("td", { class: payload.report.by === "model" && i < all.length - 1 ? "mono" : "", text: i === all.length - 1 ? "Total" : label(g.key) }),
      el("td", { class: "num", text: fmt.int(g.requests) }),
      el("td", { class: "num", text: fmt.int(g.errors) }),
      el("td", { class: "num", text: fmt.int(g.fallbacks) }),
      el("td", { class: "num", text: fmt.tokens(g.input_tokens) }),
      el("td", { class: "num", text: fmt.tokens(g.output_tokens) }),
      el("td", { class: "num", text: fmt.tokens(g.cache_read_tokens) }),
      el("td", { class: "num", text: fmt.pct(g.cache_hit_rate) }),
      el("td", { class: "num", text: fmt.ms(g.p50_latency_ms) }),
      el("td", { class: "num", text: fmt.ms(g.p95_latency_ms) }),
      el("td", { class: "num", text: fmt.usd(g.cost_usd) }),
    ));
  table.tBodies[0].replaceChildren(...(payload.report.groups.length ? rows : [el("tr", {}, el("td", { colspan: heads.length, class: "empty", text: "No requests in this period." }))]));
}

function render(payload) {
  const days = [...new Set([...payload.days.map((d) => d.key), ...payload.series.map((p) => p.day)])].filter(Boolean).sort();
  const dayLabels = days.map((d) => new Date(`${d}T12:00:00`).toLocaleDateString([], { month: "short", day: "numeric" }));
  const byDay = new Map(payload.days.map((d) => [d.key, d]));
  const perDay = (f) => days.map((d) => (byDay.has(d) ? f(byDay.get(d)) : null));
  $("usage-sub").textContent = payload.ledger_exists
    ? `From the usage ledger (${payload.ledger}), since ${new Date(payload.report.since).toLocaleString()}.`
    : payload.enabled ? "No usage ledger yet: it is written as requests are served." : "The usage ledger is turned off (Usage.enabled is false in the config).";
  renderStats(payload.report.total);
  draw("chart-cost", { type: "bar", data: { labels: dayLabels, datasets: stackedSeries(payload, days, (p) => p.cost_usd) }, options: baseOptions(true, fmt.usd) });
  draw("chart-tokens", { type: "bar", data: { labels: dayLabels, datasets: stackedSeries(payload, days, (p) => p.input_tokens + p.output_tokens) }, options: baseOptions(true, fmt.tokens) });
  draw("chart-requests", {
    type: "bar",
    data: { labels: dayLabels, datasets: [
      { label: "requests", data: perDay((d) => d.requests - d.errors), backgroundColor: "#4f5bd5", borderRadius: 3, maxBarThickness: 42 },
      { label: "errors", data: perDay((d) => d.errors), backgroundColor: "#e05d5d", borderRadius: 3, maxBarThickness: 42 },
    ] },
    options: baseOptions(true, fmt.int),
  });
  const latency = baseOptions(false, fmt.ms);
  latency.scales.y2 = { position: "right", min: 0, max: 1, grid: { display: false }, ticks: { color: "#687083", callback: (v) => fmt.pct(v) } };
  latency.plugins.tooltip.callbacks.label = (c) => `${c.dataset.label}: ${c.dataset.yAxisID === "y2" ? fmt.pct(c.parsed.y) : fmt.ms(c.parsed.y)}`;
  draw("chart-latency", {
    type: "line",
    data: { labels: dayLabels, datasets: [
      { label: "p50", data: perDay((d) => d.p50_latency_ms), borderColor: "#4f5bd5", backgroundColor: "#4f5bd5", tension: 0.3, spanGaps: true },
      { label: "p95", data: perDay((d) => d.p95_latency_ms), borderColor: "#f2994a", backgroundColor: "#f2994a", tension: 0.3, spanGaps: true },
      { label: "cache hit", data: perDay((d) => d.cache_hit_rate), borderColor: "#22a39f", backgroundColor: "#22a39f", borderDash: [4, 4], yAxisID: "y2", tension: 0.3, spanGaps: true },
    ] },
    options: latency,
  });
  renderTable(payload);
}

async function load() {
  try {
    render(await api(`usage?since=${encodeURIComponent(state.since)}&by=${state.by}`));
  } catch (error) {
    $("usage-sub").textContent = `Could not read the usage: ${error.message}`;
  }
}

export function startUsage() {
  segmented("u-period", "since");
  segmented("u-by", "by");
}

export const showUsage = load;
