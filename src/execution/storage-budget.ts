/**
 * `[history] max_size_mb`: after each execution (and when a run or the daemon starts) the
 * database is brought back under its budget, oldest finished executions first, and the log
 * folders of the executions it deleted go with them.
 */
import { rm, rmdir } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import type { Logger } from "../observability/logger.ts";
import type { Store } from "../store/types.ts";
import { logsRoot } from "./log-folder.ts";

const BYTES_PER_MB = 1024 * 1024;
/**
 * Once over budget, prune down to this share of it: a little room, so the next few executions
 * do not each delete and vacuum again (fewer writes to an SD card).
 */
const PRUNE_TARGET_SHARE = 0.9;

export interface StoragePolicy {
  /** `[history] max_size_mb`; undefined: no budget. */
  historyMaxSizeMb: number | undefined;
  /** `[history] output_tail_kb` in bytes: how much of each attempt's output the database keeps. */
  outputTailBytes: number;
}

/** Applies the budget; never throws (a run must not fail because pruning did), logs instead. */
export async function keepHistoryInBudget(store: Pick<Store, "pruneToBudget">, dbPath: string, maxSizeMb: number | undefined, logger: Logger): Promise<void> {
  if (maxSizeMb === undefined) return;
  const maxBytes = maxSizeMb * BYTES_PER_MB;
  try {
    const pruned = store.pruneToBudget(maxBytes, Math.floor(maxBytes * PRUNE_TARGET_SHARE));
    if (pruned.executions === 0) {
      if (pruned.bytesBefore > maxBytes) logger.warn({ db_bytes: pruned.bytesBefore, max_size_mb: maxSizeMb }, "history is over its size budget but nothing more can be pruned (running executions and each workflow's newest are kept)");
      return;
    }
    const root = logsRoot(dbPath);
    for (const dir of pruned.logDirs) await removeLogFolder(root, dir);
    logger.info(
      { executions_pruned: pruned.executions, task_rows_pruned: pruned.tasks, db_bytes_before: pruned.bytesBefore, db_bytes_after: pruned.bytesAfter, max_size_mb: maxSizeMb },
      "history pruned to its size budget",
    );
  } catch (error) {
    logger.error({ err: error, max_size_mb: maxSizeMb }, "could not keep the history under its size budget");
  }
}

/** Removes a run folder, and its workflow folder once empty; only ever inside `logs/`. */
async function removeLogFolder(root: string, dir: string): Promise<void> {
  const path = resolve(dir);
  const inside = relative(root, path);
  if (inside === "" || inside.startsWith("..") || !inside.includes(sep)) return;
  await rm(path, { recursive: true, force: true });
  await rmdir(dirname(path)).catch(() => undefined);
}
