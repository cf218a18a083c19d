/** The Store on a SQLite file (WAL, busy timeout). SQL lives only under src/store/. */
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { WorkflowStatus } from "../engine/status.ts";
import { StoreError } from "../errors.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import { toSqlTime } from "../util/time.ts";
import { MIGRATIONS } from "./migrations.ts";
import { type ExecutionRecord, type TaskRecord, toExecutionRow, toTaskRow } from "./rows.ts";
import { markInterrupted } from "./recovery.ts";
import type {
  FinishedAttempt,
  GateFailure,
  WaitingTask,
  NewAttempt,
  NewExecution,
  SkippedTask,
  Store,
  TaskExecutionRow,
  WorkflowExecutionRow,
} from "./types.ts";
import { deleteWaiting, selectLastFired, selectWaiting, type Statement, upsertFired, upsertWaiting } from "./waits-and-schedules.ts";

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 10_000;
/**
 * Attempt rows (a new attempt, its process ID, its end, a skip) wait at most this long to be
 * committed, so that many share one transaction: a commit costs far more than its rows
 * (about 70 us and a few pages of WAL each, which an SD card wears under) and a run of tiny
 * tasks would otherwise commit at every start and end. Rows commit in the order they were
 * written, so the file never shows a task started before the end of one it depends on.
 * What a crash can lose is the last few milliseconds: ends, whose tasks a resume runs again
 * as it would a task still running, and the PIDs of processes started in that window, which
 * the resume then cannot kill (docs/daemon.md, Crash recovery).
 */
const WRITE_BATCH_MS = 5;

type Param = string | number | null;

export interface OpenOptions {
  /** Inspecting commands open read-only and never create a database. */
  readonly?: boolean;
}

function openDatabase(path: string, options: OpenOptions): Database {
  if (!existsSync(dirname(path))) throw new StoreError(`cannot open database ${path}: folder ${dirname(path)} does not exist`);
  try {
    const db = options.readonly ? new Database(path, { readonly: true }) : new Database(path, { create: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) {
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = NORMAL");
    }
    db.run("PRAGMA foreign_keys = ON");
    return db;
  } catch (error) {
    throw new StoreError(`cannot open database ${path}: ${(error as Error).message}`);
  }
}

function migrate(db: Database, path: string): void {
  const version = () => (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version() > MIGRATIONS.length) {
    throw new StoreError(`database ${path} was written by a newer PicoFlow (schema ${version()}); upgrade picoflow to use it`);
  }
  if (version() === MIGRATIONS.length) return;
  // IMMEDIATE takes the write lock first, so two processes starting at once migrate once.
  db.transaction(() => {
    for (let next = version(); next < MIGRATIONS.length; next++) {
      db.run(MIGRATIONS[next] as string);
      db.run(`PRAGMA user_version = ${next + 1}`);
    }
  }).immediate();
}

export class SqliteStore implements Store {
  readonly #db: Database;
  /** Writes not yet committed, in order. */
  readonly #pending: [sql: string, params: Param[]][] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** A batch that failed in the background, reported by the next call. */
  #deferredFailure: StoreError | undefined;

  private constructor(db: Database) {
    this.#db = db;
  }

  static open(path: string, options: OpenOptions = {}): SqliteStore {
    const db = openDatabase(path, options);
    try {
      if (!options.readonly) migrate(db, path);
    } catch (error) {
      db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot use database ${path}: ${(error as Error).message}`);
    }
    return new SqliteStore(db);
  }

  /** The connection, for queries that belong to other store modules (history, stats, recovery). */
  get database(): Database {
    this.flush();
    return this.#db;
  }

  /** Commits every deferred write now, in one transaction. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    try {
      // IMMEDIATE takes the write lock up front, under the busy timeout, like a single write would.
      this.#db.transaction(() => {
        for (const [sql, params] of batch) this.#db.query(sql).run(...params);
      }).immediate();
    } catch (error) {
      throw new StoreError(`database write failed: ${(error as Error).message}`);
    }
  }

  createExecution(execution: NewExecution): void {
    this.#run(
      `INSERT INTO workflow_executions (id, workflow_name, started_at, status, workflow_file, log_dir, owner_pid, owner_start_ticks, trigger, scheduled_for)
       VALUES (?, ?, ?, 'Running', ?, ?, ?, ?, ?, ?)`,
      execution.id,
      execution.workflowName,
      toSqlTime(execution.startedAt),
      execution.workflowFile,
      execution.logDir,
      execution.owner.pid,
      execution.owner.startTicks,
      execution.trigger,
      execution.scheduledFor ? toSqlTime(execution.scheduledFor) : null,
    );
  }

  markInterrupted(id: string, owner: ProcessIdentity | undefined): boolean {
    return markInterrupted(this.database, id, owner);
  }

  reopenExecution(id: string, owner: ProcessIdentity): void {
    this.#run(
      `UPDATE workflow_executions SET status = 'Running', finished_at = NULL, duration_seconds = NULL,
         owner_pid = ?, owner_start_ticks = ?, trigger = 'resume' WHERE id = ?`,
      owner.pid,
      owner.startTicks,
      id,
    );
  }

  finishExecution(id: string, status: WorkflowStatus, finishedAt: Date): void {
    const finished = toSqlTime(finishedAt);
    this.#run(
      `UPDATE workflow_executions SET status = ?, finished_at = ?,
         duration_seconds = ROUND((julianday(?) - julianday(started_at)) * 86400.0, 3) WHERE id = ?`,
      status,
      finished,
      finished,
      id,
    );
  }

  startAttempt(attempt: NewAttempt): void {
    this.#defer(
      `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, attempt, log_path)
       VALUES (?, ?, ?, 'Running', ?, ?, ?)`,
      attempt.id,
      attempt.executionId,
      attempt.taskName,
      toSqlTime(attempt.startedAt),
      attempt.attempt,
      attempt.logPath ?? null,
    );
  }

  finishAttempt(id: string, result: FinishedAttempt): void {
    const finished = toSqlTime(result.finishedAt);
    this.#defer(
      `UPDATE task_executions SET status = ?, finished_at = ?, exit_code = ?, stdout = ?, stderr = ?, error = ?, failure_kind = ?,
         duration_seconds = ROUND((julianday(?) - julianday(started_at)) * 86400.0, 3) WHERE id = ?`,
      result.status,
      finished,
      result.exitCode,
      result.stdout,
      result.stderr,
      result.error ?? null,
      result.failureKind ?? null,
      finished,
      id,
    );
  }

  recordAttemptProcess(id: string, pid: number): void {
    this.#defer("UPDATE task_executions SET process_pid = ? WHERE id = ?", pid, id);
  }

  recordSkipped(skip: SkippedTask): void {
    const at = toSqlTime(skip.at);
    // attempt 0: the task was never attempted.
    this.#defer(
      `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, finished_at, attempt, duration_seconds, error)
       VALUES (?, ?, ?, 'Skipped', ?, ?, 0, 0, ?)`,
      skip.id,
      skip.executionId,
      skip.taskName,
      at,
      at,
      skip.reason,
    );
  }

  recordWaiting(wait: WaitingTask): void {
    this.#runStatement(upsertWaiting(wait));
  }

  clearWaiting(executionId: string, taskName?: string): void {
    this.#runStatement(deleteWaiting(executionId, taskName));
  }

  recordGateFailure(failure: GateFailure): void {
    this.#defer(
      `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, finished_at, attempt, duration_seconds, error, failure_kind)
       VALUES (?, ?, ?, 'Failed', ?, ?, 0, ROUND((julianday(?) - julianday(?)) * 86400.0, 3), ?, 'gate')`,
      failure.id,
      failure.executionId,
      failure.taskName,
      toSqlTime(failure.since),
      toSqlTime(failure.at),
      toSqlTime(failure.at),
      toSqlTime(failure.since),
      failure.error,
    );
  }

  waitingTasks(executionId: string): WaitingTask[] {
    this.flush();
    return selectWaiting(this.#db, executionId);
  }

  lastFired(workflowName: string): Date | undefined {
    this.flush();
    return selectLastFired(this.#db, workflowName);
  }

  recordFired(workflowName: string, scheduledAt: Date): void {
    this.#runStatement(upsertFired(workflowName, scheduledAt));
  }

  findExecution(idOrShort: string): WorkflowExecutionRow | undefined {
    this.flush();
    const exact = this.#db.query("SELECT * FROM workflow_executions WHERE id = ?").get(idOrShort) as ExecutionRecord | null;
    if (exact) return toExecutionRow(exact);
    const needle = idOrShort.toLowerCase().replaceAll(/[%_]/g, "");
    if (needle.length < 4) return undefined;
    const matches = this.#db
      .query("SELECT * FROM workflow_executions WHERE id LIKE ? OR id LIKE ? LIMIT 2")
      .all(`${needle}%`, `%${needle}`) as ExecutionRecord[];
    if (matches.length > 1) throw new StoreError(`execution id '${idOrShort}' is ambiguous; give more characters`);
    return matches[0] ? toExecutionRow(matches[0]) : undefined;
  }

  taskExecutions(executionId: string): TaskExecutionRow[] {
    this.flush();
    const records = this.#db
      .query("SELECT * FROM task_executions WHERE workflow_execution_id = ? ORDER BY started_at, attempt")
      .all(executionId) as TaskRecord[];
    return records.map(toTaskRow);
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.#db.close();
    }
  }

  /** An attempt row: committed within WRITE_BATCH_MS, or with the next immediate write or read. */
  #defer(sql: string, ...params: Param[]): void {
    this.#raiseDeferredFailure();
    this.#pending.push([sql, params]);
    this.#flushTimer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.#deferredFailure = error as StoreError;
      }
    }, WRITE_BATCH_MS);
  }

  #raiseDeferredFailure(): void {
    const failure = this.#deferredFailure;
    this.#deferredFailure = undefined;
    if (failure) throw failure;
  }

  #runStatement([sql, params]: Statement): void {
    this.#run(sql, ...params);
  }

  /** An execution-level write: everything deferred is committed first, so rows land in order. */
  #run(sql: string, ...params: Param[]): void {
    this.flush();
    this.#raiseDeferredFailure();
    try {
      this.#db.query(sql).run(...params);
    } catch (error) {
      throw new StoreError(`database write failed: ${(error as Error).message}`);
    }
  }
}
