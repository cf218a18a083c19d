/**
 * What the dashboard needs from the daemon that serves it: the history (read only, through
 * the store), the loaded workflows with their next runs, facts about the daemon itself, and
 * the two state changes it may ask for. The daemon implements it; tests can run a real one.
 */
import type { HistoryReader, WorkflowExecutionRow } from "../store/types.ts";
import type { BoardReadings } from "../system/board.ts";
import type { Workflow } from "../workflow/model.ts";

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
  /** Read-only history, all through the store's reading methods. */
  reads: HistoryReader;
  workflows(): LoadedWorkflow[];
  facts(): DaemonFacts;
  /** The board's health readings (temperature, throttling, free disk); undefined when not read. */
  board(): BoardReadings | undefined;
  /** False for an execution recorded Running whose process is gone. */
  isLive(execution: WorkflowExecutionRow): boolean;
  runNow(workflow: string): StartOutcome;
  resume(executionId: string): StartOutcome;
}
