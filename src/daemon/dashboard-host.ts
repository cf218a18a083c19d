/**
 * The daemon's side of the dashboard: its loaded workflows, its own facts, the board's
 * readings, and "run now" / "resume", which follow the same overlap rule as a schedule (one
 * execution of a workflow at a time).
 */
import { ownerAlive } from "../cli/inspect.ts";
import type { DaemonFacts, DashboardHost, StartOutcome } from "../dashboard/host.ts";
import type { Store, WorkflowExecutionRow } from "../store/types.ts";
import type { BoardReadings } from "../system/board.ts";
import type { Workflow } from "../workflow/model.ts";
import type { RunningExecution } from "./executions.ts";
import type { ScheduledWorkflow } from "./workflow-timers.ts";

export interface DaemonControls {
  store: Store;
  entries(): readonly ScheduledWorkflow[];
  running(): readonly RunningExecution[];
  stopping(): boolean;
  facts(): DaemonFacts;
  board(): BoardReadings | undefined;
  /** Starts a new execution now, or resumes `execution`; the id is known before any task runs. */
  start(workflow: Workflow, resumeOf: WorkflowExecutionRow | undefined): RunningExecution;
}

export function dashboardHost(controls: DaemonControls): DashboardHost {
  const loaded = (name: string) => controls.entries().find((entry) => entry.workflow.name === name)?.workflow;

  /** Why the workflow cannot start now, or undefined when it can. */
  const refusal = (workflow: string): StartOutcome | undefined => {
    if (controls.stopping()) return { kind: "conflict", message: "the daemon is stopping; it starts no new executions" };
    const running = controls.running().find((run) => run.workflow === workflow);
    if (running) {
      const which = running.executionId ? ` (execution ${running.executionId})` : "";
      return { kind: "conflict", message: `workflow '${workflow}' is already running${which}; one execution of a workflow runs at a time` };
    }
    return undefined;
  };

  const started = (run: RunningExecution): StartOutcome =>
    run.executionId ? { kind: "started", executionId: run.executionId } : { kind: "conflict", message: "the execution could not be started; see the daemon's log" };

  return {
    reads: controls.store,
    workflows: () => controls.entries().map(({ workflow, timer }) => ({ workflow, nextRun: timer?.nextRun ?? undefined })),
    facts: () => controls.facts(),
    board: () => controls.board(),
    isLive: (execution) => ownerAlive(execution),
    runNow(name) {
      const workflow = loaded(name);
      if (!workflow) return { kind: "not-found", message: `no workflow '${name}' is loaded in this daemon` };
      return refusal(name) ?? started(controls.start(workflow, undefined));
    },
    resume(executionId) {
      const execution = controls.store.findExecution(executionId);
      if (!execution) return { kind: "not-found", message: `no execution '${executionId}'` };
      if (execution.status === "Success") return { kind: "conflict", message: `execution ${execution.id} succeeded; there is nothing to resume` };
      if (execution.status === "Running" && ownerAlive(execution)) return { kind: "conflict", message: `execution ${execution.id} is still running` };
      const workflow = loaded(execution.workflowName);
      if (!workflow) {
        return { kind: "conflict", message: `workflow '${execution.workflowName}' is not loaded in this daemon; resume it with: picoflow run --resume ${execution.id} FILE` };
      }
      return refusal(workflow.name) ?? started(controls.start(workflow, execution));
    },
  };
}
