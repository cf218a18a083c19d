/**
 * Crash recovery at daemon start: an execution still `Running` whose owner process is gone
 * (checked by PID and start time, so a live `picoflow run` is never touched) becomes
 * `Interrupted`, with its running task rows. The daemon then resumes those whose workflow
 * it has loaded.
 */
import type { Database } from "bun:sqlite";
import { markInterrupted, runningExecutions } from "../store/recovery.ts";
import type { WorkflowExecutionRow } from "../store/types.ts";
import { isAlive, type ProcessIdentity } from "../util/process-identity.ts";

/** Marks every orphaned execution `Interrupted` and returns them (as they were before, oldest first). */
export function interruptOrphans(db: Database, alive: (owner: ProcessIdentity) => boolean = isAlive): WorkflowExecutionRow[] {
  const orphans: WorkflowExecutionRow[] = [];
  for (const execution of runningExecutions(db)) {
    if (execution.owner && alive(execution.owner)) continue;
    if (markInterrupted(db, execution.id, execution.owner)) orphans.push({ ...execution, status: "Interrupted" });
  }
  return orphans;
}
