/**
 * After PicoFlow itself dies (kill -9, power cut with processes surviving in a container),
 * the tasks it started may still run. Before such an execution is resumed, their process
 * groups are killed, so a task never runs twice at once.
 */
import type { TaskExecutionRow } from "../store/types.ts";
import { type ProcessIdentity, readStartTicks } from "../util/process-identity.ts";

/** True only when the very process recorded is still there (same PID and start time). */
function stillRunning(process: ProcessIdentity): boolean {
  return process.startTicks !== "" && readStartTicks(process.pid) === process.startTicks;
}

/** Kills the process group of every recorded attempt whose leader still runs; returns how many. */
export function killLeftoverProcesses(rows: readonly TaskExecutionRow[]): number {
  let killed = 0;
  for (const row of rows) {
    if (!row.process || !stillRunning(row.process)) continue;
    try {
      // Shell tasks lead their own process group (spawned detached), so -pid reaches all they forked.
      process.kill(-row.process.pid, "SIGKILL");
      killed++;
    } catch {
      // Gone between the check and the kill.
    }
  }
  return killed;
}
