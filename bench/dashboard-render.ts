/**
 * How long the dashboard takes to serve the page of an execution with 1000 tasks: a real
 * SQLite history (1000 attempts, each with a few lines of output), the workflow loaded from a
 * generated YAML file, and the request going through the dashboard's handler as the daemon
 * runs it (store reads, view, SVG, HTML). Also the JSON of the same execution.
 *
 *   bun bench/dashboard-render.ts [--tasks 1000] [--runs 30]
 *
 * Target (issue 16): under 200 ms per page view on this machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSettings } from "../src/config/settings.ts";
import { dashboardHost } from "../src/daemon/dashboard-host.ts";
import { createDashboard } from "../src/dashboard/handler.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import { currentProcess } from "../src/util/process-identity.ts";
import { loadWorkflowFile } from "../src/workflow/load.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const TASKS = option("--tasks", 1000);
const RUNS = option("--runs", 30);
const WARMUP = 3;
/** Tasks per layer: a wide DAG, each task depending on one in the layer above. */
const LAYER = 50;

function workflowYaml(): string {
  const lines = ["name: big", "tasks:"];
  for (let index = 0; index < TASKS; index++) {
    lines.push(`  - name: task-${index}`, "    type: shell", "    config: {command: /bin/true}");
    if (index >= LAYER) lines.push(`    depends_on: [task-${index - LAYER}]`);
  }
  return `${lines.join("\n")}\n`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const dir = mkdtempSync(join(tmpdir(), "picoflow-dashboard-bench-"));
try {
  const file = join(dir, "big.yaml");
  writeFileSync(file, workflowYaml());
  const settings = resolveSettings({ flags: {}, env: {}, searchDirs: [dir], homeDir: undefined, stderrIsTerminal: false });
  const { workflow } = loadWorkflowFile(file, settings.workflowDefaults);
  const store = SqliteStore.open(join(dir, "picoflow.db"));
  const executionId = Bun.randomUUIDv7();
  const started = new Date(Date.now() - 60_000);
  store.createExecution({ id: executionId, workflowName: "big", workflowFile: file, startedAt: started, logDir: join(dir, "logs"), owner: currentProcess(), trigger: "manual", scheduledFor: undefined });
  workflow.tasks.forEach((task, index) => {
    const id = Bun.randomUUIDv7();
    const at = new Date(started.getTime() + index * 10);
    store.startAttempt({ id, executionId, taskName: task.name, attempt: 1, startedAt: at, logPath: join(dir, "logs", `${task.name}.log`) });
    const failed = index % 97 === 0;
    store.finishAttempt(id, {
      status: failed ? "Failed" : "Success",
      finishedAt: new Date(at.getTime() + 5),
      exitCode: failed ? 1 : 0,
      stdout: `line one of ${task.name}\n<b>not markup</b> & more\nline three\n`,
      stderr: failed ? "something went wrong\n" : "",
      error: failed ? "exit code 1" : undefined,
      failureKind: failed ? "exit-code" : undefined,
    });
  });
  store.finishExecution(executionId, "Failed", new Date());
  store.flush();

  const host = dashboardHost({
    store,
    entries: () => [{ workflow, timer: undefined }],
    running: () => [],
    stopping: () => false,
    facts: () => ({ pid: process.pid, version: "bench", startedAt: started, memoryBytes: 0 }),
    board: () => undefined,
    start: () => {
      throw new Error("not in a benchmark");
    },
  });
  const handle = createDashboard(host, { token: undefined });
  const measure = async (path: string) => {
    const times: number[] = [];
    let bytes = 0;
    for (let run = 0; run < WARMUP + RUNS; run++) {
      const begin = performance.now();
      const response = await handle(new Request(`http://127.0.0.1${path}`));
      const body = await response.text();
      const elapsed = performance.now() - begin;
      if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}: ${body.slice(0, 200)}`);
      bytes = body.length;
      if (run >= WARMUP) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    return { median: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1) as number, bytes };
  };
  const page = await measure(`/executions/${executionId}`);
  const json = await measure(`/api/v1/executions/${executionId}`);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`dashboard render, ${TASKS} tasks, ${RUNS} runs after ${WARMUP} warm-up; ${cpu} (${cpus().length} cores), Bun ${Bun.version}`);
  for (const [name, result] of [["execution page (HTML)", page], ["execution (JSON API)", json]] as const) {
    console.log(`  ${name}: median ${result.median.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, max ${result.max.toFixed(1)} ms, ${(result.bytes / 1024).toFixed(0)} KiB`);
  }
  store.close();
  if (page.p95 >= 200) {
    console.error(`over the 200 ms target: p95 ${page.p95.toFixed(1)} ms`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
