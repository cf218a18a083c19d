/** One task's attempts: timeout per attempt, retries with exponential backoff. */
import { runOnExecutor } from "../executors/dispatch.ts";
import type { ExecutionContext, ExecutorOutcome, ExecutorRegistry, OpenAttemptOutput } from "../executors/types.ts";
import type { TaskValues } from "../executors/values.ts";
import type { HandlerKind, RetryPolicy, Task } from "../workflow/model.ts";
import type { Clock } from "./clock.ts";
import type { RunEventListener } from "./events.ts";
import { type StartGate, waitForGate } from "./gate-wait.ts";
import { OutputCapture } from "./output-capture.ts";
import type { Semaphore } from "./semaphore.ts";
import { taskMarkers } from "../util/task-markers.ts";
import type { AttemptStatus } from "./status.ts";

export type TaskResult = "succeeded" | "failed" | "interrupted";

export interface TaskRunDeps {
  executors: ExecutorRegistry;
  openOutput: OpenAttemptOutput;
  clock: Clock;
  onEvent: RunEventListener;
  env: Readonly<Record<string, string | undefined>>;
  semaphore: Semaphore;
  /** Asked before every attempt; without one, tasks start as soon as a slot is free. */
  gate?: StartGate | undefined;
  /** Cap on a kept output (`[history] output_max_kb`). */
  outputMaxBytes: number;
  /** Aborts when the whole run is interrupted. */
  signal: AbortSignal;
}

export interface TaskRunContext {
  executionId: string;
  workflow: string;
  /** Attempts recorded by earlier runs of this execution (on resume), so numbering continues. */
  previousAttempts: number;
  /** Set for a handler task: its rows are marked with the list it came from. */
  handler: HandlerKind | undefined;
  /** Values of the `${tasks...}` and `${run...}` references this task may use. */
  values: TaskValues;
  /** Receives the output of the successful attempt of an `output: true` task. */
  keepOutput: (output: string) => void;
}

/** Delay before the attempt after the `failedAttempt`-th one (1-based, counted within this run). */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (failedAttempt - 1));
}

const TIMED_OUT = "timeout";

export async function runTask(task: Task, context: TaskRunContext, deps: TaskRunDeps): Promise<TaskResult> {
  const attempts = task.retry.retries + 1;
  const maxAttempt = context.previousAttempts + attempts;
  const ids = { executionId: context.executionId, workflow: context.workflow, task: task.name };
  for (let tryNumber = 1; tryNumber <= attempts; tryNumber++) {
    const attempt = context.previousAttempts + tryNumber;
    // Before the semaphore: a task waiting on its gate holds no max_parallel slot.
    const gate = await waitForGate(task, ids, deps);
    if (gate.state === "interrupted") return "interrupted";
    if (gate.state === "timed-out") {
      const error = `gate closed: ${gate.reason} (waited ${formatSeconds(gate.waitedMs)})`;
      const at = deps.clock.now();
      deps.onEvent({ type: "task-gate-failed", ...ids, error, since: new Date(at.getTime() - gate.waitedMs), at });
      return "failed";
    }
    const release = await deps.semaphore.acquire();
    if (deps.signal.aborted) {
      release();
      return "interrupted";
    }
    const startedAt = deps.clock.now();
    deps.onEvent({ type: "attempt-started", ...ids, attempt, maxAttempt, at: startedAt, handler: context.handler });
    const timeout = new AbortController();
    const tooLarge = new AbortController();
    const logOutput = deps.openOutput(task.name, attempt);
    const capture = task.keepsOutput ? new OutputCapture(logOutput, deps.outputMaxBytes, () => tooLarge.abort()) : undefined;
    const output = capture ?? logOutput;
    output.note(`attempt ${attempt}/${maxAttempt} started`);
    // The timeout runs on the engine's clock, like the backoff, so both are tested without waiting.
    const attemptOver = new AbortController();
    void deps.clock.sleep(task.timeoutMs, attemptOver.signal).then(() => {
      if (!attemptOver.signal.aborted) timeout.abort(TIMED_OUT);
    });
    let outcome: ExecutorOutcome;
    try {
      const onProcessStarted = (pid: number) => deps.onEvent({ type: "attempt-process", ...ids, attempt, pid });
      const signal = AbortSignal.any([deps.signal, timeout.signal, tooLarge.signal]);
      // Every task process carries its execution and task (tasks may use them; cleanup finds escaped processes by them).
      const env = { ...deps.env, ...taskMarkers(context.executionId, task.name) };
      outcome = await runExecutor(task, { signal, output, env, values: context.values, onProcessStarted }, deps);
    } finally {
      attemptOver.abort();
      release();
    }
    if (capture?.overflowed) {
      const limit = `${Math.round(deps.outputMaxBytes / 1024)} KB`;
      outcome = { ok: false, kind: "output-too-large", message: `output is larger than ${limit} ([history] output_max_kb); the task was stopped`, exitCode: outcome.exitCode };
    }
    const status: AttemptStatus = outcome.ok
      ? "Success"
      : timeout.signal.aborted
        ? "Timeout"
        : deps.signal.aborted
          ? "Interrupted"
          : "Failed";
    const error = outcome.ok
      ? undefined
      : status === "Timeout"
        ? `timed out after ${formatSeconds(task.timeoutMs)}`
        : status === "Interrupted"
          ? "interrupted"
          : outcome.message;
    if (error) output.note(`attempt ${attempt} ${status === "Failed" ? "failed" : status.toLowerCase()}: ${error}`);
    else output.note(`attempt ${attempt} succeeded${outcome.exitCode === null ? "" : ` (exit code ${outcome.exitCode})`}`);
    const tails = output.close(status === "Success");
    const final = status === "Success" || status === "Interrupted" || tryNumber === attempts;
    deps.onEvent({
      type: "attempt-finished",
      ...ids,
      attempt,
      maxAttempt,
      status,
      exitCode: outcome.exitCode,
      failureKind: outcome.ok ? undefined : status === "Timeout" ? "timeout" : status === "Interrupted" ? "interrupted" : outcome.kind,
      error,
      ...tails,
      output: status === "Success" ? capture?.text() : undefined,
      handler: context.handler,
      startedAt,
      at: deps.clock.now(),
      final,
    });
    if (status === "Success") {
      if (capture) context.keepOutput(capture.text());
      return "succeeded";
    }
    if (status === "Interrupted") return "interrupted";
    if (tryNumber < attempts) {
      const delayMs = backoffDelayMs(task.retry, tryNumber);
      deps.onEvent({ type: "retry-scheduled", ...ids, nextAttempt: attempt + 1, maxAttempt, delayMs });
      await deps.clock.sleep(delayMs, deps.signal);
      if (deps.signal.aborted) return "interrupted";
    }
  }
  return "failed";
}

async function runExecutor(task: Task, context: ExecutionContext, deps: TaskRunDeps): Promise<ExecutorOutcome> {
  try {
    return await runOnExecutor(deps.executors, task, context);
  } catch (error) {
    return { ok: false, kind: "internal", message: `internal error: ${(error as Error).message}`, exitCode: null };
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
