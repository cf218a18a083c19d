/** The HTML pages and their form actions; each gathers its data, then calls a pure renderer. */
import { canResume, loadedWorkflow, workflowSummaries } from "./data.ts";
import type { DashboardHost, StartOutcome } from "./host.ts";
import { logSize, readLogFrom } from "./log-file.ts";
import { findDetail, findExecution, findTask, type Found, type TaskLog } from "./lookup.ts";
import { renderExecutionPage } from "./pages/execution-page.ts";
import { executionHref } from "./pages/format.ts";
import { renderLogPage } from "./pages/log-page.ts";
import { renderMessage } from "./pages/messages.ts";
import { renderOverview } from "./pages/overview.ts";
import { renderWorkflowPage } from "./pages/workflow-page.ts";
import { attemptParameter, BadParameter } from "./params.ts";
import { htmlResponse, seeOther } from "./responses.ts";
import type { Params, Route } from "./router.ts";
import { executionEvents, logEvents } from "./sse.ts";

const RECENT_EXECUTIONS = 25;
const TITLES: Record<number, string> = { 400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 409: "Cannot do that now", 500: "Internal error" };

export function messagePage(status: number, message: string): Response {
  return htmlResponse(renderMessage(TITLES[status] ?? "Error", message), status);
}

function missing(found: Exclude<Found<unknown>, { kind: "found" }>): Response {
  return messagePage(found.status, found.message);
}

/** After "run now" or "resume": to the execution's page, or a page saying why not. */
function afterStart(outcome: StartOutcome): Response {
  if (outcome.kind === "started") return seeOther(executionHref(outcome.executionId));
  return messagePage(outcome.kind === "not-found" ? 404 : 409, outcome.message);
}

function offsetParameter(url: URL): number {
  const value = url.searchParams.get("offset");
  return value !== null && /^\d+$/.test(value) ? Number(value) : 0;
}

/** The task a log URL names (`?attempt=N` or the latest), or the page saying why there is none. */
function taskOfUrl(host: DashboardHost, params: Params, url: URL): { log: TaskLog; attempt: number | undefined } | Response {
  let attempt: number | undefined;
  try {
    attempt = attemptParameter(url.searchParams);
  } catch (error) {
    if (error instanceof BadParameter) return messagePage(400, error.message);
    throw error;
  }
  const found = findTask(host, params.id as string, params.task as string, attempt);
  return found.kind === "found" ? { log: found.value, attempt } : missing(found);
}

export function pageRoutes(host: DashboardHost): Route[] {
  return [
    {
      method: "GET",
      pattern: "/",
      handler: () => {
        const now = new Date();
        return htmlResponse(renderOverview({ workflows: workflowSummaries(host, now), facts: host.facts(), board: host.board(), now }));
      },
    },
    {
      method: "GET",
      pattern: "/workflows/:name",
      handler: (_request, { name }) => {
        const loaded = loadedWorkflow(host, name as string);
        if (!loaded) return messagePage(404, `no workflow '${name}' is loaded in this daemon`);
        const executions = host.reads.listExecutions({ workflow: loaded.workflow.name, limit: RECENT_EXECUTIONS });
        return htmlResponse(renderWorkflowPage({ loaded, executions }));
      },
    },
    { method: "POST", pattern: "/workflows/:name/run", handler: (_request, { name }) => afterStart(host.runNow(name as string)) },
    {
      method: "GET",
      pattern: "/executions/:id",
      handler: (_request, { id }) => {
        const found = findDetail(host, id as string);
        if (found.kind !== "found") return missing(found);
        return htmlResponse(renderExecutionPage({ detail: found.value, resumable: canResume(host, found.value.execution), now: new Date() }));
      },
    },
    {
      method: "GET",
      pattern: "/executions/:id/events",
      handler: (request, { id }) => {
        const found = findExecution(host, id as string);
        return found.kind === "found" ? executionEvents(host, found.value.id, request.signal) : missing(found);
      },
    },
    {
      method: "POST",
      pattern: "/executions/:id/resume",
      handler: (_request, { id }) => {
        const found = findExecution(host, id as string);
        return found.kind === "found" ? afterStart(host.resume(found.value.id)) : missing(found);
      },
    },
    {
      method: "GET",
      pattern: "/executions/:id/tasks/:task/log",
      handler: (_request, params, url) => {
        const found = taskOfUrl(host, params, url);
        if (found instanceof Response) return found;
        const { detail, row } = found.log;
        // Exactly `size` bytes: following picks up at the next byte, nothing shown twice or lost.
        const size = logSize(row.logPath);
        const text = row.logPath && size > 0 ? new TextDecoder().decode(readLogFrom(row.logPath, 0, size)) : "";
        const follow = row.status === "Running" && detail.view.live;
        return htmlResponse(renderLogPage({ execution: detail.execution, row, text, size, follow }));
      },
    },
    {
      method: "GET",
      pattern: "/executions/:id/tasks/:task/log/events",
      handler: (request, params, url) => {
        const found = taskOfUrl(host, params, url);
        if (found instanceof Response) return found;
        return logEvents(host, found.log.detail.execution.id, found.log.row.taskName, found.attempt, offsetParameter(url), request.signal);
      },
    },
  ];
}
