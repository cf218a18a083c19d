/**
 * `picoflow logs [WORKFLOW] [--workflow] [--task] [--execution-id] [--tail N] [--follow]`:
 * the task log files of one execution (the latest by default). `--follow` keeps printing
 * while the execution runs, polling the files and the database rows another process writes.
 */
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK, NotFoundError, UsageError } from "../errors.ts";
import { taskLogPath } from "../executors/output.ts";
import type { HistoryReader, TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import { isAlive } from "../util/process-identity.ts";
import { type CommandContext, createContext } from "./context.ts";
import { latestAttempts } from "./execution-summary.ts";
import { openHistory, ownerAlive, parseCount, pickWorkflow, type PlannedTask, readPlannedTasks } from "./inspect.ts";
import { LogCursor, readLastLines } from "./log-reader.ts";

export const DEFAULT_TAIL_LINES = 100;
/** How often `--follow` looks for new output and new task rows. */
const FOLLOW_POLL_MS = 250;

export interface LogsArgs {
  workflowArg: string | undefined;
  workflow: string | undefined;
  task: string | undefined;
  executionId: string | undefined;
  tail: string | undefined;
  follow: boolean | undefined;
  globals: GlobalFlags;
}

export async function logsCommand(args: LogsArgs): Promise<number> {
  const workflow = pickWorkflow(args.workflowArg, args.workflow);
  const tail = parseCount("--tail", args.tail, DEFAULT_TAIL_LINES, 0);
  if (args.task === "") throw new UsageError("--task needs a name");
  if (args.executionId === "") throw new UsageError("--execution-id needs an id");
  if (workflow === undefined && args.executionId === undefined) {
    throw new UsageError("logs needs a workflow: picoflow logs WORKFLOW (or --workflow NAME, or --execution-id ID)");
  }
  const context = await createContext(args.globals);
  const source = openHistory(context.settings.dbPath);
  if (source.kind === "absent") {
    context.stdout(source.message);
    return EXIT_OK;
  }
  try {
    const execution = pickExecution(source.store, workflow, args.executionId);
    if (!execution) {
      context.stdout(`No executions recorded for workflow '${workflow}'`);
      return EXIT_OK;
    }
    const rows = source.store.taskExecutions(execution.id);
    const live = ownerAlive(execution);
    const planned = live ? await readPlannedTasks(execution, context.settings.workflowDefaults) : undefined;
    const tasks = taskNames(rows, planned, args.task);
    if (args.task !== undefined && tasks.length === 0) {
      const known = latestAttempts(rows).map((row) => row.taskName);
      context.stdout(`No task '${args.task}' in execution ${execution.id} of '${execution.workflowName}'${known.length > 0 ? ` (tasks: ${known.join(", ")})` : ""}`);
      return EXIT_OK;
    }
    const printer = new SectionPrinter(context, args.task === undefined);
    const cursors = new Map<string, LogCursor>();
    for (const task of tasks) {
      const taskRows = rows.filter((row) => row.taskName === task);
      if (taskRows.length === 0) continue; // Not started yet: followed from its first line once it starts.
      const path = logPathOf(execution, taskRows);
      cursors.set(task, new LogCursor(path, printTail(printer, task, taskRows, path, tail)));
      printOutput(printer, task, taskRows);
    }
    if (args.follow && live) await follow(source.store, execution, args.task, planned, cursors, printer);
    return EXIT_OK;
  } finally {
    source.store.close();
  }
}

function pickExecution(store: HistoryReader, workflow: string | undefined, executionId: string | undefined): WorkflowExecutionRow | undefined {
  if (executionId === undefined) return store.latestExecution(workflow as string);
  const execution = store.findExecution(executionId);
  if (!execution) throw new NotFoundError(`no execution '${executionId}' in the history`);
  if (workflow !== undefined && execution.workflowName !== workflow) {
    throw new UsageError(`execution ${execution.id} ran workflow '${execution.workflowName}', not '${workflow}'`);
  }
  return execution;
}

/** The tasks to show: one if asked for, else every recorded task (and, for a live run, those still to start). */
function taskNames(rows: readonly TaskExecutionRow[], planned: readonly PlannedTask[] | undefined, only: string | undefined): string[] {
  const recorded = latestAttempts(rows).map((row) => row.taskName);
  const all = [...recorded, ...(planned ?? []).map((task) => task.name).filter((name) => !recorded.includes(name))];
  return only === undefined ? all : all.filter((name) => name === only);
}

function logPathOf(execution: WorkflowExecutionRow, rows: readonly TaskExecutionRow[]): string {
  const recorded = rows.findLast((row) => row.logPath !== undefined)?.logPath;
  if (recorded) return recorded;
  const task = rows[0]?.taskName ?? "";
  return execution.logDir ? taskLogPath(execution.logDir, task) : "";
}

/** The published output (`output: true`) after the task's lines, each line marked, so it is never taken for log text. */
function printOutput(printer: SectionPrinter, task: string, rows: readonly TaskExecutionRow[]): void {
  const output = rows.findLast((row) => row.output !== undefined)?.output;
  if (output === undefined) return;
  printer.lines(task, output === "" ? ["[output] (empty)"] : output.split("\n").map((line) => `[output] ${line}`));
}

/** "Success", or "Success, on_failure handler" for a handler task. */
function sectionStatus(row: TaskExecutionRow): string {
  return row.handler ? `${row.status}, ${row.handler} handler` : row.status;
}

/** Prints a task's last lines; returns the offset to follow from. */
function printTail(printer: SectionPrinter, task: string, rows: readonly TaskExecutionRow[], path: string, tail: number): number {
  const latest = rows.at(-1) as TaskExecutionRow;
  const status = sectionStatus(latest);
  const result = path ? readLastLines(path, tail) : undefined;
  if (result) {
    printer.lines(task, result.lines, status);
    return result.size;
  }
  if (latest.status === "Skipped") {
    printer.note(task, `(skipped: ${latest.error ?? "an upstream task failed"})`, status);
    return 0;
  }
  // No file: a silent success never creates one, and retention may have removed an old one;
  // the database keeps the tail of whatever the task printed.
  const kept = rows.flatMap((row) => [...splitLines(row.stdout), ...splitLines(row.stderr)]);
  if (kept.length === 0) {
    printer.note(task, latest.status === "Running" ? "(no output yet)" : "(no output)", status);
    return 0;
  }
  printer.note(task, path ? `(log file ${path} is gone; output kept in the database:)` : "(no log file; output kept in the database:)", status);
  printer.lines(task, kept.slice(kept.length - Math.min(tail, kept.length)));
  return 0;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

async function follow(
  history: HistoryReader,
  execution: WorkflowExecutionRow,
  only: string | undefined,
  planned: readonly PlannedTask[] | undefined,
  cursors: Map<string, LogCursor>,
  printer: SectionPrinter,
): Promise<void> {
  const maxAttempts = new Map((planned ?? []).map((task) => [task.name, task.maxAttempts]));
  for (;;) {
    await Bun.sleep(FOLLOW_POLL_MS);
    const current = history.findExecution(execution.id);
    const rows = history.taskSummaries([execution.id]).get(execution.id) ?? [];
    for (const row of latestAttempts(rows)) {
      if ((only === undefined || row.taskName === only) && !cursors.has(row.taskName) && row.status !== "Skipped") {
        cursors.set(row.taskName, new LogCursor(logPathOf(execution, [row])));
      }
    }
    for (const [task, cursor] of cursors) printer.lines(task, cursor.poll());
    const runEnded = current?.status !== "Running" || (execution.owner !== undefined && !isAlive(execution.owner));
    const taskEnded = only !== undefined && taskIsDone(rows.filter((row) => row.taskName === only), maxAttempts.get(only));
    if (runEnded || taskEnded) {
      for (const [task, cursor] of cursors) printer.lines(task, cursor.flush());
      return;
    }
  }
}

/** A task is done once it succeeded, was skipped, or failed its last allowed attempt. */
function taskIsDone(rows: readonly TaskExecutionRow[], maxAttempts: number | undefined): boolean {
  const latest = latestAttempts(rows)[0];
  if (!latest || latest.status === "Running") return false;
  if (latest.status === "Success" || latest.status === "Skipped") return true;
  return maxAttempts !== undefined && latest.attempt >= maxAttempts;
}

/**
 * Prints lines under a `==> task (status) <==` header whenever the task changes, when showing
 * several tasks. With one task, stdout carries only its log and PicoFlow's notes go to stderr.
 */
class SectionPrinter {
  #current: string | undefined;
  constructor(
    private readonly context: CommandContext,
    private readonly withHeaders: boolean,
  ) {}

  note(task: string, text: string, status: string): void {
    if (this.withHeaders) this.lines(task, [text], status);
    else this.context.stderr(text);
  }

  lines(task: string, lines: readonly string[], status?: string): void {
    if (lines.length === 0 && status === undefined) return;
    if (this.withHeaders && (this.#current !== task || status !== undefined)) {
      if (this.#current !== undefined) this.context.stdout("");
      this.context.stdout(`==> ${task}${status ? ` (${status})` : ""} <==`);
    }
    this.#current = task;
    for (const line of lines) this.context.stdout(line);
  }
}
