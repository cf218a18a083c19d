/** Outputs and handlers as the inspecting commands show them: logs, status --format json, history --format json. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const folder = tempDir("picoflow-outputs-inspect-");
const db = join(folder.dir, "picoflow.db");
afterAll(() => folder.cleanup());

beforeAll(async () => {
  const file = folder.write("wf.yaml", `name: shown
tasks:
  - name: version
    type: shell
    output: true
    config: {command: /bin/printf, args: ['{"tag": "v2"}\\nsecond line\\n']}
  - name: broken
    type: shell
    depends_on: [version]
    config: {command: /bin/sh, args: ["-c", "echo using $1; exit 2", "sh", "\${tasks.version.output}"]}
on_failure:
  - name: alert
    type: shell
    config: {command: /bin/sh, args: ["-c", "echo alert for $PICOFLOW_FAILED_TASKS; exit 9"]}
`);
  const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
  expect(result.exitCode).toBe(1);
});

test("logs shows a task's published output after its log lines, and marks handler tasks", async () => {
  const { exitCode, stdout } = await runCli(["logs", "shown", "--db-path", db]);
  expect(exitCode).toBe(0);
  expect(stdout).toContain('[output] {"tag": "v2"}\n[output] second line\n');
  expect(stdout).toContain("==> alert (Failed, on_failure handler) <==");
  expect(stdout).toContain("alert for broken");
});

test("status --format json carries each task's output and handler list; the handler's failure leaves the status Failed", async () => {
  const { exitCode, stdout } = await runCli(["status", "shown", "--format", "json", "--db-path", db]);
  expect(exitCode).toBe(0);
  const [execution] = JSON.parse(stdout).executions;
  expect(execution.status).toBe("Failed");
  const tasks = new Map(execution.tasks.map((task: { name: string }) => [task.name, task]));
  expect(tasks.get("version")).toMatchObject({ status: "Success", output: '{"tag": "v2"}\nsecond line', handler: null });
  expect(tasks.get("broken")).toMatchObject({ status: "Failed", output: null, handler: null });
  expect(tasks.get("alert")).toMatchObject({ status: "Failed", output: null, handler: "on_failure", exit_code: 9 });
});

test("history counts the workflow's own tasks only: a handler is not one of them", async () => {
  const { stdout } = await runCli(["history", "--format", "json", "--db-path", db]);
  const [execution] = JSON.parse(stdout).executions;
  expect(execution.tasks).toEqual({ total: 2, succeeded: 1, failed: 1, skipped: 0, running: 0 });
  expect(execution.result).toBe("broken failed (exit code 2)");
});

test("stats marks a handler task as one, and its failure is not in the run's failure breakdown", async () => {
  const table = await runCli(["stats", "shown", "--db-path", db]);
  expect(table.exitCode).toBe(0);
  const taskLines = table.stdout.split("\n").filter((line) => /^ {2}\S/.test(line));
  expect(taskLines.find((line) => line.includes("alert"))).toMatch(/^ {2}alert \(on_failure handler\): +0% success/);
  expect(taskLines.find((line) => line.startsWith("  broken"))).toMatch(/^ {2}broken: +0% success/);
  const breakdown = table.stdout.slice(table.stdout.indexOf("Failure breakdown:"));
  expect(breakdown).toContain("broken failed (exit code 2)");
  expect(breakdown).not.toContain("alert");
  const json = JSON.parse((await runCli(["stats", "shown", "--format", "json", "--db-path", db])).stdout);
  const [workflow] = json.workflows;
  expect(workflow.tasks.map((task: { name: string; handler: string | null }) => [task.name, task.handler])).toEqual([
    ["version", null],
    ["broken", null],
    ["alert", "on_failure"],
  ]);
  expect(workflow.failures[0].tasks.map((task: { name: string }) => task.name)).toEqual(["broken"]);
});
