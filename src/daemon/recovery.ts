/**
 * Crash recovery at daemon start: an execution still `Running` whose owner process is gone
 * (checked by PID and start time, so a live `picoflow run` is never touched) becomes
 * `Interrupted`, with its running task rows. The daemon then resumes those whose workflow
 * it has loaded.
 */
import type { Store, WorkflowExecutionRow } from "../store/types.ts";
import { isAlive, type ProcessIdentity } from "../util/process-identity.ts";

/** Marks every orphaned execution `Interrupted` and returns them (as they were before, oldest first). */
export function interruptOrphans(store: Store, alive: (owner: ProcessIdentity) => boolean = isAlive): WorkflowExecutionRow[] {
  const orphans: WorkflowExecutionRow[] = [];
  for (const execution of store.runningExecutions()) {
    if (execution.owner && alive(execution.owner)) continue;
    if (store.markInterrupted(execution.id, execution.owner, "interrupted: the process running it stopped without finishing (recovered at daemon start)")) orphans.push({ ...execution, status: "Interrupted" });
  }
  return orphans;
}
