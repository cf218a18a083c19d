/**
 * Gathers what a page or an API answer shows, from the host's store reads and loaded
 * workflows. Pure apart from those reads: the renderers take these values and nothing else.
 */
import { percentValue } from "../cli/format.ts";
import { type ExecutionView, viewExecution } from "../cli/task-view.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import type { GraphNode } from "../workflow/graph.ts";
import type { Workflow } from "../workflow/model.ts";
import type { DashboardHost, LoadedWorkflow } from "./host.ts";

/** The overview's success rate covers this many days, like `stats`. */
export const SUCCESS_RATE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface WorkflowSummary extends LoadedWorkflow {
  last: WorkflowExecutionRow | undefined;
  /** Percent of the executions started in the last 30 days that succeeded; undefined with none. */
  successRate: number | undefined;
  executions30d: number;
}

export function workflowSummaries(host: DashboardHost, now: Date): WorkflowSummary[] {
  const latest = new Map(host.reads.latestExecutionPerWorkflow().map((row) => [row.workflowName, row]));
  const totals = new Map(host.reads.executionTotals(new Date(now.getTime() - SUCCESS_RATE_DAYS * DAY_MS)).map((row) => [row.workflow, row]));
  return host.workflows().map((loaded) => {
    const total = totals.get(loaded.workflow.name);
    return {
      ...loaded,
      last: latest.get(loaded.workflow.name),
      successRate: total && total.executions > 0 ? percentValue(total.success, total.executions) : undefined,
      executions30d: total?.executions ?? 0,
    };
  });
}

export function loadedWorkflow(host: DashboardHost, name: string): LoadedWorkflow | undefined {
  return host.workflows().find((loaded) => loaded.workflow.name === name);
}

export interface ExecutionDetail {
  execution: WorkflowExecutionRow;
  /** Every attempt, in start order. */
  rows: TaskExecutionRow[];
  view: ExecutionView;
  /** The DAG to draw: the loaded workflow's, else the recorded tasks without edges. */
  nodes: GraphNode[];
}

/** The loaded workflow's tasks when it is the one that ran (same name); else undefined. */
function plannedTasks(workflow: Workflow | undefined) {
  return workflow?.tasks.map((task) => ({ name: task.name, dependsOn: task.dependsOn, maxAttempts: task.retry.retries + 1 }));
}

export function executionDetail(host: DashboardHost, execution: WorkflowExecutionRow): ExecutionDetail {
  const rows = host.reads.taskExecutions(execution.id);
  const planned = plannedTasks(loadedWorkflow(host, execution.workflowName)?.workflow);
  const live = host.isLive(execution);
  const view = viewExecution(execution, rows, planned, live, live ? host.reads.waitingTasks(execution.id) : []);
  // Recorded tasks the loaded workflow does not list (handlers, or an edited file) are drawn on their own.
  const known = new Set((planned ?? []).map((task) => task.name));
  const nodes: GraphNode[] = [...(planned ?? []), ...view.tasks.filter((task) => !known.has(task.name)).map((task) => ({ name: task.name, dependsOn: [] }))];
  return { execution, rows, view, nodes };
}

/** The attempt whose log a task page shows: the given number, else the latest. */
export function attemptOf(rows: readonly TaskExecutionRow[], task: string, attempt?: number): TaskExecutionRow | undefined {
  const mine = rows.filter((row) => row.taskName === task);
  if (attempt !== undefined) return mine.find((row) => row.attempt === attempt);
  return mine.reduce<TaskExecutionRow | undefined>((latest, row) => (!latest || row.attempt >= latest.attempt ? row : latest), undefined);
}

/** Whether a not-succeeded execution can be resumed from the dashboard (finished, or its owner gone). */
export function canResume(host: DashboardHost, execution: WorkflowExecutionRow): boolean {
  if (execution.status === "Success") return false;
  if (execution.status === "Running" && host.isLive(execution)) return false;
  return loadedWorkflow(host, execution.workflowName) !== undefined;
}
