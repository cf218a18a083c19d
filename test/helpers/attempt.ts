/** Executor tests: one attempt through the real log-file output, without the engine. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { logFileOutputs } from "../../src/executors/output.ts";
import { NO_VALUES } from "../../src/executors/values.ts";
import type { Executor, ExecutorOutcome } from "../../src/executors/types.ts";
import type { Task } from "../../src/workflow/model.ts";

/** The fields every task model has, as a workflow without retries or custom timeouts resolves them. */
export function taskBase(name: string) {
  return {
    name,
    dependsOn: [],
    retry: { retries: 0, initialBackoffMs: 1000, multiplier: 2, maxBackoffMs: 300_000 },
    timeoutMs: 60_000,
    continueOnFailure: false,
    gates: [],
    gateTimeoutMs: 60_000,
    keepsOutput: false,
  };
}

export interface AttemptResult {
  outcome: ExecutorOutcome;
  /** The task's log file, or "" when the attempt left none (a silent success). */
  log: string;
  stdoutTail: string;
  stderrTail: string;
}

let runNumber = 0;

/** Runs `task` once with `executor`, its log file in a new folder under `parentDir`. */
export async function runAttempt<T extends Task>(
  executor: Executor<T>,
  task: T,
  parentDir: string,
  context: { env?: Record<string, string | undefined>; signal?: AbortSignal } = {},
): Promise<AttemptResult> {
  const runDir = join(parentDir, `run-${++runNumber}`);
  const output = logFileOutputs({ runDir, maxFileBytes: 1024 * 1024, tailBytes: 16 * 1024, now: () => new Date() })(task.name, 1);
  const outcome = await executor.run(task, {
    signal: context.signal ?? new AbortController().signal,
    output,
    env: context.env ?? {},
    values: NO_VALUES,
  });
  const tails = output.close(outcome.ok);
  const logFile = join(runDir, `${task.name}.log`);
  return { outcome, log: existsSync(logFile) ? readFileSync(logFile, "utf8") : "", ...tails };
}
