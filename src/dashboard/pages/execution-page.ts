/**
 * `/executions/ID`: the DAG coloured by each task's state, every attempt in a table, each
 * task's output tail, and "resume" when it did not succeed. While it runs, the page names its
 * event stream and the script refreshes `main` on each change.
 */
import { describeTask, type TaskView } from "../../cli/task-view.ts";
import type { TaskExecutionRow } from "../../store/types.ts";
import { dagSvg } from "../dag-svg.ts";
import type { ExecutionDetail } from "../data.ts";
import { html, type SafeHtml, trusted } from "../html.ts";
import { badge, durationText, executionHref, postButton, taskLogHref, timeCell, triggerText, workflowHref } from "./format.ts";
import { page } from "./layout.ts";

/** Each output tail on the page keeps its last few KiB; the full log is one link away. */
export const PAGE_TAIL_CHARS = 4096;

export interface ExecutionPageData {
  detail: ExecutionDetail;
  resumable: boolean;
  now: Date;
}

function tail(text: string): string {
  return text.length <= PAGE_TAIL_CHARS ? text : `…${text.slice(-PAGE_TAIL_CHARS)}`;
}

function anchor(task: string): string {
  return `task-${task}`;
}

function attemptRow(row: TaskExecutionRow, first: boolean, task: TaskView): SafeHtml {
  return html`<tr data-task="${row.taskName}" data-attempt="${row.attempt}">
<td data-label="Task">${first ? html`<a href="#${anchor(row.taskName)}">${row.taskName}</a>` : ""}</td>
<td data-label="Attempt">${row.attempt}</td>
<td data-label="Status">${badge(row.status)}</td>
<td data-label="Started">${timeCell(row.startedAt)}</td>
<td data-label="Duration">${durationText(row.durationSeconds)}</td>
<td data-label="Exit">${row.exitCode ?? "–"}</td>
<td data-label="Error" class="error">${row.error ?? ""}${first && task.state === "retrying" ? html` <span class="muted">(waiting to retry)</span>` : ""}</td>
</tr>`;
}

function attemptsTable(detail: ExecutionDetail): SafeHtml {
  const byTask = new Map<string, TaskExecutionRow[]>();
  for (const row of detail.rows) {
    const list = byTask.get(row.taskName);
    if (list) list.push(row);
    else byTask.set(row.taskName, [row]);
  }
  const rows = detail.view.tasks.flatMap((task) => {
    const attempts = byTask.get(task.name) ?? [];
    if (attempts.length === 0) {
      return [html`<tr data-task="${task.name}"><td data-label="Task"><a href="#${anchor(task.name)}">${task.name}</a></td><td data-label="Attempt">–</td><td data-label="Status">${badge(task.state === "pending" ? "Pending" : "Not run")}</td><td colspan="4" class="empty"></td></tr>`];
    }
    // Latest attempt first: it is the one that decided the task's state.
    return attempts.toReversed().map((row, index) => attemptRow(row, index === 0, task));
  });
  return html`<div class="scroll"><table class="attempts cards">
<thead><tr><th>Task</th><th>Attempt</th><th>Status</th><th>Started</th><th>Duration</th><th>Exit</th><th>Error</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

function outputSection(detail: ExecutionDetail, task: TaskView, now: Date): SafeHtml {
  const row = task.latest;
  const stdout = row ? tail(row.stdout) : "";
  const stderr = row ? tail(row.stderr) : "";
  return html`<section class="task" id="${anchor(task.name)}" data-task="${task.name}" data-state="${task.state}">
<h3>${task.name}${row?.handler ? html` <span class="badge">${row.handler} handler</span>` : ""} <span class="muted small">${describeTask(task, now)}</span></h3>
${row?.output !== undefined ? html`<p class="small">Published output: <code class="published">${row.output}</code></p>` : ""}
${stdout ? html`<pre class="output stdout">${stdout}</pre>` : ""}
${stderr ? html`<pre class="output stderr">${stderr}</pre>` : ""}
${!stdout && !stderr ? html`<p class="muted small">No output.</p>` : ""}
${row ? html`<p class="small"><a href="${taskLogHref(detail.execution.id, task.name)}">Full log</a></p>` : ""}
</section>`;
}

export function renderExecutionPage({ detail, resumable, now }: ExecutionPageData): string {
  const { execution, view } = detail;
  const live = execution.status === "Running" && view.live;
  const states = new Map(view.tasks.map((task) => [task.name, task]));
  const svg = dagSvg(detail.nodes, { title: `${execution.workflowName}: ${execution.status}`, tasks: states, href: (task) => `#${anchor(task)}` });
  const status = execution.status === "Running" && !view.live ? "Running (its process is gone)" : execution.status;
  const body = html`<h1><a href="${workflowHref(execution.workflowName)}">${execution.workflowName}</a> <code class="small">${execution.id}</code></h1>
<dl class="facts">
<div class="fact"><dt>Status</dt><dd id="execution-status">${badge(status)}</dd></div>
<div class="fact"><dt>Started</dt><dd>${timeCell(execution.startedAt)}</dd></div>
<div class="fact"><dt>Finished</dt><dd>${timeCell(execution.finishedAt)}</dd></div>
<div class="fact"><dt>Duration</dt><dd>${durationText(execution.durationSeconds)}</dd></div>
<div class="fact"><dt>Trigger</dt><dd>${triggerText(execution)}</dd></div>
</dl>
${resumable ? html`<p>${postButton(`${executionHref(execution.id)}/resume`, "Resume")} <span class="muted small">runs again what did not succeed</span></p>` : ""}
${live ? html`<p class="muted small live-note">Running: this page updates by itself.</p>` : ""}
<div class="dag-frame">${trusted(svg)}</div>
<h2>Tasks and attempts</h2>
${attemptsTable(detail)}
<h2>Output</h2>
${view.tasks.map((task) => outputSection(detail, task, now))}`;
  return page({ title: `${execution.workflowName} ${execution.id}`, body, liveEvents: live ? `${executionHref(execution.id)}/events` : undefined });
}
