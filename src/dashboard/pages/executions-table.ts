/** A list of executions like `history`: shared by the workflow page. */
import { shortId } from "../../execution/log-folder.ts";
import type { WorkflowExecutionRow } from "../../store/types.ts";
import { html, type SafeHtml } from "../html.ts";
import { badge, durationText, executionHref, timeCell, triggerText } from "./format.ts";

export function executionsTable(executions: readonly WorkflowExecutionRow[]): SafeHtml {
  if (executions.length === 0) return html`<p class="muted">No executions recorded yet.</p>`;
  const rows = executions.map(
    (row) => html`<tr data-execution="${row.id}">
<td data-label="Execution"><a href="${executionHref(row.id)}"><code>${shortId(row.id)}</code></a></td>
<td data-label="Status">${badge(row.status)}</td>
<td data-label="Started">${timeCell(row.startedAt)}</td>
<td data-label="Duration">${durationText(row.durationSeconds)}</td>
<td data-label="Trigger">${triggerText(row)}</td>
</tr>`,
  );
  return html`<div class="scroll"><table class="executions cards">
<thead><tr><th>Execution</th><th>Status</th><th>Started</th><th>Duration</th><th>Trigger</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}
