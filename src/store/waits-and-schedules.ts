/** SQL for gate waits and schedule state: small tables beside the guide's two. */
import type { Database } from "bun:sqlite";
import { fromSqlTime, toSqlTime } from "../util/time.ts";
import type { WaitingTask } from "./types.ts";

type Param = string | number | null;
export type Statement = [sql: string, params: Param[]];

export function upsertWaiting(wait: WaitingTask): Statement {
  return [
    `INSERT INTO task_waits (workflow_execution_id, task_name, reason, since) VALUES (?, ?, ?, ?)
     ON CONFLICT (workflow_execution_id, task_name) DO UPDATE SET reason = excluded.reason`,
    [wait.executionId, wait.taskName, wait.reason, toSqlTime(wait.since)],
  ];
}

export function deleteWaiting(executionId: string, taskName: string | undefined): Statement {
  return taskName === undefined
    ? ["DELETE FROM task_waits WHERE workflow_execution_id = ?", [executionId]]
    : ["DELETE FROM task_waits WHERE workflow_execution_id = ? AND task_name = ?", [executionId, taskName]];
}

export function selectWaiting(db: Database, executionId: string): WaitingTask[] {
  // A database not yet migrated (read by an inspecting command, which never migrates) has no waits.
  if (!db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'task_waits'").get()) return [];
  const rows = db
    .query("SELECT task_name, reason, since FROM task_waits WHERE workflow_execution_id = ? ORDER BY since, task_name")
    .all(executionId) as { task_name: string; reason: string; since: string }[];
  return rows.map((row) => ({ executionId, taskName: row.task_name, reason: row.reason, since: fromSqlTime(row.since) }));
}

export function selectLastFired(db: Database, workflowName: string): Date | undefined {
  const row = db.query("SELECT last_fired_at FROM schedule_state WHERE workflow_name = ?").get(workflowName) as { last_fired_at: string } | null;
  return row ? fromSqlTime(row.last_fired_at) : undefined;
}

/** Never moves backwards: a clock stepped back must not make a fired time due again. */
export function upsertFired(workflowName: string, scheduledAt: Date): Statement {
  return [
    `INSERT INTO schedule_state (workflow_name, last_fired_at) VALUES (?, ?)
     ON CONFLICT (workflow_name) DO UPDATE SET last_fired_at = MAX(last_fired_at, excluded.last_fired_at)`,
    [workflowName, toSqlTime(scheduledAt)],
  ];
}

/** The backlog's times not yet started, oldest first (read by the daemon, whose database is migrated). */
export function selectCatchupBacklog(db: Database, workflowName: string): Date[] {
  const row = db.query("SELECT catchup_backlog FROM schedule_state WHERE workflow_name = ?").get(workflowName) as { catchup_backlog: string | null } | null;
  if (!row?.catchup_backlog) return [];
  try {
    const times = JSON.parse(row.catchup_backlog) as unknown;
    return Array.isArray(times) ? times.filter((time): time is string => typeof time === "string").map(fromSqlTime) : [];
  } catch {
    return [];
  }
}

/** Replaces the backlog; an empty one is stored as none. The row exists: the backlog's newest time was recorded as fired first. */
export function updateCatchupBacklog(workflowName: string, times: readonly Date[]): Statement {
  return [
    "UPDATE schedule_state SET catchup_backlog = ? WHERE workflow_name = ?",
    [times.length > 0 ? JSON.stringify(times.map(toSqlTime)) : null, workflowName],
  ];
}
