/** `picoflow run FILE` and `picoflow run --resume EXECUTION_ID [FILE]`. */
import { settingsGate } from "../gates/resource-gate.ts";
import { existsSync } from "node:fs";
import packageJson from "../../package.json" with { type: "json" };
import { dirname, resolve } from "node:path";
import type { LogLevel } from "../config/defaults.ts";
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, NotFoundError, UsageError } from "../errors.ts";
import { defaultExecutors } from "../executors/index.ts";
import { type ExecuteOptions, type ExecutionResult, executeWorkflow, resumeExecution } from "../execution/execute.ts";
import { liveOwner, recoverExecution } from "../execution/recover.ts";
import type { RunExport } from "../observability/run-export.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { WorkflowExecutionRow } from "../store/types.ts";
import { loadWorkflowFile } from "../workflow/load.ts";
import { type CommandContext, createContext } from "./context.ts";
import { printProgress } from "./progress.ts";

export interface RunArgs {
  file: string | undefined;
  resume: string | undefined;
  globals: GlobalFlags;
}

export async function runCommand(args: RunArgs): Promise<number> {
  if (args.resume === "") throw new UsageError("--resume needs an execution id: picoflow run --resume EXECUTION_ID");
  if (!args.file && !args.resume) throw new UsageError("run needs a workflow file (picoflow run FILE) or --resume EXECUTION_ID");
  if (args.resume) return resume(args.resume, args);
  const file = args.file as string;
  const context = await createContext(args.globals, [dirname(resolve(file))], watchedLogLevel());
  const { workflow } = loadWorkflowFile(file, context.settings.workflowDefaults);
  const store = SqliteStore.open(context.settings.dbPath);
  try {
    return await execute(context, store, workflow, executeWorkflow);
  } finally {
    store.close();
  }
}

async function resume(executionId: string, args: RunArgs): Promise<number> {
  const preliminary = await createContext(args.globals, args.file ? [dirname(resolve(args.file))] : [], watchedLogLevel());
  if (!existsSync(preliminary.settings.dbPath)) throw new NotFoundError(`no database at ${preliminary.settings.dbPath}; nothing to resume`);
  const store = SqliteStore.open(preliminary.settings.dbPath);
  try {
    const execution = store.findExecution(executionId);
    if (!execution) throw new NotFoundError(`no execution '${executionId}' in ${preliminary.settings.dbPath}`);
    refuseUnresumable(execution);
    const file = args.file ?? execution.workflowFile;
    if (!file) throw new UsageError(`execution ${execution.id} did not record its workflow file; give it: picoflow run --resume ${executionId} FILE`);
    const context = args.file ? preliminary : await createContext(args.globals, [dirname(file)], watchedLogLevel());
    const { workflow } = loadWorkflowFile(file, context.settings.workflowDefaults);
    if (workflow.name !== execution.workflowName) {
      throw new UsageError(`${file} defines workflow '${workflow.name}', but execution ${execution.id} ran '${execution.workflowName}'`);
    }
    if (execution.status === "Success") {
      context.stdout(`Execution ${execution.id} of '${workflow.name}' already succeeded; nothing to resume`);
      return EXIT_OK;
    }
    const recovery = await recoverExecution(store, execution, { by: "run --resume", resume: true, logger: context.logger });
    if (recovery.kind === "owner-alive") throw new UsageError(`execution ${execution.id} is still running in process ${recovery.owner.pid}`);
    if (recovery.kind === "taken") throw new UsageError(`execution ${execution.id} was resumed by another process meanwhile`);
    return await execute(context, store, workflow, (options) => resumeExecution(options, recovery.recovered));
  } finally {
    store.close();
  }
}

/**
 * A person watching a terminal already sees every task in the progress lines; the log records
 * on the same screen would say it all twice. Unless something sets a level, they see warnings
 * and errors only. Redirected output (files, journald, pipes) keeps the info level.
 */
function watchedLogLevel(): LogLevel | undefined {
  return process.stdout.isTTY && process.stderr.isTTY ? "warn" : undefined;
}

/** Said before the workflow file is read; recoverExecution checks it again when it takes the execution over. */
function refuseUnresumable(execution: WorkflowExecutionRow): void {
  const owner = liveOwner(execution);
  if (owner) throw new UsageError(`execution ${execution.id} is still running in process ${owner.pid}`);
}

interface Signals {
  signal: AbortSignal;
  handlerSignal: AbortSignal;
}

/** Runs the execution under Ctrl-C handling, then exports its metrics if picoflow.toml asks for it. */
async function execute(
  context: CommandContext,
  store: SqliteStore,
  workflow: ExecuteOptions["workflow"],
  start: (options: ExecuteOptions) => Promise<ExecutionResult>,
): Promise<number> {
  const exporter = await runExport(context, workflow);
  return withInterrupts(async (signals) => {
    const result = await start(executeOptions(context, store, workflow, signals, exporter));
    await exporter?.finish(context.logger);
    return result;
  });
}

/** Loaded only when `[metrics] pushgateway_url` or `textfile_dir` is set: most runs need no prom-client. */
async function runExport(context: CommandContext, workflow: ExecuteOptions["workflow"]): Promise<RunExport | undefined> {
  const { pushgatewayUrl, textfileDir } = context.settings.metrics;
  if (pushgatewayUrl === undefined && textfileDir === undefined) return undefined;
  const { createRunExport } = await import("../observability/run-export.ts");
  return createRunExport({ pushgatewayUrl, textfileDir }, workflow, packageJson.version);
}

function executeOptions(
  context: CommandContext,
  store: SqliteStore,
  workflow: ExecuteOptions["workflow"],
  { signal, handlerSignal }: Signals,
  exporter: RunExport | undefined,
): ExecuteOptions {
  return {
    workflow,
    store,
    dbPath: context.settings.dbPath,
    maxTaskLogBytes: context.settings.logs.maxTaskLogBytes,
    outputMaxBytes: context.settings.history.outputMaxBytes,
    storage: { historyMaxSizeMb: context.settings.history.maxSizeMb, outputTailBytes: context.settings.history.outputTailBytes },
    executors: defaultExecutors(),
    logger: context.logger,
    listeners: exporter ? [printProgress(context.stdout), exporter.onEvent] : [printProgress(context.stdout)],
    env: context.env,
    signal,
    gate: settingsGate(context.settings, context.logger),
    handlerSignal,
    onExecutionId: (id) => context.logger.debug({ execution_id: id }, "execution recorded"),
  };
}

/**
 * Ctrl-C or SIGTERM interrupt the run: tasks are killed, their state recorded, the run left
 * resumable. Its on_failure and on_exit handlers still run; a second Ctrl-C or SIGTERM stops them.
 */
async function withInterrupts(body: (signals: Signals) => Promise<{ executionId: string; status: string }>): Promise<number> {
  const controller = new AbortController();
  const handlers = new AbortController();
  const interrupt = () => (controller.signal.aborted ? handlers.abort() : controller.abort());
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    const result = await body({ signal: controller.signal, handlerSignal: handlers.signal });
    process.stdout.write(`Execution ID: ${result.executionId}\n`);
    if (result.status === "Success") return EXIT_OK;
    return result.status === "Interrupted" ? EXIT_INTERRUPTED : EXIT_FAILED;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}
