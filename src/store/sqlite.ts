/**
 * The Store on a SQLite file (WAL, busy timeout): the only door to the database. Writes are
 * here; reads, recovery, pruning and the daemon lock live in their own modules under
 * src/store/ and run on this connection after every pending row is committed.
 */
import type { Database } from "bun:sqlite";
import type { WorkflowStatus } from "../engine/status.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import { toSqlTime } from "../util/time.ts";
import { type OpenOptions, openConnection } from "./connection.ts";
import { acquireDaemonLock, releaseDaemonLock } from "./daemon-lock.ts";
import * as history from "./history-queries.ts";
import { pruneHistory } from "./maintenance.ts";
import { markInterrupted, takeOverExecution } from "./recovery.ts";
import { pruneToBudget } from "./storage-budget.ts";
import * as stats from "./stats-queries.ts";
import type {
  BudgetPrune,
  DaemonLockResult,
  ExecutionFilter,
  ExecutionTakeOver,
  ExecutionTotals,
  FinishedAttempt,
  GateFailure,
  NewAttempt,
  NewExecution,
  PrunedHistory,
  SkippedTask,
  Store,
  TaskExecutionRow,
  TaskTotals,
  WaitingTask,
  WorkflowExecutionRow,
  WorkflowRunCounts,
} from "./types.ts";
import {
  deleteWaiting,
  selectCatchupBacklog,
  selectLastFired,
  selectWaiting,
  type Statement,
  updateCatchupBacklog,
  upsertFired,
  upsertWaiting,
} from "./waits-and-schedules.ts";
import { type Param, WriteBatch } from "./write-batch.ts";

export type { OpenOptions } from "./connection.ts";

export class SqliteStore implements Store {
  readonly #db: Database;
  readonly #batch: WriteBatch;
  /** Execution of each attempt started and not finished yet, so its rows are attributed to it. */
  readonly #attemptExecution = new Map<string, string>();

  private constructor(db: Database) {
    this.#db = db;
    this.#batch = new WriteBatch(db);
  }

  static open(path: string, options: OpenOptions = {}): SqliteStore {
    return new SqliteStore(openConnection(path, options));
  }

  /** Commits every deferred write now. */
  flush(): void {
    this.#batch.commitPending();
  }

  settleExecution(executionId: string): void {
    this.#batch.commitFor(executionId);
  }

  createExecution(execution: NewExecution): void {
    this.#now(
      execution.id,
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

  finishExecution(id: string, status: WorkflowStatus, finishedAt: Date): void {
    const finished = toSqlTime(finishedAt);
    this.#now(
      id,
      `UPDATE workflow_executions SET status = ?, finished_at = ?,
         duration_seconds = ROUND((julianday(?) - julianday(started_at)) * 86400.0, 3) WHERE id = ?`,
      status,
      finished,
      finished,
      id,
    );
  }

  startAttempt(attempt: NewAttempt): void {
    this.#attemptExecution.set(attempt.id, attempt.executionId);
    this.#later(
      attempt.executionId,
      `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, attempt, log_path, handler)
       VALUES (?, ?, ?, 'Running', ?, ?, ?, ?)`,
      attempt.id,
      attempt.executionId,
      attempt.taskName,
      toSqlTime(attempt.startedAt),
      attempt.attempt,
      attempt.logPath ?? null,
      attempt.handler ?? null,
    );
  }

  finishAttempt(id: string, result: FinishedAttempt): void {
    const executionId = this.#attemptExecution.get(id) ?? "";
    this.#attemptExecution.delete(id);
    const finished = toSqlTime(result.finishedAt);
    this.#later(
      executionId,
      `UPDATE task_executions SET status = ?, finished_at = ?, exit_code = ?, stdout = ?, stderr = ?, error = ?, failure_kind = ?, warning = ?, output = ?,
         duration_seconds = ROUND((julianday(?) - julianday(started_at)) * 86400.0, 3) WHERE id = ?`,
      result.status,
      finished,
      result.exitCode,
      result.stdout,
      result.stderr,
      result.error ?? null,
      result.failureKind ?? null,
      result.warning ?? null,
      result.output ?? null,
      finished,
      id,
    );
  }

  recordAttemptProcess(id: string, pid: number): void {
    this.#later(this.#attemptExecution.get(id) ?? "", "UPDATE task_executions SET process_pid = ? WHERE id = ?", pid, id);
  }

  recordSkipped(skip: SkippedTask): void {
    const at = toSqlTime(skip.at);
    // attempt 0: the task was never attempted.
    this.#later(
      skip.executionId,
      `INSERT INTO task_executions (id, workflow_execution_id, task_name, status, started_at, finished_at, attempt, duration_seconds, error, handler)
       VALUES (?, ?, ?, 'Skipped', ?, ?, 0, 0, ?, ?)`,
      skip.id,
      skip.executionId,
      skip.taskName,
      at,
      at,
      skip.reason,
      skip.handler ?? null,
    );
  }

  recordWaiting(wait: WaitingTask): void {
    this.#nowStatement(wait.executionId, upsertWaiting(wait));
  }

  clearWaiting(executionId: string, taskName?: string): void {
    this.#nowStatement(executionId, deleteWaiting(executionId, taskName));
  }

  recordGateFailure(failure: GateFailure): void {
    this.#later(
      failure.executionId,
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
    return selectWaiting(this.#read(), executionId);
  }

  lastFired(workflowName: string): Date | undefined {
    return selectLastFired(this.#read(), workflowName);
  }

  recordFired(workflowName: string, scheduledAt: Date): void {
    this.#nowStatement(undefined, upsertFired(workflowName, scheduledAt));
  }

  catchupBacklog(workflowName: string): Date[] {
    return selectCatchupBacklog(this.#read(), workflowName);
  }

  recordCatchupBacklog(workflowName: string, times: readonly Date[]): void {
    this.#nowStatement(undefined, updateCatchupBacklog(workflowName, times));
  }

  markInterrupted(id: string, owner: ProcessIdentity | undefined, note: string): boolean {
    return markInterrupted(this.#read(), id, owner, note);
  }

  takeOverExecution(takeOver: ExecutionTakeOver): boolean {
    return takeOverExecution(this.#read(), takeOver);
  }

  pruneHistory(cutoff: Date): PrunedHistory {
    return pruneHistory(this.#read(), cutoff);
  }

  pruneToBudget(maxBytes: number, targetBytes: number): BudgetPrune {
    return pruneToBudget(this.#read(), maxBytes, targetBytes);
  }

  acquireDaemonLock(me: ProcessIdentity, isAlive: (holder: ProcessIdentity) => boolean): DaemonLockResult {
    return acquireDaemonLock(this.#db, me, isAlive);
  }

  releaseDaemonLock(me: ProcessIdentity): void {
    releaseDaemonLock(this.#db, me);
  }

  hasHistory(): boolean {
    return history.hasHistoryTables(this.#read());
  }

  findExecution(idOrShort: string): WorkflowExecutionRow | undefined {
    return history.findExecution(this.#read(), idOrShort);
  }

  taskExecutions(executionId: string): TaskExecutionRow[] {
    return history.taskExecutions(this.#read(), executionId);
  }

  taskSummaries(executionIds: readonly string[]): Map<string, TaskExecutionRow[]> {
    return history.taskRowsOf(this.#read(), executionIds);
  }

  listExecutions(filter: ExecutionFilter): WorkflowExecutionRow[] {
    return history.listExecutions(this.#read(), filter);
  }

  workflowIsKnown(workflow: string): boolean {
    return history.workflowIsKnown(this.#read(), workflow);
  }

  latestExecution(workflow: string): WorkflowExecutionRow | undefined {
    return history.latestExecution(this.#read(), workflow);
  }

  runningExecutions(workflow?: string): WorkflowExecutionRow[] {
    return history.runningExecutions(this.#read(), workflow);
  }

  latestExecutionPerWorkflow(workflow?: string): WorkflowExecutionRow[] {
    return history.latestExecutionPerWorkflow(this.#read(), workflow);
  }

  workflowRunCounts(): WorkflowRunCounts[] {
    return history.workflowRunCounts(this.#read());
  }

  executionTotals(since: Date, workflow?: string): ExecutionTotals[] {
    return stats.executionTotals(this.#read(), since, workflow);
  }

  taskTotals(since: Date, workflow?: string): TaskTotals[] {
    return stats.taskTotals(this.#read(), since, workflow);
  }

  failedExecutions(workflow: string, since: Date, limit: number): WorkflowExecutionRow[] {
    return stats.failedExecutions(this.#read(), workflow, since, limit);
  }

  successfulDurations(workflowName: string, limit: number): number[] {
    return stats.successfulDurations(this.#read(), workflowName, limit);
  }

  close(): void {
    try {
      this.#batch.commitAll();
    } finally {
      this.#db.close();
    }
  }

  /** The connection for a read (or a write of its own), once every pending row is committed. */
  #read(): Database {
    this.#batch.commitPending();
    return this.#db;
  }

  /** An attempt row: committed within WRITE_BATCH_MS, or with the next immediate write or read. */
  #later(executionId: string, sql: string, ...params: Param[]): void {
    this.#batch.defer({ executionId, sql, params });
  }

  /** An execution-level write: committed at once, after (and with) everything deferred. */
  #now(executionId: string | undefined, sql: string, ...params: Param[]): void {
    this.#batch.commitWith({ executionId, sql, params });
  }

  #nowStatement(executionId: string | undefined, [sql, params]: Statement): void {
    this.#now(executionId, sql, ...params);
  }
}
