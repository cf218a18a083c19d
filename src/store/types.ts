import type { FailureKind } from "../executors/types.ts";
import type { ExecutionStatus, WorkflowStatus } from "../engine/status.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import type { HandlerKind } from "../workflow/model.ts";

/** How an execution was started. */
export const EXECUTION_TRIGGERS = ["schedule", "catchup", "manual", "resume"] as const;
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

export interface WorkflowExecutionRow {
  id: string;
  workflowName: string;
  startedAt: Date;
  finishedAt: Date | undefined;
  status: ExecutionStatus;
  durationSeconds: number | undefined;
  workflowFile: string | undefined;
  logDir: string | undefined;
  owner: ProcessIdentity | undefined;
  /** Undefined for executions recorded before PicoFlow kept it. */
  trigger: ExecutionTrigger | undefined;
  /** The schedule's fire time this execution ran for (schedule and catchup runs). */
  scheduledFor: Date | undefined;
}

export interface TaskExecutionRow {
  id: string;
  executionId: string;
  taskName: string;
  status: ExecutionStatus;
  startedAt: Date;
  finishedAt: Date | undefined;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  attempt: number;
  durationSeconds: number | undefined;
  error: string | undefined;
  failureKind: FailureKind | undefined;
  logPath: string | undefined;
  /** The process group leader the attempt started (shell tasks), for killing leftovers. */
  processPid: number | undefined;
  /** A problem beside the result: the log file could not be written. */
  warning?: string | undefined;
  /** The handler list the task came from; undefined for the workflow's own tasks. */
  handler: HandlerKind | undefined;
  /** The published output of a successful `output: true` attempt. */
  output: string | undefined;
}

export interface NewExecution {
  id: string;
  workflowName: string;
  workflowFile: string;
  startedAt: Date;
  logDir: string;
  owner: ProcessIdentity;
  trigger: Exclude<ExecutionTrigger, "resume">;
  scheduledFor: Date | undefined;
}

export interface NewAttempt {
  id: string;
  executionId: string;
  taskName: string;
  attempt: number;
  startedAt: Date;
  logPath: string | undefined;
  handler?: HandlerKind | undefined;
}

export interface FinishedAttempt {
  status: Exclude<ExecutionStatus, "Running" | "Skipped">;
  finishedAt: Date;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error: string | undefined;
  failureKind: FailureKind | undefined;
  warning?: string | undefined;
  output?: string | undefined;
}

export interface SkippedTask {
  id: string;
  executionId: string;
  taskName: string;
  at: Date;
  reason: string;
  handler?: HandlerKind | undefined;
}

/** A task of a running execution held by a closed resource gate. */
export interface WaitingTask {
  executionId: string;
  taskName: string;
  reason: string;
  since: Date;
}

export interface GateFailure {
  id: string;
  executionId: string;
  taskName: string;
  since: Date;
  at: Date;
  error: string;
}

export interface ExecutionFilter {
  workflow?: string | undefined;
  status?: ExecutionStatus | undefined;
  since?: Date | undefined;
  limit: number;
}

/** How many executions of one workflow there are, by status. */
export interface ExecutionCounts {
  workflow: string;
  executions: number;
  success: number;
  failed: number;
  interrupted: number;
  running: number;
}

export interface WorkflowRunCounts extends ExecutionCounts {
  /** The most recent execution. */
  last: WorkflowExecutionRow;
}

export interface ExecutionTotals extends ExecutionCounts {
  /** Over finished executions; undefined when none finished. */
  averageSeconds: number | undefined;
  minSeconds: number | undefined;
  maxSeconds: number | undefined;
}

export interface TaskTotals {
  workflow: string;
  task: string;
  /** The handler list the task is in; undefined for the workflow's own tasks. */
  handler: HandlerKind | undefined;
  /** Executions in which the task has a row. */
  runs: number;
  /** By each execution's outcome for the task (its final attempt). */
  success: number;
  failed: number;
  skipped: number;
  running: number;
  /** Attempts beyond the first, summed over executions. */
  retries: number;
  /** Of successful attempts; of all finished attempts when none succeeded. */
  averageSeconds: number | undefined;
}

export interface PrunedHistory {
  executions: number;
  tasks: number;
}

/** A recoverer taking an execution over from its dead owner (or resuming an ended one). */
export interface ExecutionTakeOver {
  id: string;
  /** The row as the recoverer saw it: the take-over happens only while it is still so. */
  seen: Pick<WorkflowExecutionRow, "status" | "owner">;
  by: ProcessIdentity;
  /** The error of its attempts left Running: who recovered them. */
  note: string;
  /** It will run again (recorded as trigger `resume`); otherwise it is marked Interrupted next. */
  resume: boolean;
}

/** What keeping the history under `[history] max_size_mb` deleted. */
export interface BudgetPrune {
  executions: number;
  tasks: number;
  /** The deleted executions' log folders, for the caller to remove. */
  logDirs: string[];
  /** Bytes in use before and after. */
  bytesBefore: number;
  bytesAfter: number;
}

export type DaemonLockResult = { acquired: true } | { acquired: false; holder: ProcessIdentity };

/** What a run writes: the execution row, one row per attempt, one per skip. */
export interface ExecutionRecorder {
  createExecution(execution: NewExecution): void;
  finishExecution(id: string, status: WorkflowStatus, finishedAt: Date): void;
  startAttempt(attempt: NewAttempt): void;
  finishAttempt(id: string, result: FinishedAttempt): void;
  /** Records the process an attempt started, committed within milliseconds (recovery kills it by this PID). */
  recordAttemptProcess(id: string, pid: number): void;
  recordSkipped(skip: SkippedTask): void;
  /** Commits the execution's pending rows; throws a StoreError if any of its rows could not be written. */
  settleExecution(executionId: string): void;
  /** Records (or updates the reason of) a task waiting on its gate. */
  recordWaiting(wait: WaitingTask): void;
  /** The task no longer waits (it started or failed); without a task, none of the execution's do. */
  clearWaiting(executionId: string, taskName?: string): void;
  /** A task failed by its gate timeout: one Failed row with attempt 0, as it never started. */
  recordGateFailure(failure: GateFailure): void;
}

/** The history as the inspecting commands, recovery and the daemon read it. */
export interface HistoryReader {
  /** False for a file that is not (yet) a PicoFlow database: empty, or never migrated. */
  hasHistory(): boolean;
  /** By full id, or by a unique prefix or the short id shown in log folder names. */
  findExecution(idOrShort: string): WorkflowExecutionRow | undefined;
  /** Every attempt row of one execution, with its output tails, in the order they started. */
  taskExecutions(executionId: string): TaskExecutionRow[];
  /** The tasks of a running execution waiting on a gate. */
  waitingTasks(executionId: string): WaitingTask[];
  /** Every attempt row of the given executions, without output tails, grouped by execution id. */
  taskSummaries(executionIds: readonly string[]): Map<string, TaskExecutionRow[]>;
  /** Newest first. */
  listExecutions(filter: ExecutionFilter): WorkflowExecutionRow[];
  workflowIsKnown(workflow: string): boolean;
  latestExecution(workflow: string): WorkflowExecutionRow | undefined;
  /** Executions recorded as Running (their owner may since have died), oldest first. */
  runningExecutions(workflow?: string): WorkflowExecutionRow[];
  /** The most recent execution of each workflow, by workflow name. */
  latestExecutionPerWorkflow(workflow?: string): WorkflowExecutionRow[];
  /** Per workflow: its run counts and its latest execution (for `workflow list`). */
  workflowRunCounts(): WorkflowRunCounts[];
  /** Execution counts and durations per workflow since a time. */
  executionTotals(since: Date, workflow?: string): ExecutionTotals[];
  /** Per workflow and task, in the order the tasks first started in the period. */
  taskTotals(since: Date, workflow?: string): TaskTotals[];
  /** The most recent Failed or Interrupted executions of one workflow since a time. */
  failedExecutions(workflow: string, since: Date, limit: number): WorkflowExecutionRow[];
  /** How long the workflow's latest `limit` successful executions took, in seconds, newest first. */
  successfulDurations(workflowName: string, limit: number): number[];
}

/**
 * Everything PicoFlow records and reads; one SQLite implementation, and the only way to the
 * database (no SQL outside src/store/). Safe to share a file between processes.
 */
export interface Store extends ExecutionRecorder, HistoryReader {
  /**
   * Marks an execution whose owner process is dead `Interrupted`, with its `Running` attempts,
   * whose rows get `note`; false when it is no longer Running under that owner.
   */
  markInterrupted(id: string, owner: ProcessIdentity | undefined, note: string): boolean;
  /** Makes `by` the owner of an execution still as it was seen; false when another process changed it first. */
  takeOverExecution(takeOver: ExecutionTakeOver): boolean;
  /** The latest fire time the workflow's schedule handled (fired, caught up or skipped as overlapping). */
  lastFired(workflowName: string): Date | undefined;
  recordFired(workflowName: string, scheduledAt: Date): void;
  /** Missed fire times of a `catchup: all` backlog not yet started, oldest first. */
  catchupBacklog(workflowName: string): Date[];
  /** Replaces them (after `recordFired` of the backlog's newest time); an empty list clears them. */
  recordCatchupBacklog(workflowName: string, times: readonly Date[]): void;
  /** Deletes finished executions that started before `cutoff`, with their task rows. */
  pruneHistory(cutoff: Date): PrunedHistory;
  /**
   * Above `maxBytes` in use, deletes the oldest finished executions (never a running one, nor
   * a workflow's newest) down to `targetBytes` and shrinks the file.
   */
  pruneToBudget(maxBytes: number, targetBytes: number): BudgetPrune;
  /** One daemon per database: takes the lock for `me` unless a live process (per `isAlive`) holds it. */
  acquireDaemonLock(me: ProcessIdentity, isAlive: (holder: ProcessIdentity) => boolean): DaemonLockResult;
  /** Releases the lock if `me` still holds it. */
  releaseDaemonLock(me: ProcessIdentity): void;
  close(): void;
}
