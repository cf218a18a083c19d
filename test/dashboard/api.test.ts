import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../daemon/helpers.ts";
import { type DashboardDaemon, type ExecutionJson, finished, getJson, startDashboardDaemon } from "./helpers.ts";

let d: DashboardDaemon;
let demoId: string;
beforeAll(async () => {
  d = await startDashboardDaemon();
  const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/demo/runs`, { method: "POST" });
  demoId = run.body.execution_id;
  await finished(d.base, demoId);
}, 60_000);
afterAll(() => d?.cleanup());

const api = (path: string) => `${d.base}/api/v1${path}`;

interface ErrorBody {
  error: string;
}

describe("GET /api/v1/workflows", () => {
  test("every loaded workflow with its schedule, last execution and 30-day success rate", async () => {
    const { status, body, headers } = await getJson<{ workflows: Record<string, unknown>[] }>(api("/workflows"));
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(body.workflows.map((workflow) => workflow.name)).toEqual(["demo", "flaky", "slow", "nightly"]);
    const demo = body.workflows[0] as { schedule: unknown; tasks: number; last_execution: { id: string; status: string }; success_rate_30d: number; executions_30d: number };
    expect(demo.schedule).toBeNull();
    expect(demo.tasks).toBe(3);
    expect(demo.last_execution).toMatchObject({ id: demoId, status: "Success" });
    expect(demo.success_rate_30d).toBe(100);
    expect(body.workflows[2]).toMatchObject({ name: "slow", last_execution: null, success_rate_30d: null, executions_30d: 0 });
    const nightly = body.workflows[3] as { schedule: string; timezone: string; next_run: string };
    expect(nightly).toMatchObject({ schedule: "0 30 2 * * *", timezone: "Europe/Berlin" });
    const next = Date.parse(nightly.next_run);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(24 * 60 * 60 * 1000 + 60 * 60 * 1000);
  });
});

describe("POST /api/v1/workflows/{name}/runs", () => {
  test("202 with the execution id; it runs to the end and is in the history", async () => {
    const { status, body, headers } = await getJson<{ execution_id: string; url: string }>(api("/workflows/flaky/runs"), { method: "POST" });
    expect(status).toBe(202);
    expect(body.execution_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get("location")).toBe(`/api/v1/executions/${body.execution_id}`);
    const execution = await finished(d.base, body.execution_id);
    expect(execution.status).toBe("Failed");
    const history = await getJson<{ executions: { id: string }[] }>(api("/executions?workflow=flaky"));
    expect(history.body.executions.map((row) => row.id)).toContain(body.execution_id);
  });

  test("an unknown workflow is 404, a GET is 405, a second run while one runs is 409", async () => {
    const unknown = await getJson<ErrorBody>(api("/workflows/nope/runs"), { method: "POST" });
    expect(unknown).toMatchObject({ status: 404, body: { error: "no workflow 'nope' is loaded in this daemon" } });
    const get = await getJson<ErrorBody>(api("/workflows/demo/runs"));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(get.body.error).toBe("GET is not allowed here; use POST");

    const first = await getJson<{ execution_id: string }>(api("/workflows/slow/runs"), { method: "POST" });
    expect(first.status).toBe(202);
    const second = await getJson<ErrorBody>(api("/workflows/slow/runs"), { method: "POST" });
    expect(second.status).toBe(409);
    expect(second.body.error).toBe(`workflow 'slow' is already running (execution ${first.body.execution_id}); one execution of a workflow runs at a time`);
    d.touch("go");
    expect((await finished(d.base, first.body.execution_id)).status).toBe("Success");
  });
});

describe("GET /api/v1/executions", () => {
  test("the history filters as query parameters", async () => {
    const all = await getJson<{ executions: { id: string; workflow: string; status: string }[] }>(api("/executions"));
    expect(all.status).toBe(200);
    expect(all.body.executions.length).toBeGreaterThanOrEqual(2);
    const success = await getJson<{ executions: { workflow: string; status: string }[] }>(api("/executions?status=SUCCESS&workflow=demo&limit=1&since=2020-01-01"));
    expect(success.body.executions).toEqual([expect.objectContaining({ workflow: "demo", status: "Success", id: demoId })]);
    const future = await getJson<{ executions: unknown[] }>(api("/executions?since=2999-01-01T00:00:00Z"));
    expect(future.body.executions).toEqual([]);
    const none = await getJson<{ executions: unknown[] }>(api("/executions?workflow=never-loaded"));
    expect(none).toMatchObject({ status: 200, body: { executions: [] } });
  });

  test("bad filters are 400 with a JSON error naming the parameter", async () => {
    const cases: [string, string][] = [
      ["limit=abc", 'limit: "abc" is not a whole number of at least 1'],
      ["limit=0", 'limit: "0" is not a whole number of at least 1'],
      ["limit=5000", "limit: 5000 is more than 1000"],
      ["status=bogus", 'status: "bogus" is not one of success, failed, running, interrupted'],
      ["since=2025-13-45", 'since: "2025-13-45" is not a date in the form YYYY-MM-DD'],
      ["since=yesterday", 'since: "yesterday" is not a date (YYYY-MM-DD) or an ISO 8601 date-time with a zone'],
      ["workflow=a%20b", 'workflow: "a b" is not a workflow name (letters, digits, _ and -)'],
      ["color=red", "unknown query parameter 'color' (use workflow, status, limit, since)"],
    ];
    for (const [query, message] of cases) {
      const { status, body, headers } = await getJson<ErrorBody>(api(`/executions?${query}`));
      expect({ query, status, body }).toEqual({ query, status: 400, body: { error: message } });
      expect(headers.get("content-type")).toBe("application/json; charset=utf-8");
    }
  });
});

describe("GET /api/v1/executions/{id}", () => {
  test("its tasks in workflow order, each with its dependencies and attempts", async () => {
    const { status, body } = await getJson<ExecutionJson>(api(`/executions/${demoId}`));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "Success", trigger: "manual", scheduled_for: null });
    expect(body.tasks.map((task) => [task.name, task.state, task.depends_on])).toEqual([
      ["prepare", "succeeded", []],
      ["build", "succeeded", ["prepare"]],
      ["report", "succeeded", ["build"]],
    ]);
    const build = body.tasks[1]?.attempts[0];
    expect(build).toMatchObject({ attempt: 1, status: "Success", exit_code: 0, error: null });
    expect(build?.stdout_tail).toBe("<script>alert(1)</script>\n");
    expect(build?.stderr_tail).toBe("<img src=x onerror=alert(1)>\n");
  });

  test("the short id works too; unknown and malformed ids are 404", async () => {
    const short = demoId.replaceAll("-", "").slice(-8);
    expect((await getJson<ExecutionJson>(api(`/executions/${short}`))).body.id).toBe(demoId);
    expect(await getJson<ErrorBody>(api("/executions/ffffffff"))).toMatchObject({ status: 404, body: { error: "no execution 'ffffffff'" } });
    expect(await getJson<ErrorBody>(api("/executions/..%2F..%2Fetc"))).toMatchObject({ status: 404, body: { error: "no execution '../../etc'" } });
    expect(await getJson<ErrorBody>(api("/nothing/here"))).toMatchObject({ status: 404, body: { error: "no such API path: /api/v1/nothing/here" } });
  });
});

describe("GET /api/v1/executions/{id}/tasks/{task}/log", () => {
  test("the task's whole log file as text", async () => {
    const response = await fetch(api(`/executions/${demoId}/tasks/build/log`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("<script>alert(1)</script>");
    expect(text).toContain("<img src=x onerror=alert(1)>");
  });

  test("unknown task or attempt is 404, a bad attempt number 400", async () => {
    expect(await getJson<ErrorBody>(api(`/executions/${demoId}/tasks/nope/log`))).toMatchObject({ status: 404, body: { error: `execution ${demoId} has no task 'nope'` } });
    expect(await getJson<ErrorBody>(api(`/executions/${demoId}/tasks/build/log?attempt=2`))).toMatchObject({ status: 404, body: { error: "task 'build' has no attempt 2" } });
    expect(await getJson<ErrorBody>(api(`/executions/${demoId}/tasks/build/log?attempt=x`))).toMatchObject({ status: 400, body: { error: 'attempt: "x" is not a whole number of at least 1' } });
    expect((await getJson<ErrorBody>(api("/executions/ffffffff/tasks/build/log"))).status).toBe(404);
  });
});

describe("POST /api/v1/executions/{id}/resume", () => {
  test("a failed execution resumes under its id: only what did not succeed runs again", async () => {
    const run = await getJson<{ execution_id: string }>(api("/workflows/flaky/runs"), { method: "POST" });
    const failed = await finished(d.base, run.body.execution_id);
    expect(failed.status).toBe("Failed");
    d.touch("fixed");
    const resumed = await getJson<{ execution_id: string }>(api(`/executions/${failed.id}/resume`), { method: "POST" });
    expect(resumed).toMatchObject({ status: 202, body: { execution_id: failed.id } });
    const done = await finished(d.base, failed.id);
    expect(done.status).toBe("Success");
    expect(done.tasks.map((task) => [task.name, task.attempts.length])).toEqual([
      ["first", 1],
      ["check", 2],
    ]);
  });

  test("a succeeded execution is 409, an unknown one 404, a GET 405", async () => {
    expect(await getJson<ErrorBody>(api(`/executions/${demoId}/resume`), { method: "POST" })).toMatchObject({
      status: 409,
      body: { error: `execution ${demoId} succeeded; there is nothing to resume` },
    });
    expect((await getJson<ErrorBody>(api("/executions/ffffffff/resume"), { method: "POST" })).status).toBe(404);
    expect((await getJson<ErrorBody>(api(`/executions/${demoId}/resume`))).status).toBe(405);
  });
});

describe("cross-site requests", () => {
  test("an Origin naming another site is refused with 403 and nothing starts; the own origin and no Origin are served", async () => {
    const before = (await getJson<{ executions: unknown[] }>(api("/executions?workflow=demo&limit=1000"))).body.executions.length;
    const evil = await getJson<ErrorBody>(api("/workflows/demo/runs"), { method: "POST", headers: { origin: "http://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toContain("another origin");
    const page = await fetch(`${d.base}/workflows/demo/run`, { method: "POST", headers: { origin: "null" }, redirect: "manual" });
    expect(page.status).toBe(403);
    expect((await getJson<{ executions: unknown[] }>(api("/executions?workflow=demo&limit=1000"))).body.executions.length).toBe(before);

    const own = await getJson<{ execution_id: string }>(api("/workflows/demo/runs"), { method: "POST", headers: { origin: d.base } });
    expect(own.status).toBe(202);
    await finished(d.base, own.body.execution_id);
  });

  test("pages carry a Content-Security-Policy without inline scripts; the script is a same-origin file", async () => {
    const response = await fetch(`${d.base}/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const page = await response.text();
    expect(page).toContain('<script src="/assets/dashboard.js" defer></script>');
    expect(page.match(/<script/g)?.length).toBe(1);
    const script = await fetch(`${d.base}/assets/dashboard.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("EventSource");
  });

  test("/metrics and /health are still served beside the dashboard", async () => {
    expect((await fetch(`${d.base}/health`)).status).toBe(200);
    expect(await (await fetch(`${d.base}/metrics`)).text()).toContain("picoflow_");
  });
});

describe("server-sent events", () => {
  test("a running execution's stream says change, then end once it is over", async () => {
    const run = await getJson<{ execution_id: string }>(api("/workflows/demo/runs"), { method: "POST" });
    const response = await fetch(`${d.base}/executions/${run.body.execution_id}/events`);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("event: change");
    expect(text).toMatch(/event: end\ndata: \{"status":"Success"\}/);
    await waitFor(async () => (await finished(d.base, run.body.execution_id)).status === "Success", 10_000, "the run");
  });
});
