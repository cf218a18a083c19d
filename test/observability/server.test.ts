import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import packageJson from "../../package.json" with { type: "json" };
import type { RunEvent } from "../../src/engine/events.ts";
import { EXIT_USAGE, ListenError } from "../../src/errors.ts";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import { type MetricsServer, startMetricsServer } from "../../src/observability/server.ts";
import { parseExposition, valueOf } from "../helpers/exposition.ts";
import { EngineRunner, shellTask, workflowOf } from "../helpers/run-engine.ts";

const LOOPBACK = "127.0.0.1";
const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

const runner = new EngineRunner();
let metrics: Metrics;
let server: MetricsServer;

beforeAll(() => {
  metrics = createMetrics({ version: packageJson.version, startedAt: new Date() });
  server = startMetricsServer({ port: 0, bindAddress: LOOPBACK }, metrics);
});
afterAll(async () => {
  await server.stop();
  runner.dispose();
});

async function scrape(): Promise<ReturnType<typeof parseExposition>> {
  const response = await fetch(server.url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(PROMETHEUS_TEXT);
  return parseExposition(await response.text());
}

describe("serving", () => {
  test("it binds the requested loopback address and reports the port it got", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://${LOOPBACK}:${server.port}/metrics`);
  });

  test("a scrape during a run sees it running, and its results after it finished", async () => {
    const interrupt = new AbortController();
    const waiting = Promise.withResolvers<void>();
    const skipped = Promise.withResolvers<void>();
    const onEvent = (event: RunEvent) => {
      metrics.onEvent(event);
      if (event.type === "attempt-started" && event.task === "wait") waiting.resolve();
      if (event.type === "task-skipped") skipped.resolve();
    };
    const workflow = workflowOf("scraped", [
      shellTask("prepare", "true"),
      shellTask("retrying", "false", [], { retries: 1 }),
      shellTask("after", "true", [], { dependsOn: ["retrying"] }),
      shellTask("wait", "sleep", ["30"], { dependsOn: ["prepare"] }),
    ]);
    const outcome = runner.run(workflow, onEvent, interrupt.signal);
    // Interrupt only once the failing branch is settled, so its counts are deterministic.
    await Promise.all([waiting.promise, skipped.promise]);

    const during = await scrape();
    expect(valueOf(during, "picoflow_workflow_running", { workflow: "scraped" })).toBe(1);
    expect(valueOf(during, "picoflow_task_executions_total", { workflow: "scraped", task: "prepare", status: "success" })).toBe(1);

    interrupt.abort();
    expect((await outcome).status).toBe("Interrupted");
    const after = await scrape();
    const task = (name: string) => ({ workflow: "scraped", task: name });
    expect(valueOf(after, "picoflow_workflow_running", { workflow: "scraped" })).toBe(0);
    expect(valueOf(after, "picoflow_workflow_executions_total", { workflow: "scraped", status: "interrupted" })).toBe(1);
    expect(valueOf(after, "picoflow_task_executions_total", { ...task("retrying"), status: "failed" })).toBe(2);
    expect(valueOf(after, "picoflow_task_retries_total", task("retrying"))).toBe(1);
    expect(valueOf(after, "picoflow_task_executions_total", { ...task("after"), status: "skipped" })).toBe(1);
    expect(valueOf(after, "picoflow_task_executions_total", { ...task("wait"), status: "interrupted" })).toBe(1);
    expect(valueOf(after, "picoflow_task_duration_seconds_count", task("wait"))).toBe(1);
    expect(valueOf(after, "picoflow_info", { version: packageJson.version })).toBe(1);
    expect(valueOf(after, "picoflow_memory_bytes")).toBeGreaterThan(0);
  });

  test("/health answers ok", async () => {
    const response = await fetch(new URL("/health", server.url));
    expect(response.status).toBe(200);
    expect((await response.text()).trim()).toBe("ok");
  });

  test("anything else is a 404", async () => {
    for (const path of ["/", "/metrics/", "/metricsx", "/healthz", "/favicon.ico"]) {
      const response = await fetch(new URL(path, server.url));
      expect(response.status, path).toBe(404);
      await response.text();
    }
    const post = await fetch(server.url, { method: "POST", body: "x" });
    expect(post.status).toBe(404);
  });

  test("a query string does not change the answer", async () => {
    const response = await fetch(`${server.url}?name[]=picoflow_info`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("picoflow_info");
  });
});

describe("failures", () => {
  test("a port in use is one clear line naming address and port, with exit code 2", () => {
    let thrown: unknown;
    try {
      startMetricsServer({ port: server.port, bindAddress: LOOPBACK }, metrics);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ListenError);
    const error = thrown as ListenError;
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(error.code).toBe("EADDRINUSE");
    expect(error.message).toContain(`${LOOPBACK}:${server.port}`);
    expect(error.message).toContain("already in use");
    expect(error.message).not.toContain("\n");
    expect(error.lines()).toEqual([error.message]);
  });

  test("a collect() that throws costs one scrape a 500, not the server", async () => {
    const broken: Metrics = { onEvent: () => {}, declare: () => {}, contentType: PROMETHEUS_TEXT, render: () => Promise.reject(new Error("boom")) };
    const other = startMetricsServer({ port: 0, bindAddress: LOOPBACK }, broken);
    try {
      const response = await fetch(other.url);
      expect(response.status).toBe(500);
      expect(await response.text()).toContain("boom");
      expect((await fetch(new URL("/health", other.url))).status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  test("stop() frees the port for the next start", async () => {
    const first = startMetricsServer({ port: 0, bindAddress: LOOPBACK }, metrics);
    const { port } = first;
    await (await fetch(first.url)).text();
    await first.stop();
    const second = startMetricsServer({ port, bindAddress: LOOPBACK }, metrics);
    try {
      expect(second.port).toBe(port);
      expect((await fetch(second.url)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});
