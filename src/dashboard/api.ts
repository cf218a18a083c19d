/** The JSON API under /api/v1/ (docs/api.md, docs/openapi.yaml). Errors are `{"error": "..."}` with 400, 404 or 409. */
import { API_PREFIX, jsonError, jsonResponse } from "./responses.ts";
import { workflowSummaries } from "./data.ts";
import type { DashboardHost, StartOutcome } from "./host.ts";
import { executionDetailJson, executionJson, workflowJson } from "./json-views.ts";
import { readLogText } from "./log-file.ts";
import { findDetail, findExecution, findTask, type Found } from "./lookup.ts";
import { attemptParameter, BadParameter, historyFilter } from "./params.ts";
import type { Route } from "./router.ts";

function missing(found: Exclude<Found<unknown>, { kind: "found" }>): Response {
  return jsonError(found.status, found.message);
}

/** A bad query parameter is a 400 with its message; anything else is a real fault. */
async function withParameters(handle: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (error) {
    if (error instanceof BadParameter) return jsonError(400, error.message);
    throw error;
  }
}

const STATUS_OF: Record<Exclude<StartOutcome["kind"], "started">, number> = { "not-found": 404, conflict: 409 };

function started(outcome: StartOutcome): Response {
  if (outcome.kind !== "started") return jsonError(STATUS_OF[outcome.kind], outcome.message);
  const url = `${API_PREFIX}/executions/${outcome.executionId}`;
  return jsonResponse({ execution_id: outcome.executionId, url }, 202, { location: url });
}

export function apiRoutes(host: DashboardHost): Route[] {
  return [
    {
      method: "GET",
      pattern: `${API_PREFIX}/workflows`,
      handler: () => jsonResponse({ workflows: workflowSummaries(host, new Date()).map(workflowJson) }),
    },
    {
      method: "GET",
      pattern: `${API_PREFIX}/executions`,
      handler: (_request, _params, url) => withParameters(() => jsonResponse({ executions: host.reads.listExecutions(historyFilter(url.searchParams)).map(executionJson) })),
    },
    {
      method: "GET",
      pattern: `${API_PREFIX}/executions/:id`,
      handler: (_request, { id }) => {
        const found = findDetail(host, id as string);
        return found.kind === "found" ? jsonResponse(executionDetailJson(found.value)) : missing(found);
      },
    },
    {
      method: "GET",
      pattern: `${API_PREFIX}/executions/:id/tasks/:task/log`,
      handler: (_request, { id, task }, url) =>
        withParameters(async () => {
          const found = findTask(host, id as string, task as string, attemptParameter(url.searchParams));
          if (found.kind !== "found") return missing(found);
          return new Response(await readLogText(found.value.row.logPath), { headers: { "content-type": "text/plain; charset=utf-8" } });
        }),
    },
    {
      method: "POST",
      pattern: `${API_PREFIX}/workflows/:name/runs`,
      handler: (_request, { name }) => started(host.runNow(name as string)),
    },
    {
      method: "POST",
      pattern: `${API_PREFIX}/executions/:id/resume`,
      handler: (_request, { id }) => {
        const found = findExecution(host, id as string);
        return found.kind === "found" ? started(host.resume(found.value.id)) : missing(found);
      },
    },
  ];
}
