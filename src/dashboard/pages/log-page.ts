/** `/executions/ID/tasks/NAME/log`: the task's whole log file, followed while the task runs. */
import type { TaskExecutionRow, WorkflowExecutionRow } from "../../store/types.ts";
import { html } from "../html.ts";
import { badge, executionHref, taskLogHref } from "./format.ts";
import { page } from "./layout.ts";

export interface LogPageData {
  execution: WorkflowExecutionRow;
  row: TaskExecutionRow;
  text: string;
  /** Bytes of the file shown: where following picks up. */
  size: number;
  follow: boolean;
}

export function renderLogPage({ execution, row, text, size, follow }: LogPageData): string {
  const events = `${taskLogHref(execution.id, row.taskName)}/events?offset=${size}`;
  const body = html`<h1>${row.taskName} <span class="small">${badge(row.status)}</span></h1>
<p><a href="${executionHref(execution.id)}">${execution.workflowName} <code>${execution.id}</code></a> · attempt ${row.attempt}</p>
${row.logPath ? html`<p class="muted small"><code>${row.logPath}</code></p>` : ""}
${follow ? html`<p class="muted small live-note">Following: new output appears below.</p>` : ""}
<pre class="output log" id="log"${follow ? html` data-follow="${events}"` : ""}>${text}</pre>
${!text && !follow ? html`<p class="muted small">The task wrote no output.</p>` : ""}`;
  return page({ title: `${row.taskName} log`, body });
}
