/**
 * Read-side queries behind the inspecting commands (history, stats, status, logs, workflow
 * list). They take the SqliteStore's connection and share its row mappers.
 */
import type { Database } from "bun:sqlite";
import type { ExecutionStatus } from "../engine/status.ts";
import { toSqlTime } from "../util/time.ts";
import { type ExecutionRecord, type TaskRecord, toExecutionRow, toTaskRow } from "./rows.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "./types.ts";

type SqlValue = string | number | null;

/** Task columns without the stored output tails (up to 64 KiB each), which summaries never read. */
const TASK_COLUMNS_WITHOUT_OUTPUT = `id, workflow_execution_id, task_name, status, started_at, finished_at, exit_code,
  NULL AS stdout, NULL AS stderr, attempt, duration_seconds, error, failure_kind, log_path`;
/** SQLite's default limit on bound parameters is far above this; chunks keep statements small. */
const IN_LIST_CHUNK = 500;

/** False for a file that is not (yet) a PicoFlow database: empty, or never migrated. */
export function hasHistoryTables(db: Database): boolean {
  const row = db.query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('workflow_executions', 'task_executions')").get() as {
    n: number;
  };
  return row.n === 2;
}

export interface ExecutionFilter {
  workflow?: string | undefined;
  status?: ExecutionStatus | undefined;
  since?: Date | undefined;
  limit: number;
}

/** Newest first. */
export function listExecutions(db: Database, filter: ExecutionFilter): WorkflowExecutionRow[] {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.workflow !== undefined) {
    where.push("workflow_name = ?");
    params.push(filter.workflow);
  }
  if (filter.status !== undefined) {
    where.push("status = ?");
    params.push(filter.status);
  }
  if (filter.since !== undefined) {
    where.push("started_at >= ?");
    params.push(toSqlTime(filter.since));
  }
  const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  const records = db
    .query(`SELECT * FROM workflow_executions ${clause} ORDER BY started_at DESC, id DESC LIMIT ?`)
    .all(...params, filter.limit) as ExecutionRecord[];
  return records.map(toExecutionRow);
}

export function workflowIsKnown(db: Database, workflow: string): boolean {
  return db.query("SELECT 1 FROM workflow_executions WHERE workflow_name = ? LIMIT 1").get(workflow) !== null;
}

export function latestExecution(db: Database, workflow: string): WorkflowExecutionRow | undefined {
  const record = db
    .query("SELECT * FROM workflow_executions WHERE workflow_name = ? ORDER BY started_at DESC, id DESC LIMIT 1")
    .get(workflow) as ExecutionRecord | null;
  return record ? toExecutionRow(record) : undefined;
}

/** Executions recorded as Running (their owner may since have died), oldest first. */
export function runningExecutions(db: Database, workflow?: string): WorkflowExecutionRow[] {
  const records = (
    workflow === undefined
      ? db.query("SELECT * FROM workflow_executions WHERE status = 'Running' ORDER BY started_at").all()
      : db.query("SELECT * FROM workflow_executions WHERE status = 'Running' AND workflow_name = ? ORDER BY started_at").all(workflow)
  ) as ExecutionRecord[];
  return records.map(toExecutionRow);
}

/** The most recent execution of each workflow, by workflow name. */
export function latestExecutionPerWorkflow(db: Database, workflow?: string): WorkflowExecutionRow[] {
  // The maxima come from the (workflow_name, started_at) index alone; only the winners are read.
  const sql = `SELECT w.* FROM (SELECT workflow_name, MAX(started_at) AS latest FROM workflow_executions
      ${workflow === undefined ? "" : "WHERE workflow_name = ?"} GROUP BY workflow_name) AS m
    JOIN workflow_executions AS w ON w.workflow_name = m.workflow_name AND w.started_at = m.latest
    ORDER BY w.workflow_name, w.id DESC`;
  const records = (workflow === undefined ? db.query(sql).all() : db.query(sql).all(workflow)) as ExecutionRecord[];
  // Two executions started in the same millisecond: keep one (the larger, later-generated id).
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.workflow_name) && seen.add(record.workflow_name)).map(toExecutionRow);
}

/** Every attempt row of the given executions, without output tails, grouped by execution id. */
export function taskRowsOf(db: Database, executionIds: readonly string[]): Map<string, TaskExecutionRow[]> {
  const byExecution = new Map<string, TaskExecutionRow[]>(executionIds.map((id) => [id, []]));
  for (let start = 0; start < executionIds.length; start += IN_LIST_CHUNK) {
    const chunk = executionIds.slice(start, start + IN_LIST_CHUNK);
    const records = db
      .query(
        `SELECT ${TASK_COLUMNS_WITHOUT_OUTPUT} FROM task_executions
         WHERE workflow_execution_id IN (${chunk.map(() => "?").join(", ")}) ORDER BY started_at, attempt`,
      )
      .all(...chunk) as TaskRecord[];
    for (const record of records) byExecution.get(record.workflow_execution_id)?.push(toTaskRow(record));
  }
  return byExecution;
}

export interface WorkflowRunCounts {
  workflow: string;
  executions: number;
  success: number;
  failed: number;
  interrupted: number;
  running: number;
  /** The most recent execution. */
  last: WorkflowExecutionRow;
}

/** Per workflow: its run counts and its latest execution (for `workflow list`). */
export function workflowRunCounts(db: Database): WorkflowRunCounts[] {
  const records = db
    .query(
      `SELECT *, MAX(started_at) AS latest_started, COUNT(*) AS executions,
         SUM(status = 'Success') AS n_success, SUM(status = 'Failed') AS n_failed,
         SUM(status = 'Interrupted') AS n_interrupted, SUM(status = 'Running') AS n_running
       FROM workflow_executions GROUP BY workflow_name ORDER BY workflow_name`,
    )
    .all() as (ExecutionRecord & { executions: number; n_success: number; n_failed: number; n_interrupted: number; n_running: number })[];
  return records.map((record) => ({
    workflow: record.workflow_name,
    executions: record.executions,
    success: record.n_success,
    failed: record.n_failed,
    interrupted: record.n_interrupted,
    running: record.n_running,
    last: toExecutionRow(record),
  }));
}

export interface ExecutionTotals {
  workflow: string;
  executions: number;
  success: number;
  failed: number;
  interrupted: number;
  running: number;
  /** Over finished executions; undefined when none finished. */
  averageSeconds: number | undefined;
  minSeconds: number | undefined;
  maxSeconds: number | undefined;
}

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
    .all(...periodParams(since, workflow)) as {
    workflow_name: string;
    executions: number;
    success: number;
    failed: number;
    interrupted: number;
    running: number;
    average: number | null;
    min: number | null;
    max: number | null;
  }[];
  return records.map((record) => ({
    workflow: record.workflow_name,
    executions: record.executions,
    success: record.success,
    failed: record.failed,
    interrupted: record.interrupted,
    running: record.running,
    averageSeconds: record.average ?? undefined,
    minSeconds: record.min ?? undefined,
    maxSeconds: record.max ?? undefined,
  }));
}

export interface TaskTotals {
  workflow: string;
  task: string;
  /** Executions in which the task has a row. */
  runs: number;
  /** By each execution's outcome for the task (its final attempt). */
  success: number;
  failed: number;
  skipped: number;
  running: number;
  /** Attempts beyond the first, summed over executions. */
  retries: number;
  /** Of successful attempts; of all finished attempts when none succeeded. */
  averageSeconds: number | undefined;
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
      `SELECT workflow_name, task_name, runs, success, skipped, running, runs - success - skipped - running AS failed, retries, average
       FROM (SELECT w.workflow_name, t.task_name, MIN(t.rowid) AS first_row,
               SUM(t.attempt <= 1) AS runs, SUM(t.status = 'Success') AS success,
               SUM(t.status = 'Skipped') AS skipped, SUM(t.status = 'Running') AS running, SUM(t.attempt > 1) AS retries,
               COALESCE(AVG(CASE WHEN t.status = 'Success' THEN t.duration_seconds END),
                        AVG(CASE WHEN t.status NOT IN ('Skipped', 'Running') THEN t.duration_seconds END)) AS average
             FROM workflow_executions AS w JOIN task_executions AS t ON t.workflow_execution_id = w.id
             WHERE ${periodClause(workflow, "w")}
             GROUP BY w.workflow_name, t.task_name)
       ORDER BY workflow_name, first_row`,
    )
    .all(...periodParams(since, workflow)) as {
    workflow_name: string;
    task_name: string;
    runs: number;
    success: number;
    failed: number;
    skipped: number;
    running: number;
    retries: number;
    average: number | null;
  }[];
  return records.map((record) => ({
    workflow: record.workflow_name,
    task: record.task_name,
    runs: record.runs,
    success: record.success,
    failed: record.failed,
    skipped: record.skipped,
    running: record.running,
    retries: record.retries,
    averageSeconds: record.average ?? undefined,
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
