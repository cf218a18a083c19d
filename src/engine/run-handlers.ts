/**
 * Workflow handlers, run after the main DAG has ended: on_failure (failed or interrupted) or
 * on_success, then on_exit. They only report: whatever they do, the workflow's status stays.
 */
import type { HandlerKind, Workflow } from "../workflow/model.ts";
import { RUN_FIELDS, type RunField, runEnvName } from "../workflow/references.ts";
import type { WorkflowStatus } from "./status.ts";
import type { Walk } from "./run-workflow.ts";

export interface RunEnding {
  executionId: string;
  status: WorkflowStatus;
  /** Tasks that ended failed for good (continue_on_failure ones included), in file order. */
  failedTasks: readonly string[];
  /** Of the main DAG, up to the moment the handlers start. */
  durationSeconds: number;
  logDir: string;
}

/** The `${run.FIELD}` values; handler tasks also get each as PICOFLOW_<FIELD>. */
export function runValues(workflow: string, ending: RunEnding): Record<RunField, string> {
  return {
    workflow,
    execution_id: ending.executionId,
    status: ending.status,
    failed_tasks: ending.failedTasks.join(","),
    duration_seconds: String(Math.round(ending.durationSeconds * 1000) / 1000),
    log_dir: ending.logDir,
  };
}

/** Which handler lists run for a status, in order. */
export function handlerOrder(status: WorkflowStatus): HandlerKind[] {
  return [status === "Success" ? "on_success" : "on_failure", "on_exit"];
}

export async function runHandlers(
  workflow: Workflow,
  ending: RunEnding,
  base: { env: Walk["env"]; signal: AbortSignal },
  walk: (w: Walk) => Promise<unknown>,
): Promise<void> {
  const lists = handlerOrder(ending.status).filter((kind) => workflow.handlers[kind].length > 0);
  if (lists.length === 0) return;
  const run = runValues(workflow.name, ending);
  const env = { ...base.env, ...Object.fromEntries(RUN_FIELDS.map((field) => [runEnvName(field), run[field]])) };
  for (const handler of lists) {
    // Handlers run in full after every ending of the execution, a resumed one included.
    const tasks = workflow.handlers[handler];
    await walk({ tasks, order: tasks.map((task) => task.name), handler, done: new Set(), values: { run }, env, signal: base.signal });
  }
}
