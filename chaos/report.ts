/**
 * The HTML report of a chaos run: one self-contained file (inline SVG and
 * CSS, no script, no network) with the verdicts, one lane per slot showing
 * each worker's lifetime and pid, the faults marked across every chart,
 * the ready count over time, and the request rate and errors. The same
 * data is embedded as JSON (and written beside it by the CLI).
 *
 * @module
 */

import type { Lifecycle } from "./driver.ts";
import type { ChaosReport } from "./run.ts";

const WIDTH = 1200;
const LEFT = 70;
const RIGHT = 20;
const ROW = 16;
const FAULT_COLORS: Record<string, string> = {
  kill: "#d62728",
  term: "#ff7f0e",
  hang: "#9467bd",
  exit: "#e377c2",
  bootFail: "#8c564b",
  reloadStorm: "#1f77b4",
  scaleStorm: "#17becf",
};

interface Bar {
  readonly slot: number;
  readonly pid: number;
  readonly from: number;
  readonly readyAt: number | null;
  readonly to: number;
  readonly exit: Extract<Lifecycle, { kind: "exited" }> | null;
  row: number;
}

/**
 * Renders a run as a self-contained HTML page.
 *
 * @param report A `runChaos` report.
 * @returns The HTML text.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { renderHtml } from "./report.ts";
 * writeFileSync("chaos.html", renderHtml(report));
 * ```
 */
export function renderHtml(report: ChaosReport): string {
  const { observed } = report;
  const end = Math.max(observed.endAt, ...observed.lifecycle.map((e) => e.at)) + 500;
  const x = (at: number): number => LEFT + (Math.max(0, at) / end) * (WIDTH - LEFT - RIGHT);
  const bars = lifetimes(observed.lifecycle, end);
  const slots = [...new Set(bars.map((b) => b.slot))].sort((a, b) => a - b);
  // Lanes: one per slot, one row per worker alive at the same time in it.
  // Fault labels in up to three rows, so close faults do not print over each other.
  const LABEL_ROWS = 3;
  const rowEnds = Array.from({ length: LABEL_ROWS }, () => -Infinity);
  const labelRow = observed.faults.map((f) => {
    const at = x(f.at);
    let row = rowEnds.findIndex((end) => at > end + 4);
    if (row === -1) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = at + f.kind.length * 6;
    return row;
  });
  const top = 14 + LABEL_ROWS * 11;
  let y = top + 4;
  const lanes: string[] = [];
  for (const slot of slots) {
    const mine = bars.filter((b) => b.slot === slot);
    const rows: number[] = [];
    for (const bar of mine) {
      let row = rows.findIndex((freeAt) => freeAt <= bar.from);
      if (row === -1) row = rows.push(0) - 1;
      rows[row] = bar.to + 1;
      bar.row = row;
    }
    const height = rows.length * ROW + 6;
    lanes.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${height}" fill="${slot % 2 === 0 ? "#f7f7f7" : "#fff"}"/>`);
    lanes.push(`<text x="6" y="${y + 13}" class="lane">slot ${slot}</text>`);
    for (const bar of mine) lanes.push(barSvg(bar, y + 3 + bar.row * ROW, x));
    y += height;
  }
  const lanesHeight = y + 10;
  const faults = observed.faults.map((f, i) => {
    const color = FAULT_COLORS[f.kind] ?? "#333";
    const x1 = x(f.at);
    const width = Math.max(1.5, x(f.lastAt) - x1);
    const labelY = 11 + labelRow[i]! * 11;
    return `<g><title>${esc(`${fmt(f.at)} ${f.kind}: ${f.detail}`)}</title><rect x="${x1.toFixed(1)}" y="${top}" width="${width.toFixed(1)}" height="${lanesHeight - top}" fill="${color}" opacity="0.25"/>` +
      `<line x1="${x1.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${labelY + 2}" y2="${lanesHeight}" stroke="${color}" stroke-dasharray="3,2"/>` +
      `<text x="${(x1 + 2).toFixed(1)}" y="${labelY}" class="fault" fill="${color}">${esc(f.kind)}</text></g>`;
  }).join("");
  const axis = timeAxis(end, x, lanesHeight);
  const timeline = `<svg viewBox="0 0 ${WIDTH} ${lanesHeight + 18}" width="${WIDTH}" height="${lanesHeight + 18}" role="img" aria-label="worker lifetimes per slot">${lanes.join("")}${faults}${axis}${endMarker(observed.endAt, x, top, lanesHeight, report.schedule.end)}</svg>`;

  const readyMax = Math.max(observed.policy.workers * 2, ...report.ready.map((p) => p.ready)) + 1;
  const readyChart = chart("ready workers", readyMax, x, end, observed, (scale) => {
    let path = "";
    let last = 0;
    for (const point of report.ready) {
      path += `${path === "" ? "M" : "L"}${x(point.at).toFixed(1)},${scale(last).toFixed(1)} L${x(point.at).toFixed(1)},${scale(point.ready).toFixed(1)} `;
      last = point.ready;
    }
    path += `L${x(end).toFixed(1)},${scale(last).toFixed(1)}`;
    return `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${scale(observed.policy.workers).toFixed(1)}" y2="${scale(observed.policy.workers).toFixed(1)}" stroke="#2ca02c" stroke-dasharray="5,3"/>` +
      `<text x="${WIDTH - RIGHT - 4}" y="${(scale(observed.policy.workers) - 3).toFixed(1)}" text-anchor="end" class="small" fill="#2ca02c">desired ${observed.policy.workers}</text>` +
      `<path d="${path}" fill="none" stroke="#333" stroke-width="1.5"/>`;
  });

  let requests = `<p class="small">No requests: the ${esc(report.workload)} workload takes no HTTP load.</p>`;
  if (observed.load !== null && observed.load.length > 0) {
    // 100 ms buckets summed into 1 s bars: autocannon paces its rate per second.
    const bins = new Map<number, { at: number; ok: number; errors: number }>();
    for (const b of observed.load) {
      const at = Math.floor(b.at / 1000) * 1000;
      const bin = bins.get(at) ?? { at, ok: 0, errors: 0 };
      bin.ok += b.ok;
      bin.errors += b.errors;
      bins.set(at, bin);
    }
    const perSecond = [...bins.values()];
    const max = Math.max(10, ...perSecond.map((b) => b.ok + b.errors));
    const total = observed.load.reduce((sum, b) => ({ ok: sum.ok + b.ok, errors: sum.errors + b.errors }), { ok: 0, errors: 0 });
    requests = chart(`requests/s (${total.ok} ok, ${total.errors} failed)`, max, x, end, observed, (scale) =>
      perSecond.map((b) => {
        const x1 = x(b.at);
        const w = Math.max(1, x(b.at + 1000) - x1 - 1);
        const okTop = scale(b.ok);
        const errTop = scale(b.ok + b.errors);
        return `<rect x="${x1.toFixed(1)}" y="${okTop.toFixed(1)}" width="${w.toFixed(1)}" height="${(scale(0) - okTop).toFixed(1)}" fill="#4c78a8"/>` +
          (b.errors > 0 ? `<rect x="${x1.toFixed(1)}" y="${errTop.toFixed(1)}" width="${w.toFixed(1)}" height="${(okTop - errTop).toFixed(1)}" fill="#d62728"><title>${b.errors} failed in the second from ${fmt(b.at)}</title></rect>` : "");
      }).join(""));
  }

  const verdicts = report.verdicts.map((v) =>
    `<tr class="${v.ok === null ? "na" : v.ok ? "ok" : "fail"}"><td>${v.ok === null ? "n/a" : v.ok ? "pass" : "FAIL"}</td><td>${esc(v.checker)}</td><td>${esc(v.summary)}` +
    (v.evidence.length > 0 ? `<details><summary>evidence (${v.evidence.length})</summary><ul>${v.evidence.map((e) => `<li>${esc(e)}</li>`).join("")}</ul></details>` : "") + `</td></tr>`
  ).join("");
  const legend = Object.entries(FAULT_COLORS).map(([kind, color]) => `<span style="color:${color}">■</span> ${kind}`).join(" &nbsp; ");
  const json = JSON.stringify(report).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chaos: ${esc(report.driver)} on ${esc(report.runtime)}, seed ${report.seed}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222;max-width:${WIDTH + 40}px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%} td{border-top:1px solid #ddd;padding:4px 8px;vertical-align:top}
tr.ok td:first-child{color:#2ca02c;font-weight:bold} tr.fail td:first-child{color:#d62728;font-weight:bold} tr.na td:first-child{color:#888}
code{background:#f2f2f2;padding:1px 4px;border-radius:3px}
svg text{font:11px system-ui,sans-serif} .lane{font-weight:bold;fill:#555} .pid{fill:#fff;font-size:10px} .fault{font-size:10px;font-weight:bold}
.small{font-size:12px;color:#555} details{font-size:12px;color:#444} ul{margin:4px 0;padding-left:18px}
</style></head><body>
<h1>chaos: ${esc(report.driver)} · ${esc(report.runtime)} · ${esc(report.workload)} · seed ${report.seed} · ${report.ok ? "<span style=\"color:#2ca02c\">all checkers passed</span>" : "<span style=\"color:#d62728\">FAILED</span>"}</h1>
<p class="small">started ${esc(report.startedAt)}; ${observed.faults.length} faults, quiet from ${fmt(report.schedule.quietFrom)}, ended by ${report.schedule.end === "stop" ? "a graceful stop" : "SIGKILL of the master"} at ${fmt(observed.endAt)}. Replay: <code>${esc(report.replayCommand)}</code></p>
<h2>Verdicts</h2><table>${verdicts}</table>
<h2>Workers per slot</h2>
<p class="small"><span style="color:#bbb">■</span> starting &nbsp; <span style="color:#59a14f">■</span> ready &nbsp; <span style="color:#d62728">▌</span> unplanned exit &nbsp; <span style="color:#555">▌</span> planned exit &nbsp;|&nbsp; faults: ${legend}</p>
${timeline}
<h2>Ready count</h2>${readyChart}
<h2>Requests</h2>${requests}
<script type="application/json" id="chaos-data">${json}</script>
</body></html>
`;
}

function lifetimes(lifecycle: readonly Lifecycle[], end: number): Bar[] {
  const open = new Map<number, { slot: number; from: number; readyAt: number | null }>();
  const bars: Bar[] = [];
  for (const event of lifecycle) {
    if (event.kind === "spawned") open.set(event.pid, { slot: event.slot, from: event.at, readyAt: null });
    else if (event.kind === "ready") {
      const bar = open.get(event.pid);
      if (bar !== undefined) bar.readyAt = event.at;
    } else {
      const bar = open.get(event.pid) ?? { slot: event.slot, from: event.at, readyAt: null };
      open.delete(event.pid);
      bars.push({ ...bar, pid: event.pid, to: event.at, exit: event, row: 0 });
    }
  }
  for (const [pid, bar] of open) bars.push({ ...bar, pid, to: end, exit: null, row: 0 });
  return bars.sort((a, b) => a.from - b.from);
}

function barSvg(bar: Bar, y: number, x: (at: number) => number): string {
  const x1 = x(bar.from);
  const x2 = Math.max(x1 + 1, x(bar.to));
  const xr = bar.readyAt === null ? x2 : Math.min(x2, x(bar.readyAt));
  const how = bar.exit === null ? "still running" : bar.exit.signal !== null ? `killed by ${bar.exit.signal}` : `exited ${bar.exit.code}`;
  const title = `pid ${bar.pid}, slot ${bar.slot}: spawned ${fmt(bar.from)}${bar.readyAt === null ? ", never ready" : `, ready ${fmt(bar.readyAt)}`}, ${how}${bar.exit === null ? "" : ` at ${fmt(bar.to)}${bar.exit.planned === false ? " (unplanned)" : bar.exit.planned ? " (planned)" : ""}`}`;
  const unplanned = bar.exit !== null && bar.exit.planned !== true && !(bar.exit.planned === null && bar.exit.code === 0);
  let svg = `<g><title>${esc(title)}</title><rect x="${x1.toFixed(1)}" y="${y}" width="${(xr - x1).toFixed(1)}" height="${ROW - 3}" fill="#bbb"/>`;
  if (xr < x2) svg += `<rect x="${xr.toFixed(1)}" y="${y}" width="${(x2 - xr).toFixed(1)}" height="${ROW - 3}" fill="#59a14f"/>`;
  if (bar.exit !== null) svg += `<rect x="${(x2 - 2).toFixed(1)}" y="${y - 1}" width="3" height="${ROW - 1}" fill="${unplanned ? "#d62728" : "#555"}"/>`;
  if (x2 - x1 > 44) svg += `<text x="${(x1 + 3).toFixed(1)}" y="${y + 10}" class="pid">${bar.pid}</text>`;
  return `${svg}</g>`;
}

function chart(
  label: string,
  max: number,
  x: (at: number) => number,
  end: number,
  observed: ChaosReport["observed"],
  body: (scale: (value: number) => number) => string,
): string {
  const height = 120;
  const top = 14;
  const bottom = height - 18;
  const scale = (value: number): number => bottom - (value / max) * (bottom - top);
  const ticks = [0, Math.round(max / 2), max].map((v) => `<text x="${LEFT - 6}" y="${(scale(v) + 4).toFixed(1)}" text-anchor="end" class="small">${v}</text><line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${scale(v).toFixed(1)}" y2="${scale(v).toFixed(1)}" stroke="#eee"/>`).join("");
  const faults = observed.faults.map((f) => `<line x1="${x(f.at).toFixed(1)}" x2="${x(f.at).toFixed(1)}" y1="${top}" y2="${bottom}" stroke="${FAULT_COLORS[f.kind] ?? "#333"}" stroke-dasharray="3,2" opacity="0.7"/>`).join("");
  return `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(label)}"><text x="${LEFT}" y="10" class="small">${esc(label)}</text>${ticks}${faults}${body(scale)}${timeAxis(end, x, bottom)}</svg>`;
}

function timeAxis(end: number, x: (at: number) => number, y: number): string {
  const step = end > 120_000 ? 20_000 : end > 40_000 ? 5_000 : 2_000;
  let svg = `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#999"/>`;
  for (let at = 0; at <= end; at += step) svg += `<line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${y}" y2="${y + 4}" stroke="#999"/><text x="${x(at).toFixed(1)}" y="${y + 14}" text-anchor="middle" class="small">${at / 1000}s</text>`;
  return svg;
}

function endMarker(at: number, x: (at: number) => number, top: number, height: number, how: string): string {
  return `<line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${top}" y2="${height}" stroke="#000" stroke-width="1.5"/><text x="${(x(at) + 3).toFixed(1)}" y="${top - 2}" class="fault">${how === "stop" ? "stop" : "SIGKILL master"}</text>`;
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
