/** SQL for crash recovery: marking an execution left `Running` by a dead owner `Interrupted`. */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import { toSqlTime } from "../util/time.ts";

/**
 * Marks an execution owned by a dead process `Interrupted`, with its `Running` task rows
 * (their error says `note`: who recovered them).
 * The owner is part of the condition, so an execution another process has just reopened
 * (`run --resume`) is left alone. Its end time is its last sign of life, not the recovery time.
 * Returns false when the row was no longer running under that owner.
 */
export function markInterrupted(db: Database, executionId: string, owner: ProcessIdentity | undefined, note: string): boolean {
  const ownerCondition = owner ? "owner_pid = $pid AND COALESCE(owner_start_ticks, '') = $ticks" : "owner_pid IS NULL";
  const params = { $id: executionId, ...(owner ? { $pid: owner.pid, $ticks: owner.startTicks } : {}) };
  try {
    return db
      .transaction(() => {
        const lastSeen = db
          .query(
            `SELECT COALESCE(MAX(COALESCE(t.finished_at, t.started_at)), e.started_at) AS at
               FROM workflow_executions e LEFT JOIN task_executions t ON t.workflow_execution_id = e.id
              WHERE e.id = $id`,
          )
          .get({ $id: executionId }) as { at: string | null } | null;
        const at = lastSeen?.at ?? toSqlTime(new Date());
        const changed = db
          .query(
            `UPDATE workflow_executions SET status = 'Interrupted', finished_at = $at,
               duration_seconds = ROUND((julianday($at) - julianday(started_at)) * 86400.0, 3)
             WHERE id = $id AND status = 'Running' AND ${ownerCondition}`,
          )
          .run({ ...params, $at: at }).changes;
        if (changed === 0) return false;
        db.query(
          `UPDATE task_executions SET status = 'Interrupted', finished_at = MAX($at, started_at), error = $note,
             duration_seconds = ROUND((julianday(MAX($at, started_at)) - julianday(started_at)) * 86400.0, 3)
           WHERE workflow_execution_id = $id AND status = 'Running'`,
        ).run({ $id: executionId, $at: at, $note: note });
        return true;
      })
      .immediate();
  } catch (error) {
    throw new StoreError(`could not mark execution ${executionId} interrupted: ${(error as Error).message}`);
  }
}
