/** `picoflow stats [WORKFLOW] [--workflow] [--period DAYS] [--format]`: success rates, durations, tasks, failures. */
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK } from "../errors.ts";
import type { ExecutionTotals, HistoryReader, TaskTotals } from "../store/types.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import { createContext } from "./context.ts";
import { describeTaskFailure, isFailedStatus, latestAttempts } from "./execution-summary.ts";
import { describeFailure, formatElapsed, formatLocalDate, formatPercent, percentValue, plural } from "./format.ts";
import { emptyResultMessage, isoTime, parseChoice, parseCount, pickWorkflow, reportNothing, TABLE_FORMATS, withHistory } from "./inspect.ts";

export const DEFAULT_PERIOD_DAYS = 30;
/** Far enough back for any history, near enough that the start date exists (Date ends at 275,760 AD). */
export const MAX_PERIOD_DAYS = 100_000;
/** Failed executions listed per workflow; the rest are counted. */
const FAILURES_LISTED = 10;
const MS_PER_DAY = 86_400_000;

export interface StatsArgs {
  workflowArg: string | undefined;
  workflow: string | undefined;
  period: string | undefined;
  format: string | undefined;
  globals: GlobalFlags;
}

interface Failure {
  execution: WorkflowExecutionRow;
  /** Final attempts that failed; empty for an execution interrupted between tasks. */
  tasks: TaskExecutionRow[];
}

export interface WorkflowStats {
  totals: ExecutionTotals;
  tasks: TaskTotals[];
  failures: Failure[];
}

export async function statsCommand(args: StatsArgs): Promise<number> {
  const workflow = pickWorkflow(args.workflowArg, args.workflow);
  const periodDays = parseCount("--period", args.period, DEFAULT_PERIOD_DAYS, 1, MAX_PERIOD_DAYS);
  const format = parseChoice("--format", args.format, TABLE_FORMATS, "table");
  const context = await createContext(args.globals);
  const since = new Date(Date.now() - periodDays * MS_PER_DAY);
  const empty = { period_days: periodDays, since: since.toISOString(), workflows: [] };
  return withHistory(context, format, empty, (history) => {
    const stats = collectStats(history, since, workflow);
    if (stats.length === 0) {
      const inPeriod = `No executions in the last ${plural(periodDays, "day")}${workflow === undefined ? "" : ` for workflow '${workflow}'`}`;
      reportNothing(context, format, emptyResultMessage(history, workflow, inPeriod), empty);
      return EXIT_OK;
    }
    const lines = format === "json" ? [JSON.stringify(statsJson(stats, periodDays, since), null, 2)] : statsText(stats, periodDays);
    for (const line of lines) context.stdout(line);
    return EXIT_OK;
  });
}

function collectStats(history: HistoryReader, since: Date, workflow: string | undefined): WorkflowStats[] {
  const tasks = history.taskTotals(since, workflow);
  return history.executionTotals(since, workflow).map((totals) => {
    const failed = history.failedExecutions(totals.workflow, since, FAILURES_LISTED);
    const rows = history.taskSummaries(
      failed.map((execution) => execution.id),
    );
    return {
      totals,
      tasks: tasks.filter((task) => task.workflow === totals.workflow),
      failures: failed.map((execution) => ({
        execution,
        // A handler reports on the run; its failure is not one of the run's (like history).
        tasks: latestAttempts(rows.get(execution.id) ?? []).filter((row) => row.handler === undefined && isFailedStatus(row.status)),
      })),
    };
  });
}

/** "alert (on_failure handler)" for a handler task, so it is not read as one of the DAG's. */
function taskLabel(task: TaskTotals): string {
  return task.handler ? `${task.task} (${task.handler} handler)` : task.task;
}

/** A task's success rate counts the runs that ended (not skipped, not still running). */
function endedRuns(task: TaskTotals): number {
  return task.success + task.failed;
}

function seconds(value: number | undefined): string {
  return value === undefined ? "-" : formatElapsed(value);
}

export function statsText(stats: readonly WorkflowStats[], periodDays: number): string[] {
  const lines: string[] = [];
  for (const { totals, tasks, failures } of stats) {
    if (lines.length > 0) lines.push("");
    lines.push(`Workflow: ${totals.workflow}`, `Period: Last ${plural(periodDays, "day")}`, "");
    lines.push(`Executions: ${totals.executions}`);
    lines.push(`Success: ${totals.success} (${formatPercent(totals.success, totals.executions)})`);
    lines.push(`Failed: ${totals.failed} (${formatPercent(totals.failed, totals.executions)})`);
    if (totals.interrupted > 0) lines.push(`Interrupted: ${totals.interrupted} (${formatPercent(totals.interrupted, totals.executions)})`);
    if (totals.running > 0) lines.push(`Running: ${totals.running}`);
    lines.push("", `Average duration: ${seconds(totals.averageSeconds)}`, `Min duration: ${seconds(totals.minSeconds)}`, `Max duration: ${seconds(totals.maxSeconds)}`);
    if (tasks.length > 0) {
      lines.push("", "Task statistics:");
      const width = Math.max(...tasks.map((task) => taskLabel(task).length)) + 1;
      for (const task of tasks) {
        const ended = endedRuns(task);
        const rate = ended > 0 ? `${formatPercent(task.success, ended)} success` : "no finished runs";
        const extras = [
          ...(task.averageSeconds === undefined ? [] : [`avg ${formatElapsed(task.averageSeconds)}`]),
          ...(task.retries > 0 ? [`${task.retries} ${task.retries === 1 ? "retry" : "retries"}`] : []),
          ...(task.skipped > 0 ? [`${task.skipped} skipped`] : []),
        ];
        lines.push(`  ${`${taskLabel(task)}:`.padEnd(width)} ${[rate, ...extras].join(", ")}`);
      }
    }
    if (failures.length > 0) {
      lines.push("", "Failure breakdown:");
      for (const failure of failures) {
        const what = failure.tasks.length > 0 ? failure.tasks.map(describeTaskFailure).join(", ") : failure.execution.status.toLowerCase();
        lines.push(`  ${formatLocalDate(failure.execution.startedAt)}: ${what}`);
      }
      const unlisted = totals.failed + totals.interrupted - failures.length;
      if (unlisted > 0) lines.push(`  ... and ${plural(unlisted, "earlier failed execution")}`);
    }
  }
  return lines;
}

export function statsJson(stats: readonly WorkflowStats[], periodDays: number, since: Date) {
  return {
    period_days: periodDays,
    since: since.toISOString(),
    workflows: stats.map(({ totals, tasks, failures }) => ({
      workflow: totals.workflow,
      executions: totals.executions,
      success: totals.success,
      failed: totals.failed,
      interrupted: totals.interrupted,
      running: totals.running,
      success_rate: percentValue(totals.success, totals.executions),
      duration_seconds: { average: totals.averageSeconds ?? null, min: totals.minSeconds ?? null, max: totals.maxSeconds ?? null },
      tasks: tasks.map((task) => ({
        name: task.task,
        handler: task.handler ?? null,
        runs: task.runs,
        success: task.success,
        failed: task.failed,
        skipped: task.skipped,
        running: task.running,
        retries: task.retries,
        success_rate: endedRuns(task) > 0 ? percentValue(task.success, endedRuns(task)) : null,
        average_duration_seconds: task.averageSeconds ?? null,
      })),
      failures: failures.map((failure) => ({
        execution_id: failure.execution.id,
        started_at: isoTime(failure.execution.startedAt),
        status: failure.execution.status,
        tasks: failure.tasks.map((row) => ({
          name: row.taskName,
          status: row.status,
          attempt: row.attempt,
          failure_kind: row.failureKind ?? null,
          exit_code: row.exitCode ?? null,
          error: row.error ?? null,
          reason: describeFailure(row),
        })),
      })),
      failures_not_listed: Math.max(0, totals.failed + totals.interrupted - failures.length),
    })),
  };
}
