/** Pure reading of an execution's attempt rows: each task's final state, counts, a one-line result. */
import type { ExecutionStatus } from "../engine/status.ts";
import { shortId } from "../execution/log-folder.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import { describeFailure, plural } from "./format.ts";

const FAILED_STATUSES: ReadonlySet<ExecutionStatus> = new Set(["Failed", "Timeout", "Interrupted"]);

export function isFailedStatus(status: ExecutionStatus): boolean {
  return FAILED_STATUSES.has(status);
}

/** Each task's latest attempt (every attempt is its own row), in the order the tasks first started. */
export function latestAttempts(rows: readonly TaskExecutionRow[]): TaskExecutionRow[] {
  const latest = new Map<string, TaskExecutionRow>();
  for (const row of rows) {
    const seen = latest.get(row.taskName);
    if (!seen || row.attempt >= seen.attempt) latest.set(row.taskName, row);
  }
  return [...latest.values()];
}

export interface TaskCounts {
  /** The workflow's task count when known, else the tasks recorded so far. */
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  running: number;
}

export function countTasks(latest: readonly TaskExecutionRow[], plannedTotal?: number): TaskCounts {
  const count = (test: (row: TaskExecutionRow) => boolean) => latest.filter(test).length;
  return {
    total: Math.max(plannedTotal ?? 0, latest.length),
    succeeded: count((row) => row.status === "Success"),
    failed: count((row) => isFailedStatus(row.status)),
    skipped: count((row) => row.status === "Skipped"),
    running: count((row) => row.status === "Running"),
  };
}

/** "b failed (exit code 3)", "t failed (timeout)": the guide's wording for a task's final attempt. */
export function describeTaskFailure(row: TaskExecutionRow): string {
  return `${row.taskName} failed (${describeFailure(row)})`;
}

export function resumeHint(execution: WorkflowExecutionRow): string {
  return `resume with: picoflow run --resume ${shortId(execution.id)}`;
}

/**
 * The history table's RESULT: "All tasks completed", "b failed (exit code 3); 1 skipped",
 * "Running: verify_backup". `ownerAlive` is false for a Running row whose process is gone.
 */
export function resultText(execution: WorkflowExecutionRow, latest: readonly TaskExecutionRow[], ownerAlive: boolean): string {
  const failures = latest.filter((row) => isFailedStatus(row.status) && row.status !== "Interrupted");
  const skipped = latest.filter((row) => row.status === "Skipped").length;
  switch (execution.status) {
    case "Success":
      return failures.length === 0
        ? "All tasks completed"
        : `All tasks completed; ${plural(failures.length, "failure")} tolerated (${failures.map(describeTaskFailure).join(", ")})`;
    case "Failed": {
      const first = failures[0];
      if (!first) return "Failed";
      const more = failures.length > 1 ? ` and ${failures.length - 1} more` : "";
      return `${describeTaskFailure(first)}${more}${skipped > 0 ? `; ${skipped} skipped` : ""}`;
    }
    case "Running": {
      if (!ownerAlive) return `Process ${execution.owner?.pid ?? "?"} is gone; ${resumeHint(execution)}`;
      const running = latest.filter((row) => row.status === "Running").map((row) => row.taskName);
      if (running.length > 0) return `Running: ${running.join(", ")}`;
      // Between attempts (a retry's backoff) nothing runs; say what the run is waiting on.
      return failures[0] ? `In progress; ${describeTaskFailure(failures[0])}` : "In progress";
    }
    case "Interrupted":
      return `Interrupted; ${resumeHint(execution)}`;
    default:
      return execution.status;
  }
}
