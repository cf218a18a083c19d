/**
 * Crash recovery, one path for the daemon at start and for `run --resume`: an execution whose
 * owner process is gone (checked by PID and start time, so a live `picoflow run` is never
 * touched) is taken over, what the dead owner left running is killed once, its unfinished
 * attempts are marked Interrupted with a note saying who recovered them, and it is handed
 * back to be resumed (or, when it will not be, left Interrupted).
 */
import type { Logger } from "../observability/logger.ts";
import type { Store, WorkflowExecutionRow } from "../store/types.ts";
import type { MarkedProcess } from "../system/marked-processes.ts";
import { currentProcess, isAlive, type ProcessIdentity } from "../util/process-identity.ts";
import { killLeftovers } from "./leftovers.ts";

/** Who recovered an execution; said in the note on its interrupted attempts. */
export type Recoverer = "daemon start" | "run --resume" | "resume request";

/** An execution this process now owns, ready to resume; only recoverExecution makes one. */
export interface RecoveredExecution {
  readonly execution: WorkflowExecutionRow;
  /** Processes of the dead owner that were killed. */
  readonly killed: number;
}

export type Recovery =
  | { kind: "recovered"; recovered: RecoveredExecution }
  /** Its owner still runs it: nothing was touched. */
  | { kind: "owner-alive"; owner: ProcessIdentity }
  /** Another process took it over (or finished it) first. */
  | { kind: "taken" };

export interface RecoveryOptions {
  by: Recoverer;
  /** False: the caller will not run it (the daemon has not loaded its workflow); it stays Interrupted. */
  resume: boolean;
  logger: Logger;
  /** Seams for tests; the real process table by default. */
  me?: ProcessIdentity;
  alive?: (owner: ProcessIdentity) => boolean;
  findProcesses?: (executionId: string) => MarkedProcess[];
}

const RECOVERED_BY: Record<Recoverer, string> = {
  "daemon start": "recovered at daemon start",
  "run --resume": "recovered by run --resume",
  "resume request": "recovered by a resume request to the daemon",
};

export function recoveryNote(by: Recoverer): string {
  return `interrupted: the process running it stopped without finishing (${RECOVERED_BY[by]})`;
}

/** The process still running the execution, if one is: such an execution is not recovered. */
export function liveOwner(execution: WorkflowExecutionRow, alive: (owner: ProcessIdentity) => boolean = isAlive): ProcessIdentity | undefined {
  return execution.status === "Running" && execution.owner && alive(execution.owner) ? execution.owner : undefined;
}

export async function recoverExecution(store: Store, execution: WorkflowExecutionRow, options: RecoveryOptions): Promise<Recovery> {
  const owner = liveOwner(execution, options.alive);
  if (owner) return { kind: "owner-alive", owner };
  const me = options.me ?? currentProcess();
  const note = recoveryNote(options.by);
  // Ours from here: no other recoverer can take it, so whatever carries its marker is the dead owner's.
  if (!store.takeOverExecution({ id: execution.id, seen: execution, by: me, note, resume: options.resume })) return { kind: "taken" };
  const killed = await killLeftovers({
    rows: store.taskExecutions(execution.id),
    executionId: execution.id,
    ...(options.findProcesses ? { find: options.findProcesses } : {}),
  });
  if (killed > 0) {
    options.logger.warn(
      { execution_id: execution.id, workflow: execution.workflowName, dead_owner_pid: execution.owner?.pid, killed, recovered_by: options.by },
      "killed task processes the dead owner left running",
    );
  }
  if (!options.resume) store.markInterrupted(execution.id, me, note);
  const status = options.resume ? "Running" : "Interrupted";
  return { kind: "recovered", recovered: { execution: { ...execution, status, owner: me }, killed } };
}
