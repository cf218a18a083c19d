/** SQL for the daemon's housekeeping: pruning old history rows. */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import { toSqlTime } from "../util/time.ts";
import type { PrunedHistory } from "./types.ts";

/**
 * Deletes finished executions that started before `cutoff`, with their task rows. A running
 * execution is kept whatever its age: its owner still writes to it.
 */
export function pruneHistory(db: Database, cutoff: Date): PrunedHistory {
  const before = toSqlTime(cutoff);
  try {
    return db
      .transaction(() => {
        // Task rows first and explicitly: the cascade only works on connections with foreign_keys on.
        const tasks = db
          .query(
            `DELETE FROM task_executions WHERE workflow_execution_id IN
               (SELECT id FROM workflow_executions WHERE started_at < ? AND status <> 'Running')`,
          )
          .run(before).changes;
        const executions = db.query("DELETE FROM workflow_executions WHERE started_at < ? AND status <> 'Running'").run(before).changes;
        return { executions, tasks };
      })
      .immediate();
  } catch (error) {
    throw new StoreError(`could not prune history: ${(error as Error).message}`, { cause: error });
  }
}
