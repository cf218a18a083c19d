/**
 * After PicoFlow itself dies (kill -9, a crash, an OOM kill outside systemd), the tasks it
 * started may still run. Before such an execution is resumed their process groups are killed,
 * so a task never runs twice at once.
 */
import type { TaskExecutionRow } from "../store/types.ts";
import { groupLeaderStartedAt } from "../util/process-identity.ts";

/**
 * A live process counts as the attempt's own when it leads its own group and started within
 * this window around the attempt's recorded start: a reused PID would have to be a group
 * leader started in the same few seconds. (Boot time is known to the second.)
 */
const STARTED_BEFORE_ATTEMPT_MS = 2_000;
const STARTED_AFTER_ATTEMPT_MS = 10_000;

function isAttemptProcess(row: TaskExecutionRow, pid: number): boolean {
  const started = groupLeaderStartedAt(pid);
  if (!started) return false;
  const offset = started.getTime() - row.startedAt.getTime();
  return offset >= -STARTED_BEFORE_ATTEMPT_MS && offset <= STARTED_AFTER_ATTEMPT_MS;
}

/** Kills the process group of every recorded attempt whose process still runs; returns how many. */
export function killLeftoverProcesses(rows: readonly TaskExecutionRow[]): number {
  let killed = 0;
  for (const row of rows) {
    if (row.processPid === undefined || !isAttemptProcess(row, row.processPid)) continue;
    try {
      // Shell tasks lead their own process group (spawned detached), so -pid reaches all they forked.
      process.kill(-row.processPid, "SIGKILL");
      killed++;
    } catch {
      // Gone between the check and the kill.
    }
  }
  return killed;
}
