/** Pure: what `status` (and `graph --execution-id`) say about each task of one execution. */
import type { TaskExecutionRow, WaitingTask, WorkflowExecutionRow } from "../store/types.ts";
import { latestAttempts } from "./execution-summary.ts";
import { describeFailure, formatElapsed, STATUS_SYMBOLS } from "./format.ts";
import type { PlannedTask } from "./inspect.ts";

export const TASK_STATES = ["succeeded", "running", "retrying", "waiting", "failed", "skipped", "pending", "not_run"] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskView {
  name: string;
  state: TaskState;
  /** The latest attempt's row; undefined for a task with no row yet. */
  latest: TaskExecutionRow | undefined;
  maxAttempts: number | undefined;
  /** Set while the task waits on a closed resource gate: why, and since when. */
  waiting?: { reason: string; since: Date } | undefined;
}

export interface ExecutionView {
  execution: WorkflowExecutionRow;
  /** False for an execution recorded Running whose process is gone. */
  live: boolean;
  tasks: TaskView[];
  /** False when the workflow file could not be read, so pending tasks may be missing. */
  taskListKnown: boolean;
}

function stateOf(row: TaskExecutionRow, live: boolean, maxAttempts: number | undefined): TaskState {
  if (row.status === "Success") return "succeeded";
  if (row.status === "Skipped") return "skipped";
  if (row.status === "Running") return live ? "running" : "failed";
  // A failed attempt with attempts left, in a run still going, is waiting for its retry.
  if (live && maxAttempts !== undefined && row.attempt < maxAttempts) return "retrying";
  return "failed";
}

/** Tasks in the workflow file's order when it is known, then any recorded task it no longer has. */
export function viewExecution(
  execution: WorkflowExecutionRow,
  rows: readonly TaskExecutionRow[],
  planned: readonly PlannedTask[] | undefined,
  live: boolean,
  waits: readonly WaitingTask[] = [],
): ExecutionView {
  const waiting = new Map(live ? waits.map((wait) => [wait.taskName, { reason: wait.reason, since: wait.since }]) : []);
  const latest = new Map(latestAttempts(rows).map((row) => [row.taskName, row]));
  const plan = new Map((planned ?? []).map((task) => [task.name, task]));
  const names = [...plan.keys(), ...[...latest.keys(), ...waiting.keys()].filter((name, index, all) => !plan.has(name) && all.indexOf(name) === index)];
  const tasks = names.map((name): TaskView => {
    const row = latest.get(name);
    const maxAttempts = plan.get(name)?.maxAttempts;
    const wait = waiting.get(name);
    if (wait) return { name, state: "waiting", latest: row, maxAttempts, waiting: wait };
    if (row) return { name, state: stateOf(row, live, maxAttempts), latest: row, maxAttempts };
    return { name, state: live ? "pending" : "not_run", latest: undefined, maxAttempts };
  });
  return { execution, live, tasks, taskListKnown: planned !== undefined };
}

const SYMBOLS: Record<TaskState, string> = {
  succeeded: STATUS_SYMBOLS.done,
  running: STATUS_SYMBOLS.running,
  retrying: STATUS_SYMBOLS.running,
  waiting: STATUS_SYMBOLS.notRun,
  failed: STATUS_SYMBOLS.failed,
  skipped: STATUS_SYMBOLS.notRun,
  pending: STATUS_SYMBOLS.notRun,
  not_run: STATUS_SYMBOLS.notRun,
};

export function taskSymbol(state: TaskState): string {
  return SYMBOLS[state];
}

function attemptsNote(task: TaskView): string {
  const attempt = task.latest?.attempt ?? 0;
  if (task.maxAttempts !== undefined && task.maxAttempts > 1) return `attempt ${attempt}/${task.maxAttempts}, `;
  return attempt > 1 ? `attempt ${attempt}, ` : "";
}

/** The words in parentheses after a task: "completed in 2s", "running for 1m 9s", "pending"; a warning after them. */
export function describeTask(task: TaskView, now: Date): string {
  const words = describeState(task, now);
  return task.latest?.warning ? `${words}; warning: ${task.latest.warning}` : words;
}

function describeState(task: TaskView, now: Date): string {
  const row = task.latest;
  const seconds = (from: Date) => formatElapsed((now.getTime() - from.getTime()) / 1000);
  switch (task.state) {
    case "succeeded":
      return `completed in ${formatElapsed(row?.durationSeconds ?? 0)}${row && row.attempt > 1 ? ` on attempt ${row.attempt}` : ""}`;
    case "running":
      return `${attemptsNote(task)}running for ${row ? seconds(row.startedAt) : "?"}`;
    case "retrying":
      return `waiting to retry: attempt ${row?.attempt}/${task.maxAttempts} failed: ${row ? describeFailure(row) : "?"}`;
    case "waiting":
      return `waiting for ${task.waiting ? seconds(task.waiting.since) : "?"}: gate closed: ${task.waiting?.reason ?? "?"}`;
    case "failed": {
      if (!row) return "failed";
      if (row.status === "Running") return "never finished: its process is gone";
      if (row.status === "Timeout") return `${row.error ?? "timed out"}${row.attempt > 1 ? `, ${row.attempt} attempts` : ""}`;
      if (row.status === "Interrupted") return "interrupted";
      return `failed${row.attempt > 1 ? ` after ${row.attempt} attempts` : ""}: ${describeFailure(row)}`;
    }
    case "skipped":
      return `skipped${row?.error ? `: ${row.error}` : ""}`;
    case "pending":
      return "pending";
    case "not_run":
      return "not run";
  }
}
