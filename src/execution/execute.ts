/**
 * Runs one workflow execution end to end: records it, opens its log folder, runs the engine
 * and fans the events out. Shared by `run`, `run --resume` and the daemon.
 */
import { OUTPUT_TAIL_BYTES } from "../config/defaults.ts";
import { keepHistoryInBudget, type StoragePolicy } from "./storage-budget.ts";
import { systemClock } from "../engine/clock.ts";
import type { RunEventListener } from "../engine/events.ts";
import { type PriorProgress, runWorkflow, type WorkflowOutcome } from "../engine/run-workflow.ts";
import { disposeExecutors } from "../executors/index.ts";
import { logFileOutputs, taskLogPath } from "../executors/output.ts";
import type { ExecutorRegistry } from "../executors/types.ts";
import { type Logger, logEvents } from "../observability/logger.ts";
import { recordEvents } from "../store/recorder.ts";
import type { ExecutionTrigger, Store } from "../store/types.ts";
import type { StartGate } from "../engine/gate-wait.ts";
import { guardRecording } from "./recording-guard.ts";
import { currentProcess } from "../util/process-identity.ts";
import { logDirFor } from "./log-folder.ts";
import type { RecoveredExecution } from "./recover.ts";
import type { Workflow } from "../workflow/model.ts";

export interface ExecuteOptions {
  workflow: Workflow;
  store: Store;
  /** Log folders go in `logs/` beside this database. */
  dbPath: string;
  maxTaskLogBytes: number;
  /** Cap on a kept task output (`[history] output_max_kb`). */
  outputMaxBytes: number;
  /** `[history] max_size_mb` and `output_tail_kb`; without it: no budget, the default tail. */
  storage?: StoragePolicy;
  /** This run's executors (defaultExecutors()); disposed when the run ends, so never share them. */
  executors: ExecutorRegistry;
  logger: Logger;
  /** Consumers of the run's events besides the store and the logger (terminal progress, metrics). */
  listeners: RunEventListener[];
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  /** Resource gates: asked before each attempt (undefined: tasks never wait). */
  gate: StartGate | undefined;
  /** Stops handler tasks; without one, `signal` does (see EngineDeps). */
  handlerSignal?: AbortSignal | undefined;
  /** Called once the execution has its id, before any task starts. */
  onExecutionId?: (id: string) => void;
}

export interface ExecutionResult extends WorkflowOutcome {
  executionId: string;
}

/** How a new execution came about: by hand, or for one of its schedule's fire times. */
export type ExecutionStart =
  | { trigger: "manual" }
  | { trigger: Extract<ExecutionTrigger, "schedule" | "catchup">; scheduledFor: Date };

/** Starts a new execution of the workflow. */
export function executeWorkflow(options: ExecuteOptions, start: ExecutionStart = { trigger: "manual" }): Promise<ExecutionResult> {
  const executionId = Bun.randomUUIDv7();
  const startedAt = new Date();
  const logDir = logDirFor(options.dbPath, options.workflow.name, startedAt, executionId);
  options.store.createExecution({
    id: executionId,
    workflowName: options.workflow.name,
    workflowFile: options.workflow.sourceFile,
    startedAt,
    logDir,
    owner: currentProcess(),
    trigger: start.trigger,
    scheduledFor: start.trigger === "manual" ? undefined : start.scheduledFor,
  });
  return drive(options, executionId, logDir, undefined);
}

/** Runs again what did not succeed in an earlier execution, under the same id, once recoverExecution took it over. */
export function resumeExecution(options: ExecuteOptions, { execution }: RecoveredExecution): Promise<ExecutionResult> {
  const rows = options.store.taskExecutions(execution.id);
  // Handlers run again after every ending, so only the workflow's own tasks count as done.
  const succeeded = new Set(rows.filter((row) => row.status === "Success" && row.handler === undefined).map((row) => row.taskName));
  const attempts = new Map<string, number>();
  for (const row of rows) attempts.set(row.taskName, Math.max(attempts.get(row.taskName) ?? 0, row.attempt));
  const outputs = new Map<string, string>();
  for (const row of rows) if (row.output !== undefined && succeeded.has(row.taskName)) outputs.set(row.taskName, row.output);
  const logDir = execution.logDir ?? logDirFor(options.dbPath, execution.workflowName, execution.startedAt, execution.id);
  return drive(options, execution.id, logDir, { succeeded, attempts, outputs });
}

async function drive(options: ExecuteOptions, executionId: string, logDir: string, prior: PriorProgress | undefined): Promise<ExecutionResult> {
  options.onExecutionId?.(executionId);
  await keepHistoryInBudget(options.store, options.dbPath, options.storage?.historyMaxSizeMb, options.logger);
  const recording = guardRecording(options.store, options.dbPath, executionId, recordEvents(options.store, (task) => taskLogPath(logDir, task)), options.logger);
  const listeners = [recording.listener, logEvents(options.logger), ...options.listeners];
  const onEvent: RunEventListener = (event) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        // One broken consumer (a full disk, a closed terminal) must not stop the run.
        options.logger.error({ err: error, event: event.type }, "could not process run event");
      }
    }
  };
  let outcome: WorkflowOutcome;
  try {
    outcome = await runWorkflow(
      { workflow: options.workflow, executionId, logDir, ...(prior ? { prior } : {}) },
      {
        executors: options.executors,
        openOutput: logFileOutputs({ runDir: logDir, maxFileBytes: options.maxTaskLogBytes, tailBytes: options.storage?.outputTailBytes ?? OUTPUT_TAIL_BYTES, now: () => new Date() }),
        clock: systemClock,
        onEvent,
        env: options.env,
        signal: options.signal,
        gate: options.gate,
        handlerSignal: options.handlerSignal,
        outputMaxBytes: options.outputMaxBytes,
      },
    );
  } catch (error) {
    // Whatever broke, the execution must not stay Running for ever.
    recording.abandon();
    throw error;
  } finally {
    // Pooled SSH connections would otherwise keep the process alive after the run.
    await disposeExecutors(options.executors);
  }
  recording.settle();
  await keepHistoryInBudget(options.store, options.dbPath, options.storage?.historyMaxSizeMb, options.logger);
  return { executionId, ...outcome };
}
