/**
 * Reads of execution and attempt rows (history, status, logs, workflow list, recovery), each
 * through the one row mapper of its table. Called by SqliteStore with its connection.
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import { toSqlTime } from "../util/time.ts";
import { type ExecutionRecord, type TaskRecord, toExecutionRow, toTaskRow } from "./rows.ts";
import type { ExecutionFilter, TaskExecutionRow, WorkflowExecutionRow, WorkflowRunCounts } from "./types.ts";

type SqlValue = string | number | null;

/** Task columns without the stored output tails (up to 64 KiB each), which summaries never read. */
const TASK_COLUMNS_WITHOUT_OUTPUT = `id, workflow_execution_id, task_name, status, started_at, finished_at, exit_code,
  NULL AS stdout, NULL AS stderr, attempt, duration_seconds, error, failure_kind, log_path, handler, warning`;
/** SQLite's default limit on bound parameters is far above this; chunks keep statements small. */
const IN_LIST_CHUNK = 500;

/** By full id, or by a unique prefix or the short id shown in log folder names. */
export function findExecution(db: Database, idOrShort: string): WorkflowExecutionRow | undefined {
  const exact = db.query("SELECT * FROM workflow_executions WHERE id = ?").get(idOrShort) as ExecutionRecord | null;
  if (exact) return toExecutionRow(exact);
  const needle = idOrShort.toLowerCase().replaceAll(/[%_]/g, "");
  if (needle.length < 4) return undefined;
  const matches = db.query("SELECT * FROM workflow_executions WHERE id LIKE ? OR id LIKE ? LIMIT 2").all(`${needle}%`, `%${needle}`) as ExecutionRecord[];
  if (matches.length > 1) throw new StoreError(`execution id '${idOrShort}' is ambiguous; give more characters`);
  return matches[0] ? toExecutionRow(matches[0]) : undefined;
}

/** Every attempt row of one execution, with its output tails. */
export function taskExecutions(db: Database, executionId: string): TaskExecutionRow[] {
  const records = db.query("SELECT * FROM task_executions WHERE workflow_execution_id = ? ORDER BY started_at, attempt").all(executionId) as TaskRecord[];
  return records.map(toTaskRow);
}

/** False for a file that is not (yet) a PicoFlow database: empty, or never migrated. */
export function hasHistoryTables(db: Database): boolean {
  const row = db.query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('workflow_executions', 'task_executions')").get() as {
    n: number;
  };
  return row.n === 2;
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

