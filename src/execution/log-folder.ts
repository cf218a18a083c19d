/**
 * Where an execution's task logs live, and the short id that names its folder. Shared by the
 * runner, the daemon's retention and the inspecting commands, none of which import the others.
 */
import { dirname, join } from "node:path";
import { toFolderTime } from "../util/time.ts";

/** The short id in log folder names: the random end of the (time-ordered) execution id. */
export function shortId(executionId: string): string {
  return executionId.replaceAll("-", "").slice(-8);
}

/** The `logs/` folder beside the database, holding one folder per workflow. */
export function logsRoot(dbPath: string): string {
  return join(dirname(dbPath), "logs");
}

/** `logs/<workflow>/<YYYY-MM-DD_HHMMSS>_<short id>` beside the database. */
export function logDirFor(dbPath: string, workflow: string, startedAt: Date, executionId: string): string {
  return join(logsRoot(dbPath), workflow, `${toFolderTime(startedAt)}_${shortId(executionId)}`);
}

/** True when `path` is the log folder of the execution (folders end in its short id). */
export function isLogFolderOf(path: string, executionId: string): boolean {
  return path.endsWith(`_${shortId(executionId)}`);
}
