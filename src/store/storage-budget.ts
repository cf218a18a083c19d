/**
 * SQL for `[history] max_size_mb`: delete the oldest finished executions until the database
 * fits, then hand the freed pages back to the file system (incremental vacuum + a truncating
 * WAL checkpoint), so an SD card never fills with history.
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import type { BudgetPrune } from "./types.ts";

/** SQLite's PRAGMA auto_vacuum value for INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;
/** Never delete more than this many executions in one transaction: the lock stays short. */
const MAX_BATCH = 500;

const pragma = (db: Database, name: string): number => Object.values(db.query(`PRAGMA ${name}`).get() as Record<string, number>)[0] as number;

/** Bytes the database's rows occupy (pages in use; free pages are about to be released). */
export function usedBytes(db: Database): number {
  return (pragma(db, "page_count") - pragma(db, "freelist_count")) * pragma(db, "page_size");
}

/**
 * Makes free pages releasable. A new file only needs the setting before its first table; an
 * existing one needs one VACUUM to switch (it rewrites the file, so it is done once).
 * Best effort: a busy or full disk leaves the file as it is, and the next open tries again.
 */
export function ensureIncrementalVacuum(db: Database): void {
  if (pragma(db, "auto_vacuum") === AUTO_VACUUM_INCREMENTAL) return;
  try {
    db.run(`PRAGMA auto_vacuum = ${AUTO_VACUUM_INCREMENTAL}`);
    if (pragma(db, "page_count") > 0) db.run("VACUUM");
  } catch {
    // Pruning still deletes rows without it; only the file does not shrink yet.
  }
}

/**
 * When more than `maxBytes` are in use, deletes the oldest finished executions (with their
 * task rows and gate waits) until at most `targetBytes` are, then releases the free pages.
 * Running executions, and the newest execution of each workflow, are never deleted.
 */
export function pruneToBudget(db: Database, maxBytes: number, targetBytes: number): BudgetPrune {
  const before = usedBytes(db);
  const result: BudgetPrune = { executions: 0, tasks: 0, logDirs: [], bytesBefore: before, bytesAfter: before };
  if (before <= maxBytes) return result;
  try {
    for (let used = before; used > targetBytes; used = usedBytes(db)) {
      const finished = (db.query("SELECT COUNT(*) AS n FROM workflow_executions WHERE status <> 'Running'").get() as { n: number }).n;
      // As many as the excess is of the whole, assuming executions of similar size; the loop corrects.
      const batch = Math.min(MAX_BATCH, Math.max(1, Math.ceil((finished * (used - targetBytes)) / used)));
      const deleted = deleteOldest(db, batch);
      if (deleted.executions === 0) break;
      result.executions += deleted.executions;
      result.tasks += deleted.tasks;
      result.logDirs.push(...deleted.logDirs);
    }
    if (result.executions > 0) {
      db.run("PRAGMA incremental_vacuum");
      // The file shrinks only when the WAL is written back; a reader in the way just delays it.
      db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  } catch (error) {
    throw new StoreError(`could not keep the history under its size budget: ${(error as Error).message}`, { cause: error });
  }
  result.bytesAfter = usedBytes(db);
  return result;
}

function deleteOldest(db: Database, limit: number): Omit<BudgetPrune, "bytesBefore" | "bytesAfter"> {
  return db
    .transaction(() => {
      const victims = db
        .query(
          `SELECT id, log_dir FROM workflow_executions AS w
            WHERE status <> 'Running'
              AND started_at < (SELECT MAX(started_at) FROM workflow_executions WHERE workflow_name = w.workflow_name)
            ORDER BY started_at LIMIT ?`,
        )
        .all(limit) as { id: string; log_dir: string | null }[];
      if (victims.length === 0) return { executions: 0, tasks: 0, logDirs: [] };
      const ids = JSON.stringify(victims.map((victim) => victim.id));
      const inVictims = "IN (SELECT value FROM json_each(?))";
      // Child rows explicitly: the cascade only works on connections with foreign_keys on.
      const tasks = db.query(`DELETE FROM task_executions WHERE workflow_execution_id ${inVictims}`).run(ids).changes;
      db.query(`DELETE FROM task_waits WHERE workflow_execution_id ${inVictims}`).run(ids);
      const executions = db.query(`DELETE FROM workflow_executions WHERE id ${inVictims}`).run(ids).changes;
      return { executions, tasks, logDirs: victims.flatMap((victim) => (victim.log_dir ? [victim.log_dir] : [])) };
    })
    .immediate();
}
