/**
 * The DAG walker. Each task is one async function: wait for its dependencies, skip if one
 * failed for good, otherwise run (bounded by the semaphore inside runTask). No levels or
 * barriers, so a fast branch never waits for a slow sibling; max_parallel 1 is the same code.
 */
import type { ExecutorRegistry, OpenAttemptOutput } from "../executors/types.ts";
import type { Task, Workflow } from "../workflow/model.ts";
import type { Clock } from "./clock.ts";
import type { RunEventListener, RunSummary } from "./events.ts";
import type { StartGate } from "./gate-wait.ts";
import { runTask, type TaskResult } from "./run-task.ts";
import { Semaphore } from "./semaphore.ts";
import type { WorkflowStatus } from "./status.ts";

export interface EngineDeps {
  executors: ExecutorRegistry;
  openOutput: OpenAttemptOutput;
  clock: Clock;
  onEvent: RunEventListener;
  /** Environment for `${VAR}` substitution and child processes. */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborting it interrupts the run: running tasks are killed, nothing new starts. */
  signal: AbortSignal;
  /** "May this task start now?" (resource gates); without one, every task may. */
  gate?: StartGate | undefined;
}

/** What an earlier run of the same execution already did (for resume). */
export interface PriorProgress {
  succeeded: ReadonlySet<string>;
  attempts: ReadonlyMap<string, number>;
}

export interface RunRequest {
  workflow: Workflow;
  executionId: string;
  prior?: PriorProgress;
}

export interface WorkflowOutcome {
  status: WorkflowStatus;
  summary: RunSummary;
}

type NodeResult = TaskResult | "skipped" | "already-succeeded";

export async function runWorkflow(request: RunRequest, deps: EngineDeps): Promise<WorkflowOutcome> {
  const { workflow, executionId, prior } = request;
  const startedAt = deps.clock.now();
  deps.onEvent({ type: "workflow-started", executionId, workflow: workflow.name, at: startedAt, resumed: prior !== undefined });

  const semaphore = new Semaphore(workflow.maxParallel);
  const byName = new Map(workflow.tasks.map((task) => [task.name, task]));
  const results = new Map<string, Promise<NodeResult>>();
  const blocks = (name: string, result: NodeResult): boolean =>
    result === "skipped" || result === "interrupted" || (result === "failed" && !byName.get(name)?.continueOnFailure);

  const runNode = async (task: Task): Promise<NodeResult> => {
    if (prior?.succeeded.has(task.name)) return "already-succeeded";
    const depResults = await Promise.all(task.dependsOn.map((dep) => results.get(dep) as Promise<NodeResult>));
    const blockerIndex = task.dependsOn.findIndex((dep, index) => blocks(dep, depResults[index] as NodeResult));
    if (blockerIndex >= 0) {
      // An interrupted dependency leaves this task for a resume, not skipped.
      if (depResults[blockerIndex] === "interrupted" || deps.signal.aborted) return "interrupted";
      const blockedBy = task.dependsOn[blockerIndex] as string;
      deps.onEvent({ type: "task-skipped", executionId, workflow: workflow.name, task: task.name, blockedBy, at: deps.clock.now() });
      return "skipped";
    }
    if (deps.signal.aborted) return "interrupted";
    return runTask(
      task,
      { executionId, workflow: workflow.name, previousAttempts: prior?.attempts.get(task.name) ?? 0 },
      { ...deps, semaphore },
    );
  };

  // The plan's order puts dependencies first, so every promise exists before a dependent asks for it.
  for (const name of workflow.plan.order) results.set(name, runNode(byName.get(name) as Task));
  const settled = await Promise.all([...results].map(async ([name, result]) => [name, await result] as const));

  const summary: RunSummary = { total: workflow.tasks.length, succeeded: 0, failed: 0, tolerated: 0, skipped: 0, unfinished: 0 };
  for (const [name, result] of settled) {
    if (result === "succeeded" || result === "already-succeeded") summary.succeeded++;
    else if (result === "skipped") summary.skipped++;
    else if (result === "interrupted") summary.unfinished++;
    else if (byName.get(name)?.continueOnFailure) summary.tolerated++;
    else summary.failed++;
  }
  const status: WorkflowStatus = summary.unfinished > 0 ? "Interrupted" : summary.failed > 0 ? "Failed" : "Success";
  deps.onEvent({ type: "workflow-finished", executionId, workflow: workflow.name, status, startedAt, at: deps.clock.now(), summary });
  return { status, summary };
}
