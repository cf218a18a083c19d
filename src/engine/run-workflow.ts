/**
 * The DAG walker. Each task is one async function: wait for its dependencies, skip if one
 * failed for good, otherwise run (bounded by the semaphore inside runTask). No levels or
 * barriers, so a fast branch never waits for a slow sibling; max_parallel 1 is the same code.
 */
import type { ExecutorRegistry, OpenAttemptOutput } from "../executors/types.ts";
import type { TaskValues } from "../executors/values.ts";
import type { HandlerKind, Task, Workflow } from "../workflow/model.ts";
import type { Clock } from "./clock.ts";
import type { RunEventListener, RunSummary } from "./events.ts";
import type { StartGate } from "./gate-wait.ts";
import { runHandlers } from "./run-handlers.ts";
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
  /**
   * Stops handler tasks; without one, `signal` does. A run interrupted by `signal` still runs
   * its on_failure and on_exit handlers under this one (`run` aborts it on a second Ctrl-C).
   */
  handlerSignal?: AbortSignal | undefined;
  /** Cap on a kept task output (`[history] output_max_kb`). */
  outputMaxBytes: number;
}

/** What an earlier run of the same execution already did (for resume). */
export interface PriorProgress {
  succeeded: ReadonlySet<string>;
  attempts: ReadonlyMap<string, number>;
  /** Outputs of the tasks that succeeded, so their dependents get them again. */
  outputs: ReadonlyMap<string, string>;
}

export interface RunRequest {
  workflow: Workflow;
  executionId: string;
  prior?: PriorProgress;
  /** The execution's log folder, for handler tasks (PICOFLOW_LOG_DIR). */
  logDir?: string;
}

export interface WorkflowOutcome {
  status: WorkflowStatus;
  summary: RunSummary;
}

type NodeResult = TaskResult | "skipped" | "already-succeeded";

/** One walk over a list of tasks: the main DAG, or one handler list. */
export interface Walk {
  tasks: readonly Task[];
  /** The order tasks are started in (asking for their dependencies first). */
  order: readonly string[];
  handler: HandlerKind | undefined;
  /** Tasks that already succeeded (resume); never run again. */
  done: ReadonlySet<string>;
  values: Omit<TaskValues, "outputs">;
  env: EngineDeps["env"];
  signal: AbortSignal;
}

export async function runWorkflow(request: RunRequest, deps: EngineDeps): Promise<WorkflowOutcome> {
  const { workflow, executionId, prior } = request;
  const startedAt = deps.clock.now();
  deps.onEvent({ type: "workflow-started", executionId, workflow: workflow.name, at: startedAt, resumed: prior !== undefined });

  const semaphore = new Semaphore(workflow.maxParallel);
  // Shared by the main DAG and the handlers, which may use the main tasks' outputs.
  const outputs = new Map(prior?.outputs ?? []);

  const walk = async (w: Walk): Promise<(readonly [string, NodeResult])[]> => {
    const byName = new Map(w.tasks.map((task) => [task.name, task]));
    const results = new Map<string, Promise<NodeResult>>();
    const blocks = (name: string, result: NodeResult): boolean =>
      result === "skipped" || result === "interrupted" || (result === "failed" && !byName.get(name)?.continueOnFailure);
    const values: TaskValues = { ...w.values, outputs };
    const runNode = async (task: Task): Promise<NodeResult> => {
      if (w.done.has(task.name)) return "already-succeeded";
      const depResults = await Promise.all(task.dependsOn.map(resultOf));
      const blockerIndex = task.dependsOn.findIndex((dep, index) => blocks(dep, depResults[index] as NodeResult));
      if (blockerIndex >= 0) {
        // An interrupted dependency leaves this task for a resume, not skipped.
        if (depResults[blockerIndex] === "interrupted" || w.signal.aborted) return "interrupted";
        const blockedBy = task.dependsOn[blockerIndex] as string;
        deps.onEvent({ type: "task-skipped", executionId, workflow: workflow.name, task: task.name, blockedBy, at: deps.clock.now(), handler: w.handler });
        return "skipped";
      }
      if (w.signal.aborted) return "interrupted";
      return runTask(
        task,
        {
          executionId,
          workflow: workflow.name,
          previousAttempts: prior?.attempts.get(task.name) ?? 0,
          handler: w.handler,
          values,
          keepOutput: (output) => outputs.set(task.name, output),
        },
        { ...deps, env: w.env, signal: w.signal, semaphore },
      );
    };
    // Created on first request, dependencies first; validation has ruled out cycles.
    const resultOf = (name: string): Promise<NodeResult> => {
      let result = results.get(name);
      if (!result) {
        result = runNode(byName.get(name) as Task);
        results.set(name, result);
      }
      return result;
    };
    for (const name of w.order) resultOf(name);
    return Promise.all(w.tasks.map(async (task) => [task.name, await resultOf(task.name)] as const));
  };

  // The plan's order puts dependencies first; handler lists have none, and resultOf starts dependencies first anyway.
  const settled = await walk({
    tasks: workflow.tasks,
    order: workflow.plan.order,
    handler: undefined,
    done: prior?.succeeded ?? new Set(),
    values: { run: undefined },
    env: deps.env,
    signal: deps.signal,
  });

  const byName = new Map(workflow.tasks.map((task) => [task.name, task]));
  const summary: RunSummary = { total: workflow.tasks.length, succeeded: 0, failed: 0, tolerated: 0, skipped: 0, unfinished: 0 };
  const failedTasks: string[] = [];
  for (const [name, result] of settled) {
    if (result === "succeeded" || result === "already-succeeded") summary.succeeded++;
    else if (result === "skipped") summary.skipped++;
    else if (result === "interrupted") summary.unfinished++;
    else if (byName.get(name)?.continueOnFailure) summary.tolerated++;
    else summary.failed++;
    if (result === "failed") failedTasks.push(name);
  }
  const status: WorkflowStatus = summary.unfinished > 0 ? "Interrupted" : summary.failed > 0 ? "Failed" : "Success";
  await runHandlers(
    workflow,
    { executionId, status, failedTasks, durationSeconds: secondsSince(startedAt, deps.clock.now()), logDir: request.logDir ?? "" },
    { env: deps.env, signal: deps.handlerSignal ?? deps.signal },
    walk,
  );
  deps.onEvent({ type: "workflow-finished", executionId, workflow: workflow.name, status, startedAt, at: deps.clock.now(), summary });
  return { status, summary };
}

function secondsSince(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime()) / 1000;
}
