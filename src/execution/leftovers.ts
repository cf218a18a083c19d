/**
 * After PicoFlow itself dies (kill -9, a crash, an OOM kill outside systemd), the tasks it
 * started may still run. Before such an execution is resumed they are killed, so a task never
 * runs twice at once: the process groups of the attempts whose PIDs were recorded, and every
 * process carrying the execution's marker in its environment, which also finds a task started
 * in the last milliseconds before the crash, whose PID was still waiting to be committed.
 */
import type { TaskExecutionRow } from "../store/types.ts";
import { type MarkedProcess, processesOfExecution } from "../system/marked-processes.ts";
import { groupLeaderStartedAt, isRunning } from "../util/process-identity.ts";

/**
 * A live process counts as the attempt's own when it leads its own group and started within
 * this window around the attempt's recorded start: a reused PID would have to be a group
 * leader started in the same few seconds. (Boot time is known to the second.)
 */
const STARTED_BEFORE_ATTEMPT_MS = 2_000;
const STARTED_AFTER_ATTEMPT_MS = 10_000;
/** How long to wait for killed processes to be gone (SIGKILL lands at once unless a process sits in the kernel). */
const DEATH_WAIT_MS = 5_000;
const DEATH_POLL_MS = 10;

function isAttemptProcess(row: TaskExecutionRow, pid: number): boolean {
  const started = groupLeaderStartedAt(pid);
  if (!started) return false;
  const offset = started.getTime() - row.startedAt.getTime();
  return offset >= -STARTED_BEFORE_ATTEMPT_MS && offset <= STARTED_AFTER_ATTEMPT_MS;
}

export interface LeftoverSources {
  /** The execution's attempt rows (their recorded PIDs). */
  rows: readonly TaskExecutionRow[];
  /** The execution whose marked processes are killed; only ever one whose owner is dead. */
  executionId: string;
  /** Finds marked processes; /proc by default. */
  find?: (executionId: string) => MarkedProcess[];
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false; // Gone between the check and the kill.
  }
}

/** Kills everything the dead owner left of the execution; resolves, once they are gone, with how many it killed. */
export async function killLeftovers({ rows, executionId, find = processesOfExecution }: LeftoverSources): Promise<number> {
  const killed = new Set<number>();
  for (const row of rows) {
    // Shell tasks lead their own process group (spawned detached), so -pid reaches all they forked.
    if (row.processPid !== undefined && isAttemptProcess(row, row.processPid) && kill(-row.processPid)) killed.add(row.processPid);
  }
  // Marked processes: those above that survived a group kill, forked ones that left the group, unrecorded ones.
  for (const { pid } of find(executionId)) {
    if (isRunning(pid) && (kill(-pid) || kill(pid))) killed.add(pid);
  }
  const deadline = Date.now() + DEATH_WAIT_MS;
  while ([...killed].some(isRunning) && Date.now() < deadline) await Bun.sleep(DEATH_POLL_MS);
  return killed.size;
}
