/** The daemon serves /metrics fed by its executions' events; `enabled = false` opens no port. */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DaemonState } from "../../src/daemon/state-file.ts";
import { runCli } from "../helpers/cli.ts";
import { daemonDir, executions, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

const state = (): DaemonState => JSON.parse(readFileSync(join(env.dir, "picoflow-daemon.json"), "utf8")) as DaemonState;

/** TCP ports a process listens on: its socket inodes matched against /proc/net/tcp{,6} rows in LISTEN state. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, "utf8").trim().split("\n").slice(1)) {
      const fields = row.trim().split(/\s+/);
      if (fields[3] === "0A" && inodes.has(fields[9] as string)) ports.push(Number.parseInt((fields[1] as string).split(":")[1] as string, 16));
    }
  }
  return ports;
}

test("/metrics carries the guide's metric names, with the daemon's runs counted", async () => {
  env = daemonDir();
  const file = env.write("tick.yaml", workflowYaml("tick", "* * * * * *", shellTask("hello", "echo", ["hi"])));
  const daemon = env.start([file]);
  await started(daemon);
  await waitFor(() => executions(join(env.dir, "picoflow.db"), "tick").filter((row) => row.status === "Success").length >= 2, 15_000, "two runs");
  const { metricsUrl, metricsPort } = state();
  expect(metricsPort).toBeGreaterThan(0);
  expect(metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(listeningPorts(daemon.pid)).toEqual([metricsPort as number]);
  const response = await fetch(metricsUrl as string);
  expect(response.status).toBe(200);
  const text = await response.text();
  for (const name of [
    "picoflow_workflow_executions_total",
    "picoflow_workflow_duration_seconds",
    "picoflow_workflow_running",
    "picoflow_task_executions_total",
    "picoflow_task_duration_seconds",
    "picoflow_task_retries_total",
    "picoflow_info",
    "picoflow_uptime_seconds",
    "picoflow_memory_bytes",
    "picoflow_memory_private_bytes",
  ]) {
    expect(text).toContain(`# TYPE ${name} `);
  }
  const successes = Number(/^picoflow_workflow_executions_total\{workflow="tick",status="success"\} (\d+)$/m.exec(text)?.[1]);
  expect(successes).toBeGreaterThanOrEqual(2);
  expect(text).toMatch(/^picoflow_task_executions_total\{workflow="tick",task="hello",status="success"\} \d+$/m);
  expect(text).toMatch(/^picoflow_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("[metrics] enabled = false opens no port", async () => {
  env = daemonDir();
  env.write("picoflow.toml", "[metrics]\nenabled = false\n");
  const file = env.write("tick.yaml", workflowYaml("tick", "0 0 0 1 1 *", shellTask("hello", "echo")));
  const daemon = env.start([file]);
  await started(daemon);
  expect(state().metricsUrl).toBeNull();
  expect(state().metricsPort).toBeNull();
  expect(listeningPorts(daemon.pid)).toEqual([]);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a metrics port already taken stops the start with a one-line error and leaves nothing behind", async () => {
  env = daemonDir();
  const blocker = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const file = env.write("tick.yaml", workflowYaml("tick", "0 0 0 1 1 *", shellTask("hello", "echo")));
    const db = join(env.dir, "picoflow.db");
    const result = await runCli(["--db-path", db, "daemon", "start", "--foreground", file], {
      cwd: env.dir,
      env: { PICOFLOW_METRICS_PORT: String(blocker.port) },
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`cannot serve metrics on 127.0.0.1:${blocker.port}`);
    expect(result.stderr.trim().split("\n").filter((line) => line.startsWith("error:"))).toHaveLength(1);
    expect(existsSync(join(env.dir, "picoflow.pid"))).toBe(false);
    // The lock went with it: a daemon with a free port starts on the same database.
    const daemon = env.start([file]);
    await started(daemon);
    daemon.proc.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
  } finally {
    blocker.stop(true);
  }
}, 40_000);

/** The value of one series in a scrape, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("from the start every loaded workflow and task has its series at 0; a SIGHUP adds the new ones", async () => {
  env = daemonDir();
  const flows = join(env.dir, "flows");
  mkdirSync(flows);
  writeFileSync(join(flows, "backup.yaml"), workflowYaml("backup", "0 0 0 1 1 *", shellTask("dump", "echo") + shellTask("upload", "echo")));
  const daemon = env.start([flows]);
  await started(daemon);
  const scrape = async () => (await fetch(state().metricsUrl as string)).text();
  const first = await scrape();
  for (const status of ["success", "failed"]) {
    expect(sample(first, `picoflow_workflow_executions_total{workflow="backup",status="${status}"}`)).toBe(0);
    for (const task of ["dump", "upload"]) {
      expect(sample(first, `picoflow_task_executions_total{workflow="backup",task="${task}",status="${status}"}`)).toBe(0);
    }
  }
  expect(sample(first, 'picoflow_task_retries_total{workflow="backup",task="dump"}')).toBe(0);
  expect(sample(first, 'picoflow_task_retries_total{workflow="backup",task="upload"}')).toBe(0);
  expect(sample(first, 'picoflow_workflow_running{workflow="backup"}')).toBe(0);

  // A new workflow that runs once a second: after the reload its series exist, and its counts grow from there.
  writeFileSync(join(flows, "tick.yaml"), workflowYaml("tick", "* * * * * *", shellTask("hello", "echo")));
  daemon.proc.kill("SIGHUP");
  await daemon.waitForLog((line) => line.msg === "reloaded workflow files");
  const reloaded = await scrape();
  expect(sample(reloaded, 'picoflow_workflow_executions_total{workflow="tick",status="failed"}')).toBe(0);
  expect(sample(reloaded, 'picoflow_task_retries_total{workflow="tick",task="hello"}')).toBe(0);
  expect(sample(reloaded, 'picoflow_workflow_executions_total{workflow="backup",status="success"}')).toBe(0);
  const db = join(env.dir, "picoflow.db");
  await waitFor(() => executions(db, "tick").some((row) => row.status === "Success"), 15_000, "a run of tick");
  // Declaring again on reload keeps counts: a second reload does not reset tick's successes.
  await waitFor(async () => (sample(await scrape(), 'picoflow_workflow_executions_total{workflow="tick",status="success"}') ?? 0) >= 1, 15_000, "tick counted");
  daemon.proc.kill("SIGHUP");
  await waitFor(() => daemon.logs().filter((line) => line.msg === "reloaded workflow files").length >= 2, 15_000, "the second reload");
  expect(sample(await scrape(), 'picoflow_workflow_executions_total{workflow="tick",status="success"}')).toBeGreaterThanOrEqual(1);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);
