/**
 * The PID file: one line with the daemon's PID, so `kill $(cat picoflow.pid)` and service
 * managers can use it. A PID alone can be reused after a crash or a reboot, so a PID file
 * counts as live only when its process started before the file was written.
 */
import { dirname } from "node:path";
import { FileAccessError, UsageError } from "../errors.ts";
import { openPrivate, ownerOnlyProblem } from "../util/private-files.ts";
import { closeSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { readStartTicks } from "../util/process-identity.ts";

/** Linux reports process start times in USER_HZ, which the kernel ABI fixes at 100 per second. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Boot time has whole-second precision, start ticks 10 ms: allow for both. */
const START_TIME_SLACK_MS = 2000;

export interface PidFileContent {
  pid: number;
  writtenAt: Date;
}

export type PidFileRead = { kind: "missing" } | { kind: "garbled"; text: string } | ({ kind: "found" } & PidFileContent);

export function readPidFile(path: string): PidFileRead {
  let text: string;
  let writtenAt: Date;
  try {
    text = readFileSync(path, "utf8");
    writtenAt = statSync(path).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw pidFileError(path, "read", error);
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return { kind: "garbled", text: text.trim().slice(0, 40) };
  return { kind: "found", pid, writtenAt };
}

function bootTimeMs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("btime "));
    return line ? Number(line.slice("btime ".length)) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** When the process started (wall clock), from /proc; undefined when it does not exist. */
export function processStartedAt(pid: number): Date | undefined {
  const ticks = readStartTicks(pid);
  const boot = bootTimeMs();
  if (ticks === undefined || boot === undefined) return undefined;
  return new Date(boot + (Number(ticks) * 1000) / CLOCK_TICKS_PER_SECOND);
}

/** True when the PID file's process still runs and is the one that wrote it. */
export function pidFileOwnerAlive(content: PidFileContent): boolean {
  const startedAt = processStartedAt(content.pid);
  if (startedAt) return startedAt.getTime() <= content.writtenAt.getTime() + START_TIME_SLACK_MS;
  // No /proc: fall back to "does the PID exist".
  try {
    process.kill(content.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What went wrong with the PID file, as a line naming it; other errors as they are. */
function pidFileError(path: string, action: "read" | "write", error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const cause = { cause: error };
  if (code === "EISDIR") return new UsageError(`PID file ${path} is a folder; --pid-file names a file`, cause);
  const denied = action === "read" ? ownerOnlyProblem(path) : undefined;
  if (denied) return new FileAccessError(`cannot read the daemon's PID file ${path}: ${denied}`, cause);
  const reason =
    code === "ENOENT" ? `folder ${dirname(path)} does not exist`
    : code === "EACCES" || code === "EPERM" ? "permission denied"
    : code === "EROFS" ? "the file system is read-only"
    : code === "ENOSPC" ? "no space left on the device"
    : undefined;
  return reason ? new FileAccessError(`cannot ${action} the PID file ${path}: ${reason}`, cause) : (error as Error);
}

export type PidFileClaim = { claimed: true; replacedStale: number | undefined } | { claimed: false; pid: number };

/** Writes our PID unless a live daemon's PID file is there; a stale one is replaced. */
export function claimPidFile(path: string, pid: number = process.pid): PidFileClaim {
  try {
    // O_EXCL: of two daemons creating the file at once, exactly one succeeds.
    const fd = openPrivate(path, "wx");
    writeSync(fd, `${pid}\n`);
    closeSync(fd);
    return { claimed: true, replacedStale: undefined };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw pidFileError(path, "write", error);
  }
  const current = readPidFile(path);
  if (current.kind === "found" && current.pid !== pid && pidFileOwnerAlive(current)) return { claimed: false, pid: current.pid };
  const temp = `${path}.${pid}.tmp`;
  try {
    const fd = openPrivate(temp, "w");
    writeSync(fd, `${pid}\n`);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw pidFileError(path, "write", error);
  }
  return { claimed: true, replacedStale: current.kind === "found" ? current.pid : undefined };
}

/** Removes the PID file if it still names `pid` (a newer daemon may have replaced it). */
export function releasePidFile(path: string, pid: number = process.pid): void {
  const current = readPidFile(path);
  if (current.kind === "found" && current.pid !== pid) return;
  if (current.kind === "missing") return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Removes a PID file known to be stale. */
export function removePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
