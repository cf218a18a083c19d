/** `/workflows/NAME`: one workflow's DAG and its recent executions. */
import type { WorkflowExecutionRow } from "../../store/types.ts";
import { dagSvg } from "../dag-svg.ts";
import type { LoadedWorkflow } from "../host.ts";
import { html, trusted } from "../html.ts";
import { executionsTable } from "./executions-table.ts";
import { postButton, timeCell, workflowHref } from "./format.ts";
import { page } from "./layout.ts";

export interface WorkflowPageData {
  loaded: LoadedWorkflow;
  executions: readonly WorkflowExecutionRow[];
}

export function renderWorkflowPage({ loaded, executions }: WorkflowPageData): string {
  const { workflow } = loaded;
  const body = html`<h1>${workflow.name}</h1>
${workflow.description ? html`<p>${workflow.description}</p>` : ""}
<dl class="facts">
<div class="fact"><dt>Schedule</dt><dd>${workflow.schedule ? html`<code>${workflow.schedule}</code>` : "none"}</dd></div>
<div class="fact"><dt>Next run</dt><dd>${timeCell(loaded.nextRun)}</dd></div>
<div class="fact"><dt>Tasks</dt><dd>${workflow.tasks.length}</dd></div>
<div class="fact"><dt>File</dt><dd><code>${workflow.sourceFile}</code></dd></div>
</dl>
<p>${postButton(`${workflowHref(workflow.name)}/run`, "Run now")}</p>
<h2>Tasks</h2>
<div class="dag-frame">${trusted(dagSvg(workflow.tasks, { title: workflow.name, levels: workflow.plan.levels }))}</div>
<h2>Recent executions</h2>
${executionsTable(executions)}`;
  return page({ title: workflow.name, body });
}
