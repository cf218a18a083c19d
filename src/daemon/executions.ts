/**
 * The daemon's running executions: what runs for which workflow (the overlap rule), one abort
 * signal shared by all of them (shutdown), and a way to wait for them all.
 */
import type { ExecutionResult } from "../execution/execute.ts";
import { timerMs } from "../util/duration.ts";

export interface RunningExecution {
  workflow: string;
  /** Known once the engine has recorded the execution. */
  executionId: string | undefined;
  startedAt: Date;
}

export type StartExecution = (signal: AbortSignal, onExecutionId: (id: string) => void) => Promise<ExecutionResult>;
export type ExecutionEnded = (run: RunningExecution, outcome: { result: ExecutionResult } | { error: unknown }) => void;

export class ExecutionTracker {
  readonly #controller = new AbortController();
  readonly #running = new Map<RunningExecution, Promise<void>>();
  readonly #onEnded: ExecutionEnded;

  constructor(onEnded: ExecutionEnded) {
    this.#onEnded = onEnded;
  }

  get size(): number {
    return this.#running.size;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  isRunning(workflow: string): boolean {
    for (const run of this.#running.keys()) if (run.workflow === workflow) return true;
    return false;
  }

  list(): RunningExecution[] {
    return [...this.#running.keys()];
  }

  /** Starts an execution now (synchronously up to the engine's first await) and tracks it to its end. */
  start(workflow: string, startExecution: StartExecution): RunningExecution {
    const run: RunningExecution = { workflow, executionId: undefined, startedAt: new Date() };
    let started: Promise<ExecutionResult>;
    try {
      started = startExecution(this.#controller.signal, (id) => {
        run.executionId = id;
      });
    } catch (error) {
      started = Promise.reject(error);
    }
    const done = started.then(
      (result) => this.#end(run, { result }),
      (error: unknown) => this.#end(run, { error }),
    );
    this.#running.set(run, done);
    return run;
  }

  /** Resolves true once every execution has ended, or false when `timeoutMs` passes first. */
  async waitAll(timeoutMs: number): Promise<boolean> {
    if (this.#running.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timerMs(timeoutMs));
    });
    const allDone = this.#settled().then(() => true as const);
    try {
      return await Promise.race([allDone, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Interrupts every execution: their tasks are killed and recorded `Interrupted`. */
  abortAll(): void {
    this.#controller.abort();
  }

  /** Executions may start while others end (resumes at start-up), so wait until none is left. */
  async #settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  #end(run: RunningExecution, outcome: { result: ExecutionResult } | { error: unknown }): void {
    this.#running.delete(run);
    this.#onEnded(run, outcome);
  }
}
