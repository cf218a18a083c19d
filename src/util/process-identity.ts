/**
 * A process is identified by its PID and its start time, so a recycled PID is never taken
 * for the process that recorded an execution.
 */
import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); "" where /proc is missing. */
  startTicks: string;
}

export function readStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses; fields after its last ')' are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTicks: readStartTicks(process.pid) ?? "" };
}

/** True when the process that recorded `identity` still runs. */
export function isAlive(identity: ProcessIdentity): boolean {
  const ticks = readStartTicks(identity.pid);
  if (ticks !== undefined) return identity.startTicks === "" || ticks === identity.startTicks;
  try {
    process.kill(identity.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
