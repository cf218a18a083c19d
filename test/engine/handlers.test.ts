/** on_failure / on_success / on_exit through the real CLI: real processes, a real SQLite file, a loopback HTTP server. */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { picoflowCommand, runWorkflowInFolder, tempDir } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait-for.ts";

setDefaultTimeout(60_000);

interface Row {
  task_name: string;
  status: string;
  handler: string | null;
  attempt: number;
}

const markers = tempDir("picoflow-handlers-markers-");
afterAll(() => markers.cleanup());
const folders: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.cleanup();
});

async function run(yaml: string) {
  const result = await runWorkflowInFolder<Row>(yaml, { prefix: "picoflow-handlers-", orderBy: "started_at, attempt" });
  folders.push(result.folder);
  const db = new Database(result.db, { readonly: true });
  try {
    const execution = db.query("SELECT * FROM workflow_executions").get() as { id: string; status: string; log_dir: string };
    return { ...result, execution };
  } finally {
    db.close();
  }
}

/** A shell handler that appends its name and the PICOFLOW_* environment to `file`. */
function recorder(name: string, file: string, extra = ""): string {
  const line = `${name}|$PICOFLOW_WORKFLOW|$PICOFLOW_EXECUTION_ID|$PICOFLOW_STATUS|$PICOFLOW_FAILED_TASKS|$PICOFLOW_DURATION_SECONDS|$PICOFLOW_LOG_DIR`;
  return `  - name: ${name}
    type: shell
${extra}    config: {command: /bin/sh, args: ["-c", 'echo "${line}" >> ${file}']}
`;
}

test("a failing workflow runs on_failure, then on_exit, with the run's status, failed tasks, duration and log folder", async () => {
  const file = join(markers.dir, "failing.txt");
  const { exitCode, execution, rows, stdout } = await run(`name: nightly
tasks:
  - name: ok
    type: shell
    config: {command: /bin/true}
  - name: broken
    type: shell
    config: {command: /bin/sh, args: ["-c", "exit 3"]}
  - name: after_broken
    type: shell
    depends_on: [broken]
    config: {command: /bin/true}
  - name: tolerated
    type: shell
    continue_on_failure: true
    config: {command: /bin/false}
on_failure:
${recorder("notify", file)}${recorder("notify_after", file, "    depends_on: [notify]\n")}
on_success:
${recorder("celebrate", file)}
on_exit:
${recorder("cleanup", file)}`);
  expect(exitCode).toBe(1);
  expect(execution.status).toBe("Failed");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => line.split("|"));
  expect(lines.map((line) => line[0])).toEqual(["notify", "notify_after", "cleanup"]);
  for (const [, workflow, id, status, failed, duration, logDir] of lines) {
    expect(workflow).toBe("nightly");
    expect(id).toBe(execution.id);
    expect(status).toBe("Failed");
    expect(failed).toBe("broken,tolerated");
    expect(Number(duration)).toBeGreaterThanOrEqual(0);
    expect(Number(duration)).toBeLessThan(60);
    expect(logDir).toBe(execution.log_dir);
  }
  // Handlers are in the history, marked with their list; the workflow's own tasks are not marked.
  const byName = new Map(rows.map((row) => [row.task_name, row]));
  expect(byName.get("notify")).toMatchObject({ status: "Success", handler: "on_failure" });
  expect(byName.get("notify_after")).toMatchObject({ status: "Success", handler: "on_failure" });
  expect(byName.get("cleanup")).toMatchObject({ status: "Success", handler: "on_exit" });
  expect(byName.get("broken")).toMatchObject({ status: "Failed", handler: null });
  expect(byName.has("celebrate")).toBe(false);
  expect(stdout).toContain("Workflow 'nightly' failed");
});

test("a succeeding workflow runs on_success and on_exit, never on_failure", async () => {
  const file = join(markers.dir, "succeeding.txt");
  const { exitCode, execution } = await run(`name: fine
tasks:
  - name: ok
    type: shell
    config: {command: /bin/true}
on_failure:
${recorder("alarm", file)}
on_success:
${recorder("celebrate", file)}
on_exit:
${recorder("cleanup", file)}`);
  expect(exitCode).toBe(0);
  const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => line.split("|"));
  expect(lines.map((line) => line[0])).toEqual(["celebrate", "cleanup"]);
  expect(lines[0]?.slice(3, 5)).toEqual(["Success", ""]);
  expect(execution.status).toBe("Success");
});

test("a failing handler is recorded but leaves the workflow's status and exit code alone", async () => {
  const file = join(markers.dir, "failing-handler.txt");
  const { exitCode, execution, rows, stderr } = await run(`name: handler_fails
tasks:
  - name: ok
    type: shell
    config: {command: /bin/true}
on_success:
  - name: broken_notice
    type: shell
    config: {command: /bin/sh, args: ["-c", "exit 7"]}
  - name: skipped_notice
    type: shell
    depends_on: [broken_notice]
    config: {command: /bin/true}
on_exit:
${recorder("cleanup", file)}`);
  expect(exitCode).toBe(0);
  expect(execution.status).toBe("Success");
  const byName = new Map(rows.map((row) => [row.task_name, row]));
  expect(byName.get("broken_notice")).toMatchObject({ status: "Failed", handler: "on_success" });
  expect(byName.get("skipped_notice")).toMatchObject({ status: "Skipped", handler: "on_success" });
  // on_exit still runs after a failed on_success handler.
  expect(readFileSync(file, "utf8")).toStartWith("cleanup|handler_fails|");
  const logged = stderr.split("\n").filter((line) => line.includes('"task":"broken_notice"')).map((line) => JSON.parse(line));
  expect(logged.at(-1)).toMatchObject({ msg: "handler task failed; the workflow's status is unchanged", handler: "on_success", status: "Failed" });
});

test("an http handler posts the run's status and failed tasks to a webhook", async () => {
  const received: { body: unknown; path: string; header: string | null }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      received.push({ body: await request.json(), path: new URL(request.url).pathname, header: request.headers.get("x-picoflow-status") });
      return new Response("ok");
    },
  });
  try {
    const { exitCode, execution } = await run(`name: webhook
tasks:
  - name: backup
    type: shell
    config: {command: /bin/false}
on_failure:
  - name: notify
    type: http
    config:
      url: "http://127.0.0.1:${server.port}/hooks/\${run.workflow}"
      method: POST
      headers: {X-Picoflow-Status: "\${run.status}"}
      body:
        title: "PicoFlow: \${run.workflow} \${run.status}"
        message: "failed tasks: \${run.failed_tasks} (execution \${run.execution_id})"
`);
    expect(exitCode).toBe(1);
    expect(received).toEqual([
      {
        path: "/hooks/webhook",
        header: "Failed",
        body: { title: "PicoFlow: webhook Failed", message: `failed tasks: backup (execution ${execution.id})` },
      },
    ]);
  } finally {
    server.stop(true);
  }
});

test("an interrupted run (Ctrl-C) still runs on_failure and on_exit, with status Interrupted, and exits 130", async () => {
  const folder = tempDir("picoflow-handlers-interrupt-");
  folders.push(folder);
  const started = join(folder.dir, "started");
  const file = join(markers.dir, "interrupted.txt");
  const workflow = folder.write("wf.yaml", `name: cut_short
tasks:
  - name: long
    type: shell
    config: {command: /bin/sh, args: ["-c", "touch ${started}; exec sleep 60"]}
on_failure:
${recorder("notify", file)}
on_exit:
${recorder("cleanup", file)}`);
  const child = Bun.spawn([...picoflowCommand(), "run", workflow, "--db-path", join(folder.dir, "picoflow.db")], {
    cwd: folder.dir,
    stdout: "pipe",
    stderr: "ignore",
    env: { ...process.env, PICOFLOW_LOG_FORMAT: "json" },
  });
  await waitFor(() => existsSync(started), 30_000, "the task to start");
  child.kill("SIGINT");
  const [exitCode, stdout] = await Promise.all([child.exited, new Response(child.stdout).text()]);
  expect(exitCode).toBe(130);
  const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => line.split("|"));
  expect(lines.map((line) => [line[0], line[3], line[4]])).toEqual([
    ["notify", "Interrupted", ""],
    ["cleanup", "Interrupted", ""],
  ]);
  expect(stdout).toContain("Task 'notify' (on_failure handler) started");
});
