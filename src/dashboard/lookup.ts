/** Finding what a URL names, shared by pages and API: an unknown id is "not found", an ambiguous prefix a bad request. */
import { StoreError } from "../errors.ts";
import type { TaskExecutionRow, WorkflowExecutionRow } from "../store/types.ts";
import { attemptOf, type ExecutionDetail, executionDetail } from "./data.ts";
import type { DashboardHost } from "./host.ts";

export type Found<T> = { kind: "found"; value: T } | { kind: "missing"; status: 400 | 404; message: string };

const ID_TEXT = /^[0-9A-Fa-f-]{4,36}$/;

export function findExecution(host: DashboardHost, id: string): Found<WorkflowExecutionRow> {
  if (!ID_TEXT.test(id)) return { kind: "missing", status: 404, message: `no execution '${id}'` };
  try {
    const execution = host.reads.findExecution(id);
    return execution ? { kind: "found", value: execution } : { kind: "missing", status: 404, message: `no execution '${id}'` };
  } catch (error) {
    if (error instanceof StoreError) return { kind: "missing", status: 400, message: error.message };
    throw error;
  }
}

export function findDetail(host: DashboardHost, id: string): Found<ExecutionDetail> {
  const found = findExecution(host, id);
  return found.kind === "found" ? { kind: "found", value: executionDetail(host, found.value) } : found;
}

export interface TaskLog {
  detail: ExecutionDetail;
  row: TaskExecutionRow;
}

/** A task of an execution (its latest attempt, or `attempt`), for its log. */
export function findTask(host: DashboardHost, id: string, task: string, attempt?: number): Found<TaskLog> {
  const found = findDetail(host, id);
  if (found.kind !== "found") return found;
  const row = attemptOf(found.value.rows, task, attempt);
  if (!row) {
    const known = found.value.rows.some((candidate) => candidate.taskName === task);
    const message = known ? `task '${task}' has no attempt ${attempt}` : `execution ${found.value.execution.id} has no task '${task}'`;
    return { kind: "missing", status: 404, message };
  }
  return { kind: "found", value: { detail: found.value, row } };
}
