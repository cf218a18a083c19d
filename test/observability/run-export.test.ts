/**
 * Metrics of one `picoflow run`, read back from a real Pushgateway and a real node_exporter
 * (Debian's packages) on loopback; and the failures that must stay warnings.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";
import { NODE_EXPORTER_PATH, PUSHGATEWAY_PATH, type PromServer, samples, startPromServer } from "../helpers/prometheus.ts";

setDefaultTimeout(60_000);

const WORKFLOW = `name: nightly_backup
tasks:
  - name: dump
    type: shell
    config: {command: /bin/true}
  - name: upload
    type: shell
    depends_on: [dump]
    config: {command: /bin/sh, args: ["-c", "exit 4"]}
`;

const folders: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.cleanup();
});

/** Runs WORKFLOW with the given picoflow.toml, in a fresh folder. */
async function runWith(toml: string) {
  const folder = tempDir("picoflow-run-export-");
  folders.push(folder);
  folder.write("picoflow.toml", toml);
  const file = folder.write("wf.yaml", WORKFLOW);
  const result = await runCli(["run", file, "--db-path", join(folder.dir, "picoflow.db")], { cwd: folder.dir });
  return { ...result, folder };
}

let pushgateway: PromServer;
beforeAll(async () => {
  // No --persistence.file: the Pushgateway keeps pushed groups in memory only.
  pushgateway = await startPromServer(PUSHGATEWAY_PATH, (listen) => [`--web.listen-address=${listen}`], "/-/ready");
});
afterAll(() => pushgateway.stop());

test("[metrics] pushgateway_url: the run's workflow and task metrics are pushed, grouped by job picoflow and the workflow", async () => {
  const { exitCode } = await runWith(`[metrics]\npushgateway_url = "${pushgateway.url}"\n`);
  expect(exitCode).toBe(1);
  const text = await (await fetch(`${pushgateway.url}/metrics`)).text();
  const group = 'instance="",job="picoflow"';
  expect(samples(text, "picoflow_workflow_executions_total")).toContain(`picoflow_workflow_executions_total{${group},status="failed",workflow="nightly_backup"} 1`);
  expect(samples(text, "picoflow_task_executions_total")).toEqual(
    expect.arrayContaining([
      `picoflow_task_executions_total{${group},status="success",task="dump",workflow="nightly_backup"} 1`,
      `picoflow_task_executions_total{${group},status="failed",task="upload",workflow="nightly_backup"} 1`,
    ]),
  );
  expect(samples(text, "picoflow_task_duration_seconds_count")).toContain(`picoflow_task_duration_seconds_count{${group},task="upload",workflow="nightly_backup"} 1`);
  // A one-shot run has no daemon process to describe.
  expect(samples(text, "picoflow_uptime_seconds")).toEqual([]);
  expect(samples(text, "picoflow_memory_bytes")).toEqual([]);
  // The Pushgateway's own record of the push: it succeeded.
  expect(samples(text, "push_failure_time_seconds").some((line) => line.includes('workflow="nightly_backup"') && !line.endsWith(" 0"))).toBe(false);
});

test("a Pushgateway that cannot be reached is a warning; the run's exit code and history stay as they are", async () => {
  const closedPort = await freePort();
  const { exitCode, stderr, stdout, folder } = await runWith(`[metrics]\npushgateway_url = "http://127.0.0.1:${closedPort}"\n`);
  expect(exitCode).toBe(1);
  expect(stdout).toContain("Execution ID:");
  const warning = stderr.split("\n").find((line) => line.includes("could not push"));
  expect(warning).toBeDefined();
  expect(JSON.parse(warning as string)).toMatchObject({ level: 40, pushgateway_url: `http://127.0.0.1:${closedPort}`, workflow: "nightly_backup" });
  expect(existsSync(join(folder.dir, "picoflow.db"))).toBe(true);
});

test("a bad pushgateway_url is a config error naming the setting", async () => {
  const { exitCode, stderr } = await runWith(`[metrics]\npushgateway_url = "127.0.0.1:9091"\n`);
  expect(exitCode).toBe(2);
  expect(stderr).toContain("metrics.pushgateway_url: must be a full http:// or https:// URL");
});

test("[metrics] textfile_dir: node_exporter's textfile collector serves PicoFlow's series from picoflow_<workflow>.prom", async () => {
  const { exitCode, folder } = await runWith(`[metrics]\ntextfile_dir = "textfile"\n`);
  expect(exitCode).toBe(1);
  const dir = join(folder.dir, "textfile");
  // Only the final file: the temporary one was renamed over it.
  expect(readdirSync(dir)).toEqual(["picoflow_nightly_backup.prom"]);
  expect(readFileSync(join(dir, "picoflow_nightly_backup.prom"), "utf8")).toContain('picoflow_workflow_executions_total{workflow="nightly_backup",status="failed"} 1');

  const exporter = await startPromServer(
    NODE_EXPORTER_PATH,
    (listen) => [`--web.listen-address=${listen}`, "--collector.disable-defaults", "--collector.textfile", `--collector.textfile.directory=${dir}`],
    "/metrics",
  );
  try {
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(samples(text, "node_textfile_scrape_error")).toEqual(["node_textfile_scrape_error 0"]);
    expect(samples(text, "picoflow_workflow_executions_total")).toContain('picoflow_workflow_executions_total{status="failed",workflow="nightly_backup"} 1');
    expect(samples(text, "picoflow_task_executions_total")).toContain('picoflow_task_executions_total{status="success",task="dump",workflow="nightly_backup"} 1');
    expect(samples(text, "picoflow_workflow_duration_seconds_count")).toEqual(['picoflow_workflow_duration_seconds_count{workflow="nightly_backup"} 1']);
  } finally {
    await exporter.stop();
  }
});

test("a textfile_dir that cannot be written is a warning, not a failed run", async () => {
  const folder = tempDir("picoflow-run-export-blocked-");
  folders.push(folder);
  const blocker = folder.write("not-a-dir", "a file where the folder should be");
  const { exitCode, stderr } = await runWith(`[metrics]\ntextfile_dir = "${blocker}/sub"\n`);
  expect(exitCode).toBe(1);
  expect(stderr).toContain("could not write the run's metrics for node_exporter");
});
