/**
 * What a running daemon publishes for `daemon status` and `workflow list`: a small JSON file
 * beside the database, rewritten atomically (temp file + rename), so readers never see half
 * of it. Times are ISO 8601 UTC strings.
 */
import type { BoardPaths } from "../system/board.ts";
import { closeSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { openPrivate } from "../util/private-files.ts";
import { isAlive } from "../util/process-identity.ts";

export interface DaemonWorkflowState {
  name: string;
  /** Absolute path of the workflow file. */
  file: string;
  /** The cron expression, or null for a workflow loaded without one (resumable, never fired). */
  schedule: string | null;
  timezone: string | null;
  /** Next fire time, or null when there is none. */
  nextRun: string | null;
  /** Missed fire times still to be caught up, one after another (0 when absent: older daemons). */
  catchupQueued: number;
}

export interface DaemonRunningState {
  workflow: string;
  executionId: string;
  startedAt: string;
}

export interface DaemonState {
  pid: number;
  /** With `pid`, identifies the process even if the PID is reused (/proc/<pid>/stat field 22). */
  startTicks: string;
  version: string;
  startedAt: string;
  dbPath: string;
  pidFile: string;
  /** The log file when the daemon runs in the background, else null (logs go to stderr). */
  logFile: string | null;
  /** The actual /metrics address (a configured port 0 picks a free one), or null when metrics are off. */
  metricsUrl: string | null;
  metricsPort: number | null;
  /** The dashboard's address (`/` on the metrics listener), or null when it is off; absent from older daemons. */
  dashboardUrl?: string | null;
  workflows: DaemonWorkflowState[];
  running: DaemonRunningState[];
  /** Why no schedule fires while the clock is not trusted (`[daemon] clock_sync`), else null. */
  waitingForClock: string | null;
  /** Resident memory of the daemon process (VmRSS) when the file was written; readers on this machine read /proc instead. */
  memoryBytes: number;
  /** The `[system]` paths the daemon reads, so `daemon status` reads the same files (absent from older daemons). */
  board?: BoardPaths;
  updatedAt: string;
}

export function writeStateFile(path: string, state: DaemonState): void {
  const temp = `${path}.${state.pid}.tmp`;
  const fd = openPrivate(temp, "w");
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

export function removeStateFile(path: string, pid: number = process.pid): void {
  const current = readStateFile(path);
  if (current && current.pid !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** A workflow entry as written by some daemon version; entries without a name are dropped. */
function workflowEntry(item: unknown): DaemonWorkflowState[] {
  const entry = item as Partial<Record<keyof DaemonWorkflowState, unknown>> | null;
  const name = text(entry?.name);
  const queued = entry?.catchupQueued;
  const catchupQueued = typeof queued === "number" && Number.isInteger(queued) && queued > 0 ? queued : 0;
  return name ? [{ name, file: text(entry?.file) ?? "", schedule: text(entry?.schedule), timezone: text(entry?.timezone), nextRun: text(entry?.nextRun), catchupQueued }] : [];
}

/**
 * The one parser of the state file: as written, whether or not its daemon still runs;
 * undefined if missing, unreadable or without a valid PID. Its lists are checked entry by
 * entry, so a file from another version (or a damaged one) never breaks a reader.
 */
export function readStateFile(path: string): DaemonState | undefined {
  let parsed: Partial<Record<keyof DaemonState, unknown>> | null;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed?.pid !== "number" || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
  const state = parsed as DaemonState;
  return {
    ...state,
    startTicks: text(parsed.startTicks) ?? "",
    workflows: (Array.isArray(parsed.workflows) ? parsed.workflows : []).flatMap(workflowEntry),
    running: Array.isArray(parsed.running) ? state.running : [],
  };
}

/** The state file of a daemon that still runs; undefined when none does (a daemon killed with SIGKILL leaves its file). */
export function readLiveStateFile(path: string): DaemonState | undefined {
  const state = readStateFile(path);
  return state && isAlive({ pid: state.pid, startTicks: state.startTicks }) ? state : undefined;
}
