import type { FailureKind } from "../executors/types.ts";
import type { HandlerKind } from "../workflow/model.ts";
import type { AttemptStatus, WorkflowStatus } from "./status.ts";

export interface RunSummary {
  total: number;
  succeeded: number;
  /** Failed for good. */
  failed: number;
  /** Failed, but marked continue_on_failure, so they did not fail the workflow. */
  tolerated: number;
  skipped: number;
  /** Interrupted, or never started because the run was interrupted. */
  unfinished: number;
}

/** Everything the engine reports; the store, logger, metrics and terminal each consume these. */
export type RunEvent =
  | { type: "workflow-started"; executionId: string; workflow: string; at: Date; resumed: boolean }
  | {
      type: "attempt-started";
      executionId: string;
      workflow: string;
      task: string;
      attempt: number;
      maxAttempt: number;
      at: Date;
      /** Set when the task is one of the workflow's handlers. */
      handler: HandlerKind | undefined;
    }
  | {
      type: "attempt-finished";
      executionId: string;
      workflow: string;
      task: string;
      attempt: number;
      maxAttempt: number;
      status: AttemptStatus;
      exitCode: number | null;
      failureKind: FailureKind | undefined;
      error: string | undefined;
      stdoutTail: string;
      stderrTail: string;
      /** Something that went wrong beside the task's own result (its log file could not be written). */
      warning?: string | undefined;
      /** The kept output of a successful `output: true` attempt. */
      output: string | undefined;
      handler: HandlerKind | undefined;
      startedAt: Date;
      at: Date;
      /** No attempt follows this one. */
      final: boolean;
    }
  | { type: "attempt-process"; executionId: string; workflow: string; task: string; attempt: number; pid: number }
  | { type: "retry-scheduled"; executionId: string; workflow: string; task: string; nextAttempt: number; maxAttempt: number; delayMs: number }
  | { type: "task-skipped"; executionId: string; workflow: string; task: string; blockedBy: string; at: Date; handler: HandlerKind | undefined }
  /** Its dependencies are done but a resource gate is closed: no attempt yet. Sent again (`at` after `since`) when the reason changes. */
  | { type: "task-waiting"; executionId: string; workflow: string; task: string; reason: string; since: Date; at: Date }
  /** Its gate stayed closed for the whole gate timeout: the task failed without an attempt. */
  | { type: "task-gate-failed"; executionId: string; workflow: string; task: string; error: string; since: Date; at: Date }
  | {
      type: "workflow-finished";
      executionId: string;
      workflow: string;
      status: WorkflowStatus;
      startedAt: Date;
      at: Date;
      summary: RunSummary;
    };

export type RunEventListener = (event: RunEvent) => void;
