/**
 * Attempt rows (a new attempt, its process ID, its end, a skip) wait a few milliseconds to be
 * committed, so that many share one transaction: a commit costs far more than its rows (about
 * 70 us and a few pages of WAL each, which an SD card wears under) and a run of tiny tasks
 * would otherwise commit at every start and end. Rows commit in the order they were written,
 * so the file never shows a task started before the end of one it depends on.
 *
 * A batch holds rows of several executions (the daemon runs many). When it fails, each
 * execution's rows are tried on their own, and a failure is reported to the execution whose
 * rows failed: thrown by the call that committed them, or, for a batch committed in the
 * background, by that execution's next call; never by another execution's.
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";

/** How long a deferred row waits at most before it is committed. */
export const WRITE_BATCH_MS = 5;

export type Param = string | number | null;

export interface Statement {
  /** Whose row this is: a failure is reported to this execution (undefined: no execution's, like schedule state). */
  executionId: string | undefined;
  sql: string;
  params: Param[];
}

export class WriteBatch {
  readonly #db: Database;
  /** Writes not yet committed, in order. */
  readonly #pending: Statement[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Failures of background commits, waiting for their execution's next call. */
  readonly #unreported = new Map<string | undefined, StoreError>();

  constructor(db: Database) {
    this.#db = db;
  }

  /** Queues a row, committed within WRITE_BATCH_MS; throws an earlier background failure of its execution. */
  defer(statement: Statement): void {
    this.#pending.push(statement);
    this.#timer ??= setTimeout(() => this.#commitPending(), WRITE_BATCH_MS);
    this.#raise(statement.executionId);
  }

  /** Commits everything queued and then `statement`, at once; throws when the execution's rows failed. */
  commitWith(statement: Statement): void {
    this.#pending.push(statement);
    this.#commitPending();
    this.#raise(statement.executionId);
  }

  /** Commits everything queued (before a read, so it sees every row written). */
  commitPending(): void {
    this.#commitPending();
  }

  /** Commits everything queued; throws what failed of `executionId`'s rows, in this commit or a background one. */
  commitFor(executionId: string): void {
    this.#commitPending();
    this.#raise(executionId);
  }

  /** The last commit, at close: every failure not reported yet is reported now. */
  commitAll(): void {
    this.#commitPending();
    const [first] = this.#unreported.values();
    this.#unreported.clear();
    if (first) throw first;
  }

  #commitPending(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    const error = this.#commit(batch);
    if (error === undefined) return;
    // One execution's bad rows must not cost the others theirs.
    const byExecution = Map.groupBy(batch, (statement) => statement.executionId);
    for (const [executionId, statements] of byExecution) {
      const own = byExecution.size === 1 ? error : this.#commit(statements);
      const whose = executionId === undefined ? "" : ` for execution ${executionId}`;
      if (own) this.#unreported.set(executionId, new StoreError(`database write failed${whose}: ${own.message}`, { cause: own }));
    }
  }

  /** One IMMEDIATE transaction (it takes the write lock up front, under the busy timeout); the error when it failed. */
  #commit(statements: readonly Statement[]): Error | undefined {
    try {
      this.#db.transaction(() => {
        for (const { sql, params } of statements) this.#db.query(sql).run(...params);
      }).immediate();
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  #raise(executionId: string | undefined): void {
    const failure = this.#unreported.get(executionId);
    if (!failure) return;
    this.#unreported.delete(executionId);
    throw failure;
  }
}
