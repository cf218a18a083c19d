/**
 * `picoflow status [WORKFLOW] [--workflow] [--running-only] [--format]`: running executions
 * and each workflow's latest one, task by task, read live from the database while other
 * processes (a `run`, the daemon) write it.
 */
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK } from "../errors.ts";
import { shortId } from "../execution/log-folder.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import { createContext } from "./context.ts";
import { resumeHint } from "./execution-summary.ts";
import { formatElapsed, formatLocalTime, plural } from "./format.ts";
import { emptyResultMessage, isoTime, ownerAlive, parseChoice, pickWorkflow, readPlannedTasks, reportNothing, TABLE_FORMATS, withHistory } from "./inspect.ts";
import { describeTask, type ExecutionView, taskSymbol, viewExecution } from "./task-view.ts";

export interface StatusArgs {
  workflowArg: string | undefined;
  workflow: string | undefined;
  runningOnly: boolean | undefined;
  format: string | undefined;
  globals: GlobalFlags;
}

export async function statusCommand(args: StatusArgs): Promise<number> {
  const workflow = pickWorkflow(args.workflowArg, args.workflow);
  const format = parseChoice("--format", args.format, TABLE_FORMATS, "table");
  const context = await createContext(args.globals);
  const empty = { executions: [] };
  return withHistory(context, format, empty, async (history) => {
    const running = history.runningExecutions(workflow);
    const live = running.filter(ownerAlive);
    const chosen = args.runningOnly ? live : withLatestOfIdle(running, history.latestExecutionPerWorkflow(workflow));
    const stale = running.length - live.length;
    const staleNote = args.runningOnly && stale > 0 && format === "table"
      ? `\n(${plural(stale, "execution")} recorded as Running by a process that is gone; see picoflow status without --running-only)`
      : undefined;
    if (chosen.length === 0) {
      const none = args.runningOnly ? `No workflows are running${workflow === undefined ? "" : ` (workflow '${workflow}')`}` : "No executions recorded yet";
      const message = emptyResultMessage(history, workflow, none);
      reportNothing(context, format, message, empty);
      if (staleNote) context.stdout(staleNote);
      return EXIT_OK;
    }
    const rows = history.taskSummaries(
      chosen.map((execution) => execution.id),
    );
    const views: ExecutionView[] = [];
    for (const execution of chosen) {
      const isLive = live.includes(execution);
      // Pending tasks have no row yet: only the workflow file knows them.
      const needsPlan = isLive || execution.status === "Interrupted";
      const planned = needsPlan ? await readPlannedTasks(execution, context.settings.workflowDefaults) : undefined;
      views.push(viewExecution(execution, rows.get(execution.id) ?? [], planned, isLive, isLive ? history.waitingTasks(execution.id) : []));
    }
    const now = new Date();
    if (format === "json") {
      // Outputs are read only here: up to [history] output_max_kb each, the table never shows them.
      const outputs = new Map(views.map((view) => [view.execution.id, publishedOutputs(history.taskExecutions(view.execution.id))]));
      context.stdout(JSON.stringify(statusJson(views, now, outputs), null, 2));
    } else {
      context.stdout(statusText(views, now).join("\n"));
      if (staleNote) context.stdout(staleNote);
    }
    return EXIT_OK;
  });
}

/** Every Running execution, plus the latest execution of each workflow that has none running. */
function withLatestOfIdle(running: readonly WorkflowExecutionRow[], latest: readonly WorkflowExecutionRow[]): WorkflowExecutionRow[] {
  const busy = new Set(running.map((execution) => execution.workflowName));
  const chosen = [...running, ...latest.filter((execution) => !busy.has(execution.workflowName))];
  return chosen.sort((a, b) => a.workflowName.localeCompare(b.workflowName) || a.startedAt.getTime() - b.startedAt.getTime());
}

function elapsedSeconds(view: ExecutionView, now: Date): number | undefined {
  const { execution } = view;
  if (execution.durationSeconds !== undefined) return execution.durationSeconds;
  return view.live ? (now.getTime() - execution.startedAt.getTime()) / 1000 : undefined;
}

/** The guide's status block per execution, separated by blank lines. */
export function statusText(views: readonly ExecutionView[], now: Date): string[] {
  const lines: string[] = [];
  for (const view of views) {
    const { execution } = view;
    if (lines.length > 0) lines.push("");
    lines.push(`Workflow: ${execution.workflowName}`);
    lines.push(`Execution: ${execution.id}`);
    const stale = execution.status === "Running" && !view.live;
    lines.push(`Status: ${execution.status}${stale ? ` (process ${execution.owner?.pid ?? "?"} is gone; ${resumeHint(execution)})` : ""}`);
    lines.push(`Started: ${formatLocalTime(execution.startedAt)}`);
    if (execution.finishedAt) lines.push(`Finished: ${formatLocalTime(execution.finishedAt)}`);
    const seconds = elapsedSeconds(view, now);
    if (seconds !== undefined) lines.push(`${view.live ? "Elapsed" : "Duration"}: ${formatElapsed(seconds)}`);
    const trigger = triggerLine(execution);
    if (trigger) lines.push(trigger);
    if (execution.status === "Interrupted") lines.push(`Resume: picoflow run --resume ${shortId(execution.id)}`);
    lines.push("", "Tasks:");
    const width = Math.max(0, ...view.tasks.map((task) => task.name.length));
    for (const task of view.tasks) {
      const handler = task.latest?.handler ? ` [${task.latest.handler} handler]` : "";
      lines.push(`  ${taskSymbol(task.state)} ${task.name.padEnd(width)} (${describeTask(task, now)})${handler}`);
    }
    if (view.tasks.length === 0) lines.push("  (no task has started yet)");
    if (view.live && !view.taskListKnown) lines.push("  (workflow file unavailable: tasks not started yet are not listed)");
  }
  return lines;
}

/** "Trigger: catchup (scheduled for 2025-11-12 02:00:00)": how it was started, when PicoFlow knows. */
export function triggerLine(execution: WorkflowExecutionRow): string | undefined {
  if (!execution.trigger) return undefined;
  const scheduled = execution.scheduledFor ? ` (scheduled for ${formatLocalTime(execution.scheduledFor)})` : "";
  return `Trigger: ${execution.trigger}${scheduled}`;
}

/** Each task's published output (`output: true`), from its successful attempt. */
function publishedOutputs(rows: readonly TaskExecutionRow[]): Map<string, string> {
  return new Map(rows.flatMap((row) => (row.output === undefined ? [] : [[row.taskName, row.output] as const])));
}

export function statusJson(views: readonly ExecutionView[], now: Date, outputs: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map()) {
  return {
    executions: views.map((view) => {
      const { execution } = view;
      return {
        id: execution.id,
        short_id: shortId(execution.id),
        workflow: execution.workflowName,
        status: execution.status,
        owner_alive: execution.status === "Running" ? view.live : null,
        owner_pid: execution.owner?.pid ?? null,
        trigger: execution.trigger ?? null,
        scheduled_for: isoTime(execution.scheduledFor),
        started_at: isoTime(execution.startedAt),
        finished_at: isoTime(execution.finishedAt),
        elapsed_seconds: elapsedSeconds(view, now) ?? null,
        workflow_file: execution.workflowFile ?? null,
        task_list_complete: view.taskListKnown || !view.live,
        tasks: view.tasks.map((task) => ({
          name: task.name,
          state: task.state,
          status: task.latest?.status ?? null,
          attempt: task.latest?.attempt ?? null,
          max_attempts: task.maxAttempts ?? null,
          started_at: isoTime(task.latest?.startedAt),
          finished_at: isoTime(task.latest?.finishedAt),
          duration_seconds: task.latest?.durationSeconds ?? null,
          exit_code: task.latest?.exitCode ?? null,
          failure_kind: task.latest?.failureKind ?? null,
          error: task.latest?.error ?? null,
          warning: task.latest?.warning ?? null,
          handler: task.latest?.handler ?? null,
          output: outputs.get(execution.id)?.get(task.name) ?? null,
          waiting_reason: task.waiting?.reason ?? null,
          waiting_since: isoTime(task.waiting?.since),
        })),
      };
    }),
  };
}
