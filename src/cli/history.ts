/** `picoflow history [WORKFLOW] [--workflow] [--status] [--limit] [--since] [--format]`: recent executions, newest first. */
import type { GlobalFlags } from "../config/settings.ts";
import type { ExecutionStatus } from "../engine/status.ts";
import { EXIT_OK } from "../errors.ts";
import { shortId } from "../execution/log-folder.ts";
import type { WorkflowExecutionRow } from "../store/types.ts";
import { createContext } from "./context.ts";
import { countTasks, latestAttempts, resultText, type TaskCounts } from "./execution-summary.ts";
import { formatLocalTime, formatMinutesSeconds } from "./format.ts";
import {
  isoTime,
  emptyResultMessage,
  ownerAlive,
  parseChoice,
  parseCount,
  parseDate,
  parseStatus,
  pickWorkflow,
  readPlannedTasks,
  reportNothing,
  TABLE_FORMATS,
  withHistory,
} from "./inspect.ts";
import { renderTable } from "./table.ts";

export const DEFAULT_HISTORY_LIMIT = 10;
/** The statuses a workflow execution can have (Timeout and Skipped belong to tasks). */
const EXECUTION_FILTER_STATUSES: readonly ExecutionStatus[] = ["Success", "Failed", "Running", "Interrupted"];

export interface HistoryArgs {
  workflowArg: string | undefined;
  workflow: string | undefined;
  status: string | undefined;
  limit: string | undefined;
  since: string | undefined;
  format: string | undefined;
  globals: GlobalFlags;
}

/** One line of history; also the JSON shape (see docs/cli-json.md). */
export interface HistoryEntry {
  execution: WorkflowExecutionRow;
  tasks: TaskCounts;
  result: string;
  ownerAlive: boolean | undefined;
}

export async function historyCommand(args: HistoryArgs): Promise<number> {
  const workflow = pickWorkflow(args.workflowArg, args.workflow);
  const status = parseStatus("--status", args.status, EXECUTION_FILTER_STATUSES);
  const limit = parseCount("--limit", args.limit, DEFAULT_HISTORY_LIMIT);
  const since = parseDate("--since", args.since);
  const format = parseChoice("--format", args.format, TABLE_FORMATS, "table");
  const context = await createContext(args.globals);
  const empty = { executions: [] };

  return withHistory(context, format, empty, async (history) => {
    const executions = history.listExecutions({ workflow, status, since, limit });
    if (executions.length === 0) {
      const filtered = status !== undefined || since !== undefined || workflow !== undefined;
      reportNothing(context, format, emptyResultMessage(history, workflow, filtered ? "No executions match these filters" : "No executions recorded yet"), empty);
      return EXIT_OK;
    }
    const rows = history.taskSummaries(
      executions.map((execution) => execution.id),
    );
    const entries: HistoryEntry[] = [];
    for (const execution of executions) {
      // Handlers report on the run; they are not its tasks, and cannot change its result.
      const latest = latestAttempts((rows.get(execution.id) ?? []).filter((row) => row.handler === undefined));
      const alive = execution.status === "Running" ? ownerAlive(execution) : undefined;
      // Only a live or interrupted run has tasks with no row; its workflow file says how many there are.
      const planned = alive || execution.status === "Interrupted" ? await readPlannedTasks(execution, context.settings.workflowDefaults) : undefined;
      entries.push({ execution, tasks: countTasks(latest, planned?.length), result: resultText(execution, latest, alive ?? false), ownerAlive: alive });
    }
    const now = new Date();
    const lines = format === "json" ? [JSON.stringify(historyJson(entries), null, 2)] : historyTable(entries, now);
    for (const line of lines) context.stdout(line);
    return EXIT_OK;
  });
}

export function historyJson(entries: readonly HistoryEntry[]) {
  return {
    executions: entries.map(({ execution, tasks, result, ownerAlive }) => ({
      id: execution.id,
      short_id: shortId(execution.id),
      workflow: execution.workflowName,
      status: execution.status,
      trigger: execution.trigger ?? null,
      scheduled_for: isoTime(execution.scheduledFor),
      started_at: isoTime(execution.startedAt),
      finished_at: isoTime(execution.finishedAt),
      duration_seconds: execution.durationSeconds ?? null,
      tasks: { total: tasks.total, succeeded: tasks.succeeded, failed: tasks.failed, skipped: tasks.skipped, running: tasks.running },
      result,
      owner_alive: ownerAlive ?? null,
      workflow_file: execution.workflowFile ?? null,
      log_dir: execution.logDir ?? null,
    })),
  };
}

export function historyTable(entries: readonly HistoryEntry[], now: Date): string[] {
  return renderTable(
    [{ header: "WORKFLOW" }, { header: "STARTED" }, { header: "DURATION" }, { header: "STATUS" }, { header: "TASKS" }, { header: "TRIGGER" }, { header: "SCHEDULED FOR" }, { header: "RESULT" }],
    entries.map(({ execution, tasks, result, ownerAlive }) => {
      // A live run shows how long it has been going; one whose process died has no duration.
      const seconds = execution.durationSeconds ?? (ownerAlive ? (now.getTime() - execution.startedAt.getTime()) / 1000 : undefined);
      return [
        execution.workflowName,
        formatLocalTime(execution.startedAt),
        seconds === undefined ? "-" : formatMinutesSeconds(seconds),
        execution.status,
        `${tasks.succeeded}/${tasks.total}`,
        execution.trigger ?? "-",
        execution.scheduledFor ? formatLocalTime(execution.scheduledFor) : "-",
        result,
      ];
    }),
  );
}
