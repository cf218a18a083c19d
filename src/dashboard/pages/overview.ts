/** `/`: every loaded workflow at a glance, and how the daemon and the board are doing. */
import { formatUptime } from "../../cli/format.ts";
import type { BoardReadings } from "../../system/board.ts";
import type { Reading } from "../../system/reading.ts";
import { THROTTLE_FLAGS, type ThrottledFlags } from "../../system/throttled.ts";
import type { WorkflowSummary } from "../data.ts";
import type { DaemonFacts } from "../host.ts";
import { html, type SafeHtml } from "../html.ts";
import { badge, executionHref, postButton, timeCell, workflowHref } from "./format.ts";
import { page } from "./layout.ts";

export interface OverviewData {
  workflows: readonly WorkflowSummary[];
  facts: DaemonFacts;
  board: BoardReadings | undefined;
  now: Date;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

function workflowRow(summary: WorkflowSummary): SafeHtml {
  const { workflow, last } = summary;
  const name = workflow.name;
  return html`<tr data-workflow="${name}">
<td data-label="Workflow"><a href="${workflowHref(name)}">${name}</a></td>
<td data-label="Schedule">${workflow.schedule ? html`<code>${workflow.schedule}</code>${workflow.timezone ? html` <span class="muted">${workflow.timezone}</span>` : ""}` : html`<span class="muted">none</span>`}</td>
<td data-label="Next run">${timeCell(summary.nextRun)}</td>
<td data-label="Last run">${last ? html`<a href="${executionHref(last.id)}">${badge(last.status)}</a> ${timeCell(last.startedAt)}` : html`<span class="muted">never ran</span>`}</td>
<td data-label="30-day success">${summary.successRate === undefined ? html`<span class="muted">–</span>` : html`${summary.successRate}% <span class="muted">of ${summary.executions30d}</span>`}</td>
<td class="action">${postButton(`${workflowHref(name)}/run`, "Run now")}</td>
</tr>`;
}

function readingText<T>(reading: Reading<T>, show: (value: T) => string): string | undefined {
  if (reading.kind === "ok") return show(reading.value);
  if (reading.kind === "unreadable") return `unreadable (${reading.reason})`;
  return undefined;
}

function throttlingText(flags: ThrottledFlags): string {
  const now = THROTTLE_FLAGS.filter((flag) => flags[flag].now).map((flag) => flag.replaceAll("_", " "));
  const earlier = THROTTLE_FLAGS.filter((flag) => flags[flag].sinceBoot && !flags[flag].now).map((flag) => flag.replaceAll("_", " "));
  if (now.length === 0 && earlier.length === 0) return "none";
  return [now.length > 0 ? `now: ${now.join(", ")}` : "", earlier.length > 0 ? `since boot: ${earlier.join(", ")}` : ""].filter(Boolean).join("; ");
}

/** Daemon facts, then each board reading this machine has (absent ones are left out). */
function healthItems(data: OverviewData): SafeHtml[] {
  const { facts, board, now } = data;
  const items: [string, string][] = [
    ["Uptime", formatUptime((now.getTime() - facts.startedAt.getTime()) / 1000)],
    ["Memory", `${(facts.memoryBytes / MB).toFixed(1)} MB`],
    ["PID", String(facts.pid)],
    ["Version", facts.version],
  ];
  if (board) {
    const optional: [string, string | undefined][] = [
      ["Temperature", readingText(board.temperature, (value) => `${value.celsius.toFixed(1)} °C`)],
      ["Throttling", readingText(board.throttled, throttlingText)],
      ["Free disk", readingText(board.diskFreeBytes, (bytes) => `${(bytes / GB).toFixed(1)} GB`)],
      ["Free memory", readingText(board.memoryAvailableBytes, (bytes) => `${(bytes / MB).toFixed(0)} MB`)],
    ];
    for (const [label, text] of optional) if (text !== undefined) items.push([label, text]);
  }
  return items.map(([label, text]) => html`<div class="fact" data-fact="${label.toLowerCase().replaceAll(" ", "-")}"><dt>${label}</dt><dd>${text}</dd></div>`);
}

export function renderOverview(data: OverviewData): string {
  const rows = data.workflows.map(workflowRow);
  const body = html`<h1>Workflows</h1>
<div class="scroll"><table class="workflows cards">
<thead><tr><th>Workflow</th><th>Schedule</th><th>Next run</th><th>Last run</th><th>30-day success</th><th></th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">No workflows loaded</td></tr>`}</tbody>
</table></div>
<h2>Daemon</h2>
<dl class="facts">${healthItems(data)}</dl>`;
  return page({ title: "Overview", body });
}
