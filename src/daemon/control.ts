/** Finding a running daemon from the outside, and stopping it: what `daemon stop` and `daemon status` need. */
import { isAlive, isZombie, type ProcessIdentity, readStartTicks } from "../util/process-identity.ts";
import type { DaemonPaths } from "./paths.ts";
import { pidFileOwnerAlive, readPidFile, removePidFile } from "./pid-file.ts";
import { type DaemonState, readLiveStateFile } from "./state-file.ts";

const STOP_POLL_MS = 100;

export type DaemonLookup =
  | { kind: "running"; identity: ProcessIdentity; state: DaemonState | undefined }
  | { kind: "not-running"; stalePid: number | undefined; garbledPidFile: boolean };

/**
 * The daemon of these paths: the PID file names it; the state file (beside the database) adds
 * its start ticks and what it runs. A daemon started with another --pid-file is still found
 * through the state file.
 */
export function findDaemon(paths: DaemonPaths): DaemonLookup {
  const state = readLiveStateFile(paths.stateFile);
  const pidFile = readPidFile(paths.pidFile);
  if (pidFile.kind === "found" && pidFileOwnerAlive(pidFile)) {
    const matchingState = state?.pid === pidFile.pid ? state : undefined;
    const startTicks = matchingState?.startTicks ?? readStartTicks(pidFile.pid) ?? "";
    return { kind: "running", identity: { pid: pidFile.pid, startTicks }, state: matchingState };
  }
  if (state) return { kind: "running", identity: { pid: state.pid, startTicks: state.startTicks }, state };
  return {
    kind: "not-running",
    stalePid: pidFile.kind === "found" ? pidFile.pid : undefined,
    garbledPidFile: pidFile.kind === "garbled",
  };
}

/** Alive and not a zombie: a daemon that has exited but whose parent has not reaped it yet is gone. */
export function isRunning(identity: ProcessIdentity): boolean {
  return isAlive(identity) && !isZombie(identity.pid);
}

export type StopResult =
  | { kind: "stopped"; pid: number; waitedMs: number }
  | { kind: "timeout"; pid: number }
  | { kind: "not-running"; removedStalePid: number | undefined; removedGarbled: boolean }
  | { kind: "no-permission"; pid: number };

/** SIGTERM to the daemon, then waits until it has exited (its own clean-up included) or `timeoutMs` passes. */
export async function stopDaemon(paths: DaemonPaths, timeoutMs: number, onSignalled?: (pid: number) => void): Promise<StopResult> {
  const found = findDaemon(paths);
  if (found.kind === "not-running") {
    if (found.stalePid !== undefined || found.garbledPidFile) removePidFile(paths.pidFile);
    return { kind: "not-running", removedStalePid: found.stalePid, removedGarbled: found.garbledPidFile };
  }
  const { identity } = found;
  try {
    process.kill(identity.pid, "SIGTERM");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPERM") return { kind: "no-permission", pid: identity.pid };
    if (code === "ESRCH") return { kind: "stopped", pid: identity.pid, waitedMs: 0 };
    throw error;
  }
  onSignalled?.(identity.pid);
  const started = Date.now();
  while (isRunning(identity)) {
    if (Date.now() - started >= timeoutMs) return { kind: "timeout", pid: identity.pid };
    await Bun.sleep(STOP_POLL_MS);
  }
  return { kind: "stopped", pid: identity.pid, waitedMs: Date.now() - started };
}
