import type { FailureKind } from "../executors/types.ts";
import type { ExecutionStatus, WorkflowStatus } from "../engine/status.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";

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
  /** By full id, or by a unique prefix or the short id shown in log folder names. */
  findExecution(idOrShort: string): WorkflowExecutionRow | undefined;
  taskExecutions(executionId: string): TaskExecutionRow[];
  close(): void;
}
