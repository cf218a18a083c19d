/** Runs resolved workflows through the real engine and executors, logs in a temp folder; the clock can be a test's. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, systemClock } from "../../src/engine/clock.ts";
import type { RunEventListener } from "../../src/engine/events.ts";
import { runWorkflow, type WorkflowOutcome } from "../../src/engine/run-workflow.ts";
import { defaultExecutors } from "../../src/executors/index.ts";
import { logFileOutputs } from "../../src/executors/output.ts";
import { shapeOf } from "../../src/workflow/graph.ts";
import type { ShellTask, Workflow } from "../../src/workflow/model.ts";

/** Retries a few milliseconds apart, so a test with retries stays fast. */
const TEST_BACKOFF_MS = 10;
const TEST_TIMEOUT_MS = 30_000;
const LOG_FILE_BYTES = 1024 * 1024;
const TAIL_BYTES = 4096;

export interface ShellOptions {
  dependsOn?: string[];
  retries?: number;
  timeoutMs?: number;
  continueOnFailure?: boolean;
}

export function shellTask(name: string, command: string, args: string[] = [], options: ShellOptions = {}): ShellTask {
  return {
    type: "shell",
    name,
    command,
    args,
    workingDir: undefined,
    env: {},
    dependsOn: options.dependsOn ?? [],
    retry: { retries: options.retries ?? 0, initialBackoffMs: TEST_BACKOFF_MS, multiplier: 1, maxBackoffMs: TEST_BACKOFF_MS },
    timeoutMs: options.timeoutMs ?? TEST_TIMEOUT_MS,
    continueOnFailure: options.continueOnFailure ?? false,
    gates: [],
    gateTimeoutMs: options.timeoutMs ?? TEST_TIMEOUT_MS,
    keepsOutput: false,
  };
}

export function workflowOf(name: string, tasks: ShellTask[]): Workflow {
  const shape = shapeOf(tasks);
  if (shape.kind !== "plan") throw new Error(`test workflow ${name} has a cycle: ${shape.cycle.join(" -> ")}`);
  return {
    name,
    description: undefined,
    schedule: undefined,
    timezone: undefined,
    catchup: { mode: "latest", windowMs: 86_400_000 },
    maxParallel: 4,
    tasks,
    plan: shape.plan,
    handlers: { on_failure: [], on_success: [], on_exit: [] },
    sourceFile: `/virtual/${name}.yaml`,
  };
}

export class EngineRunner {
  readonly #dir = mkdtempSync(join(tmpdir(), "picoflow-metrics-"));
  #runs = 0;

  run(workflow: Workflow, onEvent: RunEventListener, signal: AbortSignal = new AbortController().signal, clock: Clock = systemClock): Promise<WorkflowOutcome> {
    const runDir = join(this.#dir, workflow.name, `run-${++this.#runs}`);
    return runWorkflow(
      { workflow, executionId: `exec-${this.#runs}` },
      {
        executors: defaultExecutors(),
        openOutput: logFileOutputs({ runDir, maxFileBytes: LOG_FILE_BYTES, tailBytes: TAIL_BYTES, now: () => clock.now() }),
        clock,
        onEvent,
        env: process.env,
        signal,
        outputMaxBytes: 64 * 1024,
      },
    );
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
