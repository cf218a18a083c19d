/** Runs workflows through the real engine, shell executor, log files and a SQLite file in a temp folder. */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { WorkflowDefaults } from "../../src/config/settings.ts";
import type { RunEvent } from "../../src/engine/events.ts";
import type { StartGate } from "../../src/engine/gate-wait.ts";
import { defaultExecutors } from "../../src/executors/index.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { type ExecutionResult, executeWorkflow, resumeExecution } from "../../src/execution/execute.ts";
import { recoverExecution } from "../../src/execution/recover.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import type { Workflow } from "../../src/workflow/model.ts";
import { tempDir } from "./cli.ts";

/** Small backoff so retry tests take milliseconds, not seconds. */
export const TEST_DEFAULTS: WorkflowDefaults = {
  retries: 0,
  timeoutSeconds: 60,
  maxTimeoutSeconds: 3600,
  maxParallel: 10,
  initialBackoffMs: 50,
  backoffMultiplier: 2,
  maxBackoffMs: 5000,
};

export interface TaskRowView {
  task_name: string;
  status: string;
  attempt: number;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  error: string | null;
  log_path: string | null;
}

export class EngineHarness {
  readonly folder = tempDir();
  readonly dbPath = join(this.folder.dir, "picoflow.db");
  readonly events: RunEvent[] = [];
  readonly store = SqliteStore.open(this.dbPath);

  workflow(yaml: string, defaults: Partial<WorkflowDefaults> = {}): Workflow {
    const file = this.folder.write(`wf-${Math.random().toString(36).slice(2)}.yaml`, yaml);
    return parseWorkflow(yaml, file, { ...TEST_DEFAULTS, ...defaults }).workflow;
  }

  #options(workflow: Workflow, signal: AbortSignal, maxTaskLogBytes: number, gate?: StartGate, env: Readonly<Record<string, string | undefined>> = process.env) {
    return {
      workflow,
      store: this.store,
      dbPath: this.dbPath,
      maxTaskLogBytes,
      executors: defaultExecutors(),
      logger: silentLogger(),
      listeners: [(event: RunEvent) => this.events.push(event)],
      env,
      signal,
      gate,
      outputMaxBytes: 64 * 1024,
    };
  }

  run(
    workflow: Workflow,
    options: { signal?: AbortSignal; maxTaskLogBytes?: number; gate?: StartGate; env?: Readonly<Record<string, string | undefined>> } = {},
  ): Promise<ExecutionResult> {
    return executeWorkflow(this.#options(workflow, options.signal ?? new AbortController().signal, options.maxTaskLogBytes ?? 10 * 1024 * 1024, options.gate, options.env));
  }

  async resume(workflow: Workflow, executionId: string): Promise<ExecutionResult> {
    const execution = this.store.findExecution(executionId);
    if (!execution) throw new Error(`no execution ${executionId}`);
    const recovery = await recoverExecution(this.store, execution, { by: "run --resume", resume: true, logger: silentLogger() });
    if (recovery.kind !== "recovered") throw new Error(`execution ${executionId} could not be recovered: ${recovery.kind}`);
    return resumeExecution(this.#options(workflow, new AbortController().signal, 10 * 1024 * 1024), recovery.recovered);
  }

  /** Task rows as the user sees them with sqlite3, read through a separate connection. */
  rows(executionId: string): TaskRowView[] {
    const db = new Database(this.dbPath, { readonly: true });
    try {
      return db
        .query("SELECT * FROM task_executions WHERE workflow_execution_id = ? ORDER BY started_at, attempt")
        .all(executionId) as TaskRowView[];
    } finally {
      db.close();
    }
  }

  execution(executionId: string): { status: string; duration_seconds: number | null; finished_at: string | null } {
    const db = new Database(this.dbPath, { readonly: true });
    try {
      return db.query("SELECT * FROM workflow_executions WHERE id = ?").get(executionId) as never;
    } finally {
      db.close();
    }
  }

  dispose(): void {
    this.store.close();
    this.folder.cleanup();
  }
}

/** Milliseconds since epoch for a stored UTC time. */
export function ms(sqlTime: string | null): number {
  if (!sqlTime) throw new Error("time not recorded");
  return Date.parse(`${sqlTime.replace(" ", "T")}Z`);
}

/** True while any process whose command line contains `pattern` exists. */
export async function processExists(pattern: string): Promise<boolean> {
  const probe = Bun.spawn(["pgrep", "-f", pattern], { stdout: "ignore", stderr: "ignore" });
  return (await probe.exited) === 0;
}

/** Builds a workflow's YAML from task lines, for compact tests. */
export function yamlWorkflow(name: string, tasks: string, config = ""): string {
  return `name: ${name}\n${config ? `config:\n${config}\n` : ""}tasks:\n${tasks}`;
}
