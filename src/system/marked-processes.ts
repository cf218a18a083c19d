/**
 * The processes carrying an execution's task markers, read from /proc/<pid>/environ. A process
 * keeps the environment it started with, and whatever a task forks inherits it, so this finds
 * a task's processes even when their PIDs were never recorded.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXECUTION_ID_VARIABLE, TASK_VARIABLE } from "../util/task-markers.ts";

export interface MarkedProcess {
  pid: number;
  task: string | undefined;
}

/** Every process (other than this one) whose environment names exactly this execution. */
export function processesOfExecution(executionId: string, procRoot = "/proc"): MarkedProcess[] {
  const wanted = `${EXECUTION_ID_VARIABLE}=${executionId}`;
  const taskPrefix = `${TASK_VARIABLE}=`;
  const found: MarkedProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      // Readable for our own processes (and all of them as root); others are not ours to kill.
      environ = readFileSync(join(procRoot, entry, "environ"), "latin1");
    } catch {
      continue;
    }
    const variables = environ.split("\0");
    if (!variables.includes(wanted)) continue;
    const task = variables.find((variable) => variable.startsWith(taskPrefix))?.slice(taskPrefix.length);
    found.push({ pid: Number(entry), task });
  }
  return found;
}
