/**
 * Prometheus metrics fed by the engine's RunEvents. Everything lives in a registry of its
 * own (never prom-client's global one), so two instances never share state and tests can
 * create as many as they like.
 *
 * Labels carry workflow and task names only: those match ^[A-Za-z0-9_-]+$ and are bounded
 * by the loaded workflow files, whereas error text, output and substituted values could
 * hold secrets and would make the number of series unbounded.
 */
import type * as PromClient from "prom-client";
import { readMemory } from "../daemon/memory.ts";
import type { RunEvent, RunEventListener } from "../engine/events.ts";
import type { AttemptStatus, WorkflowStatus } from "../engine/status.ts";
import type { HealthSources } from "../system/health.ts";
import { exhaustive } from "../util/exhaustive.ts";
import { registerHealthMetrics } from "./health-metrics.ts";

// prom-client's index also loads its push gateway (node:http, https, zlib), cluster
// aggregation and default process metrics, none of which PicoFlow uses. Taking the four
// classes from their own files saves about 2 MB of RSS in the compiled daemon (measured,
// see docs/metrics.md). prom-client has no "exports" map, so these paths are reachable by
// design; if an upgrade moves them, every metrics test fails at once.
const Registry: typeof PromClient.Registry = require("prom-client/lib/registry");
const Counter: typeof PromClient.Counter = require("prom-client/lib/counter");
const Gauge: typeof PromClient.Gauge = require("prom-client/lib/gauge");
const Histogram: typeof PromClient.Histogram = require("prom-client/lib/histogram");

export interface Metrics {
  /** Feed every engine event here: synchronous and cheap, so the engine never waits on it. */
  onEvent: RunEventListener;
  /** The Prometheus text exposition of every metric, for one scrape. */
  render(): Promise<string>;
  /** The Content-Type header that goes with `render()`'s text. */
  contentType: string;
  /**
   * Gives every workflow and task its counter series at 0 (existing counts are kept), so an
   * `increase(...) > 0` alert fires on the first failure instead of waiting for a series to appear.
   */
  declare(workflows: readonly DeclaredWorkflow[]): void;
}

/** What createMetrics returns: the metrics and their registry, for pushing it (run-export.ts). */
export interface RegistryMetrics extends Metrics {
  registry: PromClient.Registry;
}

/** What `declare` needs of a loaded workflow. */
export interface DeclaredWorkflow {
  name: string;
  tasks: readonly { name: string }[];
}

/** The outcomes whose series exist from the start: the ones alerts are written on. */
const DECLARED_WORKFLOW_STATUSES: readonly WorkflowStatusLabel[] = ["success", "failed"];
const DECLARED_TASK_STATUSES: readonly TaskStatusLabel[] = ["success", "failed"];

export interface MetricsOptions {
  /** PicoFlow's version, for picoflow_info. */
  version: string;
  /** When the process (daemon) started, for picoflow_uptime_seconds. */
  startedAt: Date;
  /**
   * Only the workflow and task metrics, for one run's export (Pushgateway, textfile): the
   * daemon's process gauges would describe a process that has exited, and picoflow_info
   * would repeat as the same series in every workflow's textfile.
   */
  runOnly?: boolean;
  /** Where the board and disk readings come from (the daemon); without it, no health gauges. */
  health?: HealthSources;
}

/** Covers both quick runs and the guide's minutes-long ones (its 60/300/600 are included). */
export const WORKFLOW_DURATION_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Tasks are often sub-second shell commands, so the low end is finer than for workflows. */
export const TASK_DURATION_BUCKETS_SECONDS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] as const;

const MS_PER_SECOND = 1000;

/** The `status` label values: lowercase, as Prometheus users expect. */
export type WorkflowStatusLabel = Lowercase<WorkflowStatus>;
export type TaskStatusLabel = Lowercase<AttemptStatus> | "skipped";

const WORKFLOW_LABELS = ["workflow"] as const;
const TASK_LABELS = ["workflow", "task"] as const;

/** Creates the metrics and their registry; call once per process and share the result. */
export function createMetrics(options: MetricsOptions): RegistryMetrics {
  const registry = new Registry();
  const registers = [registry];

  const workflowExecutions = new Counter({
    name: "picoflow_workflow_executions_total",
    help: "Total workflow executions",
    labelNames: [...WORKFLOW_LABELS, "status"] as const,
    registers,
  });
  const workflowDuration = new Histogram({
    name: "picoflow_workflow_duration_seconds",
    help: "Workflow execution duration",
    labelNames: WORKFLOW_LABELS,
    buckets: [...WORKFLOW_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const workflowRunning = new Gauge({
    name: "picoflow_workflow_running",
    help: "Current running workflows",
    labelNames: WORKFLOW_LABELS,
    registers,
  });
  const taskExecutions = new Counter({
    name: "picoflow_task_executions_total",
    help: "Total task executions",
    labelNames: [...TASK_LABELS, "status"] as const,
    registers,
  });
  const taskDuration = new Histogram({
    name: "picoflow_task_duration_seconds",
    help: "Task execution duration",
    labelNames: TASK_LABELS,
    buckets: [...TASK_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const taskRetries = new Counter({
    name: "picoflow_task_retries_total",
    help: "Total task retry attempts",
    labelNames: TASK_LABELS,
    registers,
  });

  if (!options.runOnly) addProcessMetrics(registers, options);

  if (options.health && !options.runOnly) registerHealthMetrics(registry, options.health);

  const onEvent = (event: RunEvent): void => {
    switch (event.type) {
      case "workflow-started":
        workflowRunning.inc({ workflow: event.workflow });
        return;
      case "workflow-finished": {
        const labels = { workflow: event.workflow };
        workflowRunning.dec(labels);
        workflowExecutions.inc({ ...labels, status: workflowStatusLabel(event.status) });
        workflowDuration.observe(labels, secondsBetween(event.startedAt, event.at));
        return;
      }
      case "attempt-finished": {
        // Every finished attempt counts, as every attempt is its own task_executions row.
        const labels = { workflow: event.workflow, task: event.task };
        taskExecutions.inc({ ...labels, status: taskStatusLabel(event.status) });
        taskDuration.observe(labels, secondsBetween(event.startedAt, event.at));
        return;
      }
      case "task-skipped":
        // Skipped tasks never ran, so they count as executions but add no duration.
        taskExecutions.inc({ workflow: event.workflow, task: event.task, status: "skipped" });
        return;
      case "task-gate-failed":
        // A failure without an attempt: it counts, with no duration.
        taskExecutions.inc({ workflow: event.workflow, task: event.task, status: "failed" });
        return;
      case "retry-scheduled":
        taskRetries.inc({ workflow: event.workflow, task: event.task });
        return;
      case "attempt-started":
      case "attempt-process":
      case "task-waiting":
        return;
      default:
        return exhaustive(event);
    }
  };

  const declare = (workflows: readonly DeclaredWorkflow[]): void => {
    // Adding 0 creates a missing series and leaves an existing count as it is (a reload keeps totals).
    for (const workflow of workflows) {
      const labels = { workflow: workflow.name };
      for (const status of DECLARED_WORKFLOW_STATUSES) workflowExecutions.inc({ ...labels, status }, 0);
      workflowRunning.inc(labels, 0);
      for (const task of workflow.tasks) {
        const taskLabels = { ...labels, task: task.name };
        for (const status of DECLARED_TASK_STATUSES) taskExecutions.inc({ ...taskLabels, status }, 0);
        taskRetries.inc(taskLabels, 0);
      }
    }
  };

  return { onEvent, declare, registry, render: () => registry.metrics(), contentType: registry.contentType };
}

/** picoflow_info, picoflow_uptime_seconds and picoflow_memory_bytes: about the daemon process. */
function addProcessMetrics(registers: PromClient.Registry[], options: MetricsOptions): void {
  const info = new Gauge({ name: "picoflow_info", help: "PicoFlow version info", labelNames: ["version"] as const, registers });
  info.set({ version: options.version }, 1);

  // Uptime = wall-clock age at creation + monotonic time since. A Raspberry Pi has no
  // real-time clock, so the wall clock can jump when NTP syncs after boot; a counter
  // computed from Date.now() alone could then go backwards.
  const ageAtCreationMs = Math.max(0, Date.now() - options.startedAt.getTime());
  const createdAt = performance.now();
  new Counter({
    name: "picoflow_uptime_seconds",
    help: "PicoFlow daemon uptime",
    registers,
    collect() {
      // A counter cannot be set, only increased: reset, then add the current total.
      this.reset();
      this.inc((ageAtCreationMs + performance.now() - createdAt) / MS_PER_SECOND);
    },
  });
  new Gauge({
    name: "picoflow_memory_bytes",
    help: "Memory usage in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: "picoflow_memory_private_bytes",
    help: "Private memory (RssAnon) in bytes",
    registers,
    collect() {
      // The part of the RSS no other process shares: what one more daemon really costs.
      const own = readMemory();
      if (own?.rssAnonBytes !== undefined) this.set(own.rssAnonBytes);
    },
  });
}

export function workflowStatusLabel(status: WorkflowStatus): WorkflowStatusLabel {
  return status.toLowerCase() as WorkflowStatusLabel;
}

export function taskStatusLabel(status: AttemptStatus): TaskStatusLabel {
  return status.toLowerCase() as TaskStatusLabel;
}

/** Never negative: a wall-clock step between two events must not corrupt a histogram's sum. */
function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime()) / MS_PER_SECOND;
}
