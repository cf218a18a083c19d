/** Database records and the rows the rest of PicoFlow sees: one mapper per table, shared by every query. */
import type { ExecutionStatus } from "../engine/status.ts";
import type { FailureKind } from "../executors/types.ts";
import { fromSqlTime } from "../util/time.ts";
import type { HandlerKind } from "../workflow/model.ts";
import type { ExecutionTrigger, TaskExecutionRow, WorkflowExecutionRow } from "./types.ts";

export interface ExecutionRecord {
  id: string;
  workflow_name: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  duration_seconds: number | null;
  workflow_file: string | null;
  log_dir: string | null;
  owner_pid: number | null;
  owner_start_ticks: string | null;
  trigger: string | null;
  scheduled_for: string | null;
}

export interface TaskRecord {
  id: string;
  workflow_execution_id: string;
  task_name: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  attempt: number;
  duration_seconds: number | null;
  error: string | null;
  failure_kind: string | null;
  log_path: string | null;
  process_pid: number | null;
  warning: string | null;
  handler: string | null;
  output: string | null;
}

export function toExecutionRow(record: ExecutionRecord): WorkflowExecutionRow {
  return {
    id: record.id,
    workflowName: record.workflow_name,
    startedAt: fromSqlTime(record.started_at),
    finishedAt: record.finished_at ? fromSqlTime(record.finished_at) : undefined,
    status: record.status as ExecutionStatus,
    durationSeconds: record.duration_seconds ?? undefined,
    workflowFile: record.workflow_file ?? undefined,
    logDir: record.log_dir ?? undefined,
    owner: record.owner_pid === null ? undefined : { pid: record.owner_pid, startTicks: record.owner_start_ticks ?? "" },
    trigger: (record.trigger as ExecutionTrigger | null) ?? undefined,
    scheduledFor: record.scheduled_for ? fromSqlTime(record.scheduled_for) : undefined,
  };
}

export function toTaskRow(record: TaskRecord): TaskExecutionRow {
  return {
    id: record.id,
    executionId: record.workflow_execution_id,
    taskName: record.task_name,
    status: record.status as ExecutionStatus,
    startedAt: fromSqlTime(record.started_at),
    finishedAt: record.finished_at ? fromSqlTime(record.finished_at) : undefined,
    exitCode: record.exit_code ?? undefined,
    stdout: record.stdout ?? "",
    stderr: record.stderr ?? "",
    attempt: record.attempt,
    durationSeconds: record.duration_seconds ?? undefined,
    error: record.error ?? undefined,
    failureKind: (record.failure_kind as FailureKind | null) ?? undefined,
    logPath: record.log_path ?? undefined,
    processPid: record.process_pid ?? undefined,
    warning: record.warning ?? undefined,
    handler: (record.handler as HandlerKind | null) ?? undefined,
    output: record.output ?? undefined,
  };
}
