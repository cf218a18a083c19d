/** The API's JSON shapes, in the conventions of `--format json`: snake_case, ISO 8601 UTC times, null for what does not exist. */
import { isoTime } from "../cli/inspect.ts";
import { shortId } from "../execution/log-folder.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import type { ExecutionDetail, WorkflowSummary } from "./data.ts";

export function executionJson(row: WorkflowExecutionRow) {
  return {
    id: row.id,
    short_id: shortId(row.id),
    workflow: row.workflowName,
    status: row.status,
    started_at: isoTime(row.startedAt),
    finished_at: isoTime(row.finishedAt),
    duration_seconds: row.durationSeconds ?? null,
    trigger: row.trigger ?? null,
    scheduled_for: isoTime(row.scheduledFor),
  };
}

export function workflowJson(summary: WorkflowSummary) {
  const { workflow } = summary;
  return {
    name: workflow.name,
    file: workflow.sourceFile,
    schedule: workflow.schedule ?? null,
    timezone: workflow.timezone ?? null,
    next_run: isoTime(summary.nextRun),
    tasks: workflow.tasks.length,
    last_execution: summary.last ? executionJson(summary.last) : null,
    success_rate_30d: summary.successRate ?? null,
    executions_30d: summary.executions30d,
  };
}

function attemptJson(row: TaskExecutionRow) {
  return {
    attempt: row.attempt,
    status: row.status,
    started_at: isoTime(row.startedAt),
    finished_at: isoTime(row.finishedAt),
    duration_seconds: row.durationSeconds ?? null,
    exit_code: row.exitCode ?? null,
    error: row.error ?? null,
    output: row.output ?? null,
    stdout_tail: row.stdout,
    stderr_tail: row.stderr,
  };
}

export function executionDetailJson(detail: ExecutionDetail) {
  const attempts = new Map<string, TaskExecutionRow[]>();
  for (const row of detail.rows) {
    const list = attempts.get(row.taskName);
    if (list) list.push(row);
    else attempts.set(row.taskName, [row]);
  }
  const dependsOn = new Map(detail.nodes.map((node) => [node.name, node.dependsOn]));
  return {
    ...executionJson(detail.execution),
    owner_alive: detail.execution.status === "Running" ? detail.view.live : null,
    workflow_file: detail.execution.workflowFile ?? null,
    log_dir: detail.execution.logDir ?? null,
    tasks: detail.view.tasks.map((task) => ({
      name: task.name,
      state: task.state,
      handler: task.latest?.handler ?? null,
      depends_on: dependsOn.get(task.name) ?? [],
      attempts: (attempts.get(task.name) ?? []).map(attemptJson),
    })),
  };
}
