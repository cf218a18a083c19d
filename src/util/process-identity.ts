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

/** /proc/<pid>/stat from field 3 on (state, ppid, pgrp, ...), or undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses; fields after its last ')' are plain.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** A process that has exited and waits to be reaped: it runs nothing. False when unknown. */
export function isZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === "Z" || state === "X";
}

/** True while `pid` exists in /proc and is not a zombie. */
export function isRunning(pid: number): boolean {
  return statFields(pid) !== undefined && !isZombie(pid);
}

export function readStartTicks(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Linux counts process start times in USER_HZ ticks, 100 a second on every architecture PicoFlow runs on. */
const TICKS_PER_SECOND = 100;

function bootTimeSeconds(): number | undefined {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When `pid` started (wall clock, to about a second), provided it leads its own process group
 * as task processes do; undefined otherwise or when it does not exist.
 */
export function groupLeaderStartedAt(pid: number): Date | undefined {
  const fields = statFields(pid);
  if (!fields || fields[2] !== String(pid)) return undefined;
  const boot = bootTimeSeconds();
  const ticks = Number(fields[19]);
  if (boot === undefined || !Number.isFinite(ticks)) return undefined;
  return new Date((boot + ticks / TICKS_PER_SECOND) * 1000);
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
