/**
 * SQL for crash recovery: taking over an execution whose owner died, and marking one
 * `Interrupted`. Each is one IMMEDIATE transaction conditioned on the row being as the caller
 * saw it, so of two processes recovering the same execution exactly one wins.
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import { toSqlTime } from "../util/time.ts";
import type { ExecutionTakeOver } from "./types.ts";

type Params = Record<string, string | number | null>;

function ownerCondition(owner: ProcessIdentity | undefined): [sql: string, params: Params] {
  return owner
    ? ["owner_pid = $pid AND COALESCE(owner_start_ticks, '') = $ticks", { $pid: owner.pid, $ticks: owner.startTicks }]
    : ["owner_pid IS NULL", {}];
}

/** The execution's last sign of life: its latest attempt start or end, else its own start. */
function lastSeen(db: Database, executionId: string): string {
  const row = db
    .query(
      `SELECT COALESCE(MAX(COALESCE(t.finished_at, t.started_at)), e.started_at) AS at
         FROM workflow_executions e LEFT JOIN task_executions t ON t.workflow_execution_id = e.id
        WHERE e.id = $id`,
    )
    .get({ $id: executionId }) as { at: string | null } | null;
  return row?.at ?? toSqlTime(new Date());
}

/** Running attempt rows end `Interrupted` at `at` (never before they started), their error saying `note`. */
function interruptAttempts(db: Database, executionId: string, at: string, note: string): void {
  db.query(
    `UPDATE task_executions SET status = 'Interrupted', finished_at = MAX($at, started_at), error = $note,
       duration_seconds = ROUND((julianday(MAX($at, started_at)) - julianday(started_at)) * 86400.0, 3)
     WHERE workflow_execution_id = $id AND status = 'Running'`,
  ).run({ $id: executionId, $at: at, $note: note });
}

function inTransaction<T>(db: Database, what: string, body: () => T): T {
  try {
    return db.transaction(body).immediate();
  } catch (error) {
    throw new StoreError(`could not ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Marks an execution `Interrupted` while `owner` still holds it, with its `Running` task rows
 * (their error says `note`). Its end time is its last sign of life, not the recovery time.
 * Returns false when the row was no longer running under that owner.
 */
export function markInterrupted(db: Database, executionId: string, owner: ProcessIdentity | undefined, note: string): boolean {
  const [condition, params] = ownerCondition(owner);
  return inTransaction(db, `mark execution ${executionId} interrupted`, () => {
    const at = lastSeen(db, executionId);
    const changed = db
      .query(
        `UPDATE workflow_executions SET status = 'Interrupted', finished_at = $at,
           duration_seconds = ROUND((julianday($at) - julianday(started_at)) * 86400.0, 3)
         WHERE id = $id AND status = 'Running' AND ${condition}`,
      )
      .run({ $id: executionId, $at: at, ...params }).changes;
    if (changed === 0) return false;
    interruptAttempts(db, executionId, at, note);
    return true;
  });
}

/**
 * Makes `by` the owner of an execution that is still as the caller saw it (Running under a
 * dead owner, or ended): its attempts still Running end `Interrupted`, and it runs again under
 * `by`, so no other process can take it over meanwhile. False when someone else changed it first.
 */
export function takeOverExecution(db: Database, takeOver: ExecutionTakeOver): boolean {
  const { id, seen, by, note, resume } = takeOver;
  const [condition, params] = seen.status === "Running" ? ownerCondition(seen.owner) : ["1 = 1", {}];
  return inTransaction(db, `take over execution ${id}`, () => {
    const at = lastSeen(db, id);
    const changed = db
      .query(
        `UPDATE workflow_executions SET status = 'Running', finished_at = NULL, duration_seconds = NULL,
           owner_pid = $newPid, owner_start_ticks = $newTicks${resume ? ", trigger = 'resume'" : ""}
         WHERE id = $id AND status = $seenStatus AND ${condition}`,
      )
      .run({ $id: id, $seenStatus: seen.status, $newPid: by.pid, $newTicks: by.startTicks, ...params }).changes;
    if (changed === 0) return false;
    interruptAttempts(db, id, at, note);
    return true;
  });
}
