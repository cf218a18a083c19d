import type { FailureKind } from "../executors/types.ts";
import type { ExecutionStatus, WorkflowStatus } from "../engine/status.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";

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
}

export interface FinishedAttempt {
  status: Exclude<ExecutionStatus, "Running" | "Skipped">;
  finishedAt: Date;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error: string | undefined;
  failureKind: FailureKind | undefined;
}

export interface SkippedTask {
  id: string;
  executionId: string;
  taskName: string;
  at: Date;
  reason: string;
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

/** Everything PicoFlow records; one SQLite implementation. Safe to share a file between processes. */
export interface Store {
  createExecution(execution: NewExecution): void;
  /**
   * Marks an execution whose owner process is dead `Interrupted`, with its `Running` attempts;
   * false when it is no longer Running under that owner.
   */
  markInterrupted(id: string, owner: ProcessIdentity | undefined): boolean;
  /** A resumed execution runs again, owned by the process resuming it. */
  reopenExecution(id: string, owner: ProcessIdentity): void;
  finishExecution(id: string, status: WorkflowStatus, finishedAt: Date): void;
  startAttempt(attempt: NewAttempt): void;
  finishAttempt(id: string, result: FinishedAttempt): void;
  /** Records the process an attempt started, committed within milliseconds (recovery kills it by this PID). */
  recordAttemptProcess(id: string, pid: number): void;
  recordSkipped(skip: SkippedTask): void;
  /** Records (or updates the reason of) a task waiting on its gate. */
  recordWaiting(wait: WaitingTask): void;
  /** The task no longer waits (it started or failed); without a task, none of the execution's do. */
  clearWaiting(executionId: string, taskName?: string): void;
  /** A task failed by its gate timeout: one Failed row with attempt 0, as it never started. */
  recordGateFailure(failure: GateFailure): void;
  waitingTasks(executionId: string): WaitingTask[];
  /** The latest fire time the workflow's schedule handled (fired, caught up or skipped as overlapping). */
  lastFired(workflowName: string): Date | undefined;
  recordFired(workflowName: string, scheduledAt: Date): void;
  /** By full id, or by a unique prefix or the short id shown in log folder names. */
  findExecution(idOrShort: string): WorkflowExecutionRow | undefined;
  taskExecutions(executionId: string): TaskExecutionRow[];
  close(): void;
}
