/** Where a daemon keeps its files: all beside the database unless told otherwise. */
import { dirname, join, resolve } from "node:path";

export const PID_FILE_NAME = "picoflow.pid";
export const STATE_FILE_NAME = "picoflow-daemon.json";
export const LOG_FILE_NAME = "picoflow.log";

export interface DaemonPaths {
  pidFile: string;
  /** What the daemon publishes for `daemon status` and `workflow list`. */
  stateFile: string;
  /** Where a daemon started in the background writes its logs. */
  logFile: string;
}

export function daemonPaths(dbPath: string, pidFile?: string): DaemonPaths {
  const dir = dirname(resolve(dbPath));
  return {
    pidFile: pidFile ? resolve(pidFile) : join(dir, PID_FILE_NAME),
    stateFile: join(dir, STATE_FILE_NAME),
    logFile: join(dir, LOG_FILE_NAME),
  };
}
