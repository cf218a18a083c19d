/**
 * What the dashboard needs from the daemon that serves it: the history (read only, through
 * the store), the loaded workflows with their next runs, facts about the daemon itself, and
 * the two state changes it may ask for. The daemon implements it; tests can run a real one.
 */
import type { ExecutionStatus } from "../engine/status.ts";
import type { ExecutionTotals } from "../store/queries.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import type { BoardReadings } from "../system/board.ts";
import type { Workflow } from "../workflow/model.ts";

export interface HistoryFilter {
  workflow?: string | undefined;
  status?: ExecutionStatus | undefined;
  since?: Date | undefined;
  limit: number;
}

/** Read-only history, all through Store methods. */
export interface DashboardReads {
  listExecutions(filter: HistoryFilter): WorkflowExecutionRow[];
  /** By full id, unique prefix or short id. */
  findExecution(idOrShort: string): WorkflowExecutionRow | undefined;
  /** Every attempt row with its output tails, in start order. */
  taskExecutions(executionId: string): TaskExecutionRow[];
  latestExecutionPerWorkflow(): WorkflowExecutionRow[];
  executionTotals(since: Date): ExecutionTotals[];
}

export interface LoadedWorkflow {
  workflow: Workflow;
  nextRun: Date | undefined;
}

export interface DaemonFacts {
  pid: number;
  version: string;
  startedAt: Date;
  memoryBytes: number;
}

/** The answer to "run now" and "resume". */
export type StartOutcome =
  | { kind: "started"; executionId: string }
  | { kind: "not-found"; message: string }
  | { kind: "conflict"; message: string };

export interface DashboardHost {
  reads: DashboardReads;
  workflows(): LoadedWorkflow[];
  facts(): DaemonFacts;
  /** The board's health readings (temperature, throttling, free disk); undefined when not read. */
  board(): BoardReadings | undefined;
  /** False for an execution recorded Running whose process is gone. */
  isLive(execution: WorkflowExecutionRow): boolean;
  runNow(workflow: string): StartOutcome;
  resume(executionId: string): StartOutcome;
}
