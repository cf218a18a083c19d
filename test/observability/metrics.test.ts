import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { register as globalRegistry } from "prom-client";
import packageJson from "../../package.json" with { type: "json" };
import type { RunEvent } from "../../src/engine/events.ts";
import {
  createMetrics,
  type Metrics,
  TASK_DURATION_BUCKETS_SECONDS,
  WORKFLOW_DURATION_BUCKETS_SECONDS,
} from "../../src/observability/metrics.ts";
import { type Family, parseExposition, samplesOf, valueOf } from "../helpers/exposition.ts";
import { EngineRunner, shellTask, workflowOf } from "../helpers/run-engine.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** Every family the user guide promises: HELP text, type and label names (histogram labels without `le`). */
const GUIDE_FAMILIES = [
  ["picoflow_workflow_executions_total", "Total workflow executions", "counter", ["workflow", "status"]],
  ["picoflow_workflow_duration_seconds", "Workflow execution duration", "histogram", ["workflow"]],
  ["picoflow_workflow_running", "Current running workflows", "gauge", ["workflow"]],
  ["picoflow_task_executions_total", "Total task executions", "counter", ["workflow", "task", "status"]],
  ["picoflow_task_duration_seconds", "Task execution duration", "histogram", ["workflow", "task"]],
  ["picoflow_task_retries_total", "Total task retry attempts", "counter", ["workflow", "task"]],
  ["picoflow_info", "PicoFlow version info", "gauge", ["version"]],
  ["picoflow_uptime_seconds", "PicoFlow daemon uptime", "counter", []],
  ["picoflow_memory_bytes", "Memory usage in bytes", "gauge", []],
  ["picoflow_memory_private_bytes", "Private memory (RssAnon) in bytes", "gauge", []],
] as const;

const STARTED_SECONDS_AGO = 42;
const SECRET = "s3cr3t-token-value";

const runner = new EngineRunner();
const events: RunEvent[] = [];
let metrics: Metrics;
let families: Map<string, Family>;

/** A failing branch with retries, a skip, a timeout and a tolerated success; a clean workflow twice; one interrupted. */
beforeAll(async () => {
  metrics = createMetrics({ version: packageJson.version, startedAt: new Date(Date.now() - STARTED_SECONDS_AGO * 1000) });
  const onEvent = (event: RunEvent) => {
    events.push(event);
    metrics.onEvent(event);
  };
  const backup = workflowOf("nightly-backup", [
    shellTask("fetch", "true"),
    shellTask("flaky", "false", [], { retries: 2 }),
    shellTask("upload", "true", [], { dependsOn: ["flaky"] }),
    shellTask("slow", "sleep", ["5"], { timeoutMs: 200 }),
    // Its stderr and error text reach the events; they must never reach the metrics.
    shellTask("leaky", "sh", ["-c", `echo ${SECRET} >&2; exit 3`], { continueOnFailure: true }),
  ]);
  expect((await runner.run(backup, onEvent)).status).toBe("Failed");
  const quick = workflowOf("quick", [shellTask("only", "true")]);
  expect((await runner.run(quick, onEvent)).status).toBe("Success");
  expect((await runner.run(quick, onEvent)).status).toBe("Success");

  const interrupt = new AbortController();
  const long = workflowOf("long", [shellTask("wait", "sleep", ["30"])]);
  const outcome = runner.run(long, (event) => {
    onEvent(event);
    if (event.type === "attempt-started") interrupt.abort();
  }, interrupt.signal);
  expect((await outcome).status).toBe("Interrupted");

  families = parseExposition(await metrics.render());
});
afterAll(() => runner.dispose());

describe("exposition", () => {
  test("every metric of the guide is there with its HELP text, type and labels", () => {
    for (const [name, help, type, labels] of GUIDE_FAMILIES) {
      const family = families.get(name);
      expect(family, name).toBeDefined();
      expect(family?.help).toBe(help);
      expect(family?.type).toBe(type);
      expect(family?.samples.length, `${name} has samples`).toBeGreaterThan(0);
      for (const sample of family?.samples ?? []) {
        const keys = Object.keys(sample.labels).filter((key) => !(type === "histogram" && key === "le"));
        expect(keys.sort(), sample.name).toEqual([...labels].sort());
      }
    }
    expect([...families.keys()].sort()).toEqual(GUIDE_FAMILIES.map(([name]) => name).sort());
  });

  test("the content type is Prometheus text format 0.0.4", () => {
    expect(metrics.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  test("label values are workflow and task names only: no output, error text or secrets", async () => {
    const text = await metrics.render();
    expect(events.some((event) => event.type === "attempt-finished" && event.stderrTail.includes(SECRET))).toBe(true);
    expect(text).not.toContain(SECRET);
    const names = new Set(["nightly-backup", "quick", "long", "fetch", "flaky", "upload", "slow", "leaky", "only", "wait"]);
    for (const family of families.values()) {
      for (const sample of family.samples) {
        if (sample.labels.workflow !== undefined) expect(names.has(sample.labels.workflow)).toBe(true);
        if (sample.labels.task !== undefined) expect(names.has(sample.labels.task)).toBe(true);
      }
    }
  });
});

describe("workflow metrics", () => {
  test("executions are counted by workflow and lowercase final status", () => {
    const count = (workflow: string, status: string) => valueOf(families, "picoflow_workflow_executions_total", { workflow, status });
    expect(count("nightly-backup", "failed")).toBe(1);
    expect(count("quick", "success")).toBe(2);
    expect(count("long", "interrupted")).toBe(1);
    expect(samplesOf(families, "picoflow_workflow_executions_total")).toHaveLength(3);
  });

  test("every finished run is one duration observation, in the documented buckets", () => {
    expectHistogram("picoflow_workflow_duration_seconds", { workflow: "quick" }, WORKFLOW_DURATION_BUCKETS_SECONDS, 2);
    expectHistogram("picoflow_workflow_duration_seconds", { workflow: "long" }, WORKFLOW_DURATION_BUCKETS_SECONDS, 1);
    // The slow task's 200 ms timeout bounds the failed run from below.
    const backup = { workflow: "nightly-backup" };
    expectHistogram("picoflow_workflow_duration_seconds", backup, WORKFLOW_DURATION_BUCKETS_SECONDS, 1);
    expect(valueOf(families, "picoflow_workflow_duration_seconds_sum", backup)).toBeGreaterThanOrEqual(0.2);
    for (const le of ["60", "300", "600"]) {
      expect(samplesOf(families, "picoflow_workflow_duration_seconds_bucket", { ...backup, le })).toHaveLength(1);
    }
  });

  test("the running gauge is back to zero once every run has finished", () => {
    for (const workflow of ["nightly-backup", "quick", "long"]) {
      expect(valueOf(families, "picoflow_workflow_running", { workflow })).toBe(0);
    }
  });
});

describe("task metrics", () => {
  const task = (workflow: string, name: string) => ({ workflow, task: name });

  test("each finished attempt counts with its status, and a skipped task counts as skipped", () => {
    const count = (workflow: string, name: string, status: string) =>
      valueOf(families, "picoflow_task_executions_total", { ...task(workflow, name), status });
    expect(count("nightly-backup", "fetch", "success")).toBe(1);
    expect(count("nightly-backup", "flaky", "failed")).toBe(3);
    expect(count("nightly-backup", "upload", "skipped")).toBe(1);
    expect(count("nightly-backup", "slow", "timeout")).toBe(1);
    expect(count("nightly-backup", "leaky", "failed")).toBe(1);
    expect(count("quick", "only", "success")).toBe(2);
    expect(count("long", "wait", "interrupted")).toBe(1);
    // Exactly one count per attempt-finished or task-skipped event: nothing counted twice.
    const counted = samplesOf(families, "picoflow_task_executions_total").reduce((sum, sample) => sum + sample.value, 0);
    expect(counted).toBe(events.filter((event) => event.type === "attempt-finished" || event.type === "task-skipped").length);
  });

  test("durations are observed per attempt; skipped tasks add none", () => {
    expectHistogram("picoflow_task_duration_seconds", task("nightly-backup", "flaky"), TASK_DURATION_BUCKETS_SECONDS, 3);
    expectHistogram("picoflow_task_duration_seconds", task("quick", "only"), TASK_DURATION_BUCKETS_SECONDS, 2);
    const slow = task("nightly-backup", "slow");
    expectHistogram("picoflow_task_duration_seconds", slow, TASK_DURATION_BUCKETS_SECONDS, 1);
    expect(valueOf(families, "picoflow_task_duration_seconds_sum", slow)).toBeGreaterThanOrEqual(0.2);
    expect(valueOf(families, "picoflow_task_duration_seconds_bucket", { ...slow, le: "0.1" })).toBe(0);
    expect(samplesOf(families, "picoflow_task_duration_seconds_count", task("nightly-backup", "upload"))).toHaveLength(0);
  });

  test("retries count scheduled retries, not attempts", () => {
    expect(valueOf(families, "picoflow_task_retries_total", task("nightly-backup", "flaky"))).toBe(2);
    expect(samplesOf(families, "picoflow_task_retries_total")).toHaveLength(1);
  });
});

describe("system metrics", () => {
  test("info carries the package version with value 1", () => {
    expect(valueOf(families, "picoflow_info", { version: packageJson.version })).toBe(1);
  });

  test("uptime counts from startedAt and never goes down between scrapes", async () => {
    const first = valueOf(families, "picoflow_uptime_seconds");
    expect(first).toBeGreaterThanOrEqual(STARTED_SECONDS_AGO);
    expect(first).toBeLessThan(STARTED_SECONDS_AGO + 60);
    const uptime = async () => valueOf(parseExposition(await metrics.render()), "picoflow_uptime_seconds");
    expect(await uptime()).toBeGreaterThanOrEqual(first);
    // It counts on: a later scrape reports more (by the monotonic clock, so at once or nearly).
    const second = await waitFor(async () => {
      const now = await uptime();
      return now > first && now;
    }, 5000, "the uptime to grow");
    expect(second).toBeLessThan(first + 60);
  });

  test("memory is this process's resident set size at scrape time", async () => {
    const before = process.memoryUsage.rss();
    const reported = valueOf(parseExposition(await metrics.render()), "picoflow_memory_bytes");
    const after = process.memoryUsage.rss();
    expect(reported).toBeGreaterThanOrEqual(Math.min(before, after) * 0.9);
    expect(reported).toBeLessThanOrEqual(Math.max(before, after) * 1.1);
  });

  test("private memory is this process's RssAnon at scrape time, a part of its RSS", async () => {
    const anon = () => Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) * 1024;
    const before = anon();
    const scraped = parseExposition(await metrics.render());
    const after = anon();
    const reported = valueOf(scraped, "picoflow_memory_private_bytes");
    expect(reported).toBeGreaterThanOrEqual(Math.min(before, after) * 0.9);
    expect(reported).toBeLessThanOrEqual(Math.max(before, after) * 1.1);
    expect(reported).toBeLessThan(valueOf(scraped, "picoflow_memory_bytes"));
  });
});

describe("isolation", () => {
  test("each instance has its own registry and prom-client's global one stays empty", async () => {
    const fresh = createMetrics({ version: "9.9.9", startedAt: new Date() });
    const text = parseExposition(await fresh.render());
    expect(samplesOf(text, "picoflow_task_executions_total")).toHaveLength(0);
    expect(valueOf(text, "picoflow_info", { version: "9.9.9" })).toBe(1);
    expect(samplesOf(families, "picoflow_info", { version: "9.9.9" })).toHaveLength(0);
    expect(await globalRegistry.metrics()).not.toContain("picoflow_");
  });

  test("before any run, labelled metrics are declared but have no series", async () => {
    const fresh = parseExposition(await createMetrics({ version: "1.0.0", startedAt: new Date() }).render());
    expect(fresh.get("picoflow_workflow_executions_total")?.type).toBe("counter");
    expect(samplesOf(fresh, "picoflow_workflow_executions_total")).toHaveLength(0);
  });
});

/** Cumulative buckets exactly at `bounds` plus +Inf, with +Inf equal to `_count`. */
function expectHistogram(name: string, labels: Record<string, string>, bounds: readonly number[], count: number): void {
  const buckets = samplesOf(families, `${name}_bucket`, labels);
  expect(buckets.map((bucket) => bucket.labels.le)).toEqual([...bounds.map(String), "+Inf"]);
  const values = buckets.map((bucket) => bucket.value);
  values.slice(1).forEach((value, index) => expect(value).toBeGreaterThanOrEqual(values[index] as number));
  expect(values.at(-1)).toBe(count);
  expect(valueOf(families, `${name}_count`, labels)).toBe(count);
}
