/** Small pieces every page uses: times, durations, status badges and forms that POST. */
import { formatDuration, formatLocalTime } from "../../cli/format.ts";
import type { WorkflowExecutionRow } from "../../store/types.ts";
import { html, type SafeHtml } from "../html.ts";

/** Local time of the daemon (like the CLI's tables), with the exact UTC instant in `datetime`. */
export function timeCell(date: Date | undefined): SafeHtml {
  if (!date) return html`<span class="muted">–</span>`;
  return html`<time datetime="${date.toISOString()}">${formatLocalTime(date)}</time>`;
}

export function durationText(seconds: number | undefined): string {
  return seconds === undefined ? "–" : formatDuration(seconds);
}

/** A status word, coloured by class; the word itself carries the meaning (readable without colour). */
export function badge(status: string): SafeHtml {
  return html`<span class="badge status-${status.toLowerCase().replace(/[^a-z_]/g, "")}">${status}</span>`;
}

/** A button in its own form: state changes are POSTs, which the server checks for same origin. */
export function postButton(action: string, label: string, className = "button"): SafeHtml {
  return html`<form class="inline" method="post" action="${action}"><button class="${className}" type="submit">${label}</button></form>`;
}

export function workflowHref(name: string): string {
  return `/workflows/${encodeURIComponent(name)}`;
}

export function executionHref(id: string): string {
  return `/executions/${encodeURIComponent(id)}`;
}

export function taskLogHref(executionId: string, task: string): string {
  return `${executionHref(executionId)}/tasks/${encodeURIComponent(task)}/log`;
}

/** "schedule (for 02:00:00)", "manual", or a dash for rows recorded before triggers were kept. */
export function triggerText(execution: WorkflowExecutionRow): SafeHtml {
  if (!execution.trigger) return html`<span class="muted">–</span>`;
  return html`${execution.trigger}${execution.scheduledFor ? html` <span class="muted small">for ${timeCell(execution.scheduledFor)}</span>` : ""}`;
}
