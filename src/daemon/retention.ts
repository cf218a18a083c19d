/**
 * Housekeeping run at start and once a day: run log folders older than `[logs] retention_days`
 * go, then the oldest until the logs fit in `[logs] max_size_mb`; history rows older than
 * `[history] retention_days` are pruned. File work is async so timers keep firing meanwhile.
 */
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../store/types.ts";
import { directoryBytes } from "../util/directory-size.ts";

/** Retention runs at start and then this often. */
export const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000;
const MS_PER_DAY = 24 * 60 * 60 * 1000;
const BYTES_PER_MB = 1024 * 1024;
/** Run folders are named `YYYY-MM-DD_HHMMSS_<short id>` (UTC start time). */
const RUN_FOLDER_TIME = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})(\d{2})_/;

export interface RetentionPolicy {
  logRetentionDays: number | undefined;
  logMaxSizeMb: number | undefined;
  historyRetentionDays: number | undefined;
}

export interface RetentionReport {
  foldersRemovedByAge: number;
  foldersRemovedBySize: number;
  bytesRemoved: number;
  bytesKept: number;
  executionsPruned: number;
  taskRowsPruned: number;
}

interface RunFolder {
  path: string;
  startedAt: Date;
  bytes: number;
}

function folderTime(name: string, mtime: Date): Date {
  const match = RUN_FOLDER_TIME.exec(name);
  if (!match) return mtime;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
}

async function listRunFolders(logsDir: string): Promise<RunFolder[]> {
  const runs: RunFolder[] = [];
  const workflows = await readdir(logsDir, { withFileTypes: true }).catch(() => []);
  for (const workflow of workflows) {
    if (!workflow.isDirectory()) continue;
    const workflowDir = join(logsDir, workflow.name);
    for (const run of await readdir(workflowDir, { withFileTypes: true }).catch(() => [])) {
      if (!run.isDirectory()) continue;
      const path = join(workflowDir, run.name);
      try {
        const info = await stat(path);
        runs.push({ path, startedAt: folderTime(run.name, info.mtime), bytes: await directoryBytes(path) });
      } catch {
        // Removed while we looked.
      }
    }
  }
  return runs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}

/** Applies the log policy to `logsDir`; folders `inUse` (of running executions) are never touched. */
export async function pruneLogs(logsDir: string, policy: RetentionPolicy, now: Date, inUse: (path: string) => boolean): Promise<Omit<RetentionReport, "executionsPruned" | "taskRowsPruned">> {
  const report = { foldersRemovedByAge: 0, foldersRemovedBySize: 0, bytesRemoved: 0, bytesKept: 0 };
  if (policy.logRetentionDays === undefined && policy.logMaxSizeMb === undefined) return report;
  let runs = (await listRunFolders(logsDir)).filter((run) => !inUse(run.path));
  const remove = async (run: RunFolder) => {
    await rm(run.path, { recursive: true, force: true });
    report.bytesRemoved += run.bytes;
    // The workflow's folder goes too once it is empty; rmdir refuses otherwise.
    await rmdir(join(run.path, "..")).catch(() => undefined);
  };
  if (policy.logRetentionDays !== undefined) {
    const cutoff = now.getTime() - policy.logRetentionDays * MS_PER_DAY;
    const old = runs.filter((run) => run.startedAt.getTime() < cutoff);
    for (const run of old) await remove(run);
    report.foldersRemovedByAge = old.length;
    runs = runs.filter((run) => run.startedAt.getTime() >= cutoff);
  }
  let total = runs.reduce((sum, run) => sum + run.bytes, 0);
  if (policy.logMaxSizeMb !== undefined) {
    const limit = policy.logMaxSizeMb * BYTES_PER_MB;
    for (const run of runs) {
      if (total <= limit) break;
      await remove(run);
      total -= run.bytes;
      report.foldersRemovedBySize++;
    }
  }
  report.bytesKept = total;
  return report;
}

/** Logs first, then history rows. */
export async function enforceRetention(
  store: Pick<Store, "pruneHistory">,
  logsDir: string,
  policy: RetentionPolicy,
  now: Date,
  inUse: (path: string) => boolean,
): Promise<RetentionReport> {
  const logs = await pruneLogs(logsDir, policy, now, inUse);
  if (policy.historyRetentionDays === undefined) return { ...logs, executionsPruned: 0, taskRowsPruned: 0 };
  const pruned = store.pruneHistory(new Date(now.getTime() - policy.historyRetentionDays * MS_PER_DAY));
  return { ...logs, executionsPruned: pruned.executions, taskRowsPruned: pruned.tasks };
}
