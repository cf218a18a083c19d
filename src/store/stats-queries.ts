/** Aggregates over the history for `stats`: counts, durations, retries, recent failures. */
import type { Database } from "bun:sqlite";
import { toSqlTime } from "../util/time.ts";
import type { HandlerKind } from "../workflow/model.ts";
import { type ExecutionRecord, toExecutionRow } from "./rows.ts";
import type { ExecutionCounts, ExecutionTotals, TaskTotals, WorkflowExecutionRow } from "./types.ts";

type SqlValue = string | number | null;

/** `started_at >= ?` and, with a workflow, `workflow_name = ?`; columns of table `alias` when given. */
function periodClause(workflow: string | undefined, alias = ""): string {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `${column("started_at")} >= ?${workflow === undefined ? "" : ` AND ${column("workflow_name")} = ?`}`;
}

function periodParams(since: Date, workflow: string | undefined): SqlValue[] {
  return workflow === undefined ? [toSqlTime(since)] : [toSqlTime(since), workflow];
}

/** Execution counts and durations per workflow since a time. */
export function executionTotals(db: Database, since: Date, workflow?: string): ExecutionTotals[] {
  const records = db
    .query(
      `SELECT workflow_name, COUNT(*) AS executions,
         SUM(status = 'Success') AS success, SUM(status = 'Failed') AS failed,
         SUM(status = 'Interrupted') AS interrupted, SUM(status = 'Running') AS running,
         AVG(duration_seconds) AS average, MIN(duration_seconds) AS min, MAX(duration_seconds) AS max
       FROM workflow_executions WHERE ${periodClause(workflow)}
       GROUP BY workflow_name ORDER BY workflow_name`,
    )
    .all(...periodParams(since, workflow)) as (Omit<ExecutionCounts, "workflow"> & {
    workflow_name: string;
    average: number | null;
    min: number | null;
    max: number | null;
  })[];
  return records.map(({ workflow_name, average, min, max, ...counts }) => ({
    workflow: workflow_name,
    ...counts,
    averageSeconds: average ?? undefined,
    minSeconds: min ?? undefined,
    maxSeconds: max ?? undefined,
  }));
}

/**
 * Per workflow and task, in the order the tasks first started in the period. One pass over
 * the attempt rows, no per-execution grouping (a year of history is ~100k rows): every task
 * of an execution has exactly one first row (attempt 1, or 0 when skipped), succeeds at most
 * once, and its outcome is failed when it neither succeeded, was skipped, nor is running.
 */
export function taskTotals(db: Database, since: Date, workflow?: string): TaskTotals[] {
  const records = db
    .query(
      `SELECT workflow_name, task_name, handler, runs, success, skipped, running, runs - success - skipped - running AS failed, retries, average
       FROM (SELECT w.workflow_name, t.task_name, MAX(t.handler) AS handler, MIN(t.rowid) AS first_row,
               SUM(t.attempt <= 1) AS runs, SUM(t.status = 'Success') AS success,
               SUM(t.status = 'Skipped') AS skipped, SUM(t.status = 'Running') AS running, SUM(t.attempt > 1) AS retries,
               COALESCE(AVG(CASE WHEN t.status = 'Success' THEN t.duration_seconds END),
                        AVG(CASE WHEN t.status NOT IN ('Skipped', 'Running') THEN t.duration_seconds END)) AS average
             FROM workflow_executions AS w JOIN task_executions AS t ON t.workflow_execution_id = w.id
             WHERE ${periodClause(workflow, "w")}
             GROUP BY w.workflow_name, t.task_name)
       ORDER BY workflow_name, first_row`,
    )
    .all(...periodParams(since, workflow)) as (Omit<TaskTotals, "workflow" | "task" | "handler" | "averageSeconds"> & {
    workflow_name: string;
    task_name: string;
    handler: HandlerKind | null;
    average: number | null;
  })[];
  return records.map(({ workflow_name, task_name, handler, average, ...counts }) => ({
    workflow: workflow_name,
    task: task_name,
    handler: handler ?? undefined,
    ...counts,
    averageSeconds: average ?? undefined,
  }));
}

/** The most recent Failed or Interrupted executions of one workflow since a time. */
export function failedExecutions(db: Database, workflow: string, since: Date, limit: number): WorkflowExecutionRow[] {
  const records = db
    .query(
      `SELECT * FROM workflow_executions
       WHERE workflow_name = ? AND started_at >= ? AND status IN ('Failed', 'Interrupted')
       ORDER BY started_at DESC LIMIT ?`,
    )
    .all(workflow, toSqlTime(since), limit) as ExecutionRecord[];
  return records.map(toExecutionRow);
}

/** How long the latest `limit` successful executions of one workflow took, in seconds, newest first (validate's estimate). */
export function successfulDurations(db: Database, workflow: string, limit: number): number[] {
  const records = db
    .query(
      `SELECT duration_seconds FROM workflow_executions
       WHERE workflow_name = ? AND status = 'Success' AND duration_seconds IS NOT NULL
       ORDER BY started_at DESC LIMIT ?`,
    )
    .all(workflow, limit) as { duration_seconds: number }[];
  return records.map((record) => record.duration_seconds);
}
