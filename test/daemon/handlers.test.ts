/** Handlers and outputs under the daemon and under `run --resume`: the same engine, the same rules. */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { daemonDir, executions, started, waitFor } from "./helpers.ts";

let env: ReturnType<typeof daemonDir> | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

test("a scheduled run that fails runs on_failure then on_exit under the daemon, with the output of an earlier task", async () => {
  env = daemonDir();
  const notes = join(env.dir, "notes.txt");
  const file = env.write("nightly.yaml", `name: nightly
schedule: "* * * * * *"
tasks:
  - name: measure
    type: shell
    output: true
    config: {command: /bin/echo, args: ["42"]}
  - name: check
    type: shell
    depends_on: [measure]
    config: {command: /bin/sh, args: ["-c", "test $1 -lt 10", "sh", "\${tasks.measure.output}"]}
on_failure:
  - name: notify
    type: shell
    config: {command: /bin/sh, args: ["-c", 'echo "failure $PICOFLOW_STATUS $1" >> ${notes}', "sh", "\${tasks.measure.output}"]}
on_exit:
  - name: done
    type: shell
    config: {command: /bin/sh, args: ["-c", 'echo "exit $PICOFLOW_EXECUTION_ID" >> ${notes}']}
`);
  const daemon = env.start([file]);
  await started(daemon);
  const db = join(env.dir, "picoflow.db");
  const [first] = await waitFor(() => {
    const rows = executions(db, "nightly").filter((row) => row.status === "Failed");
    return rows.length >= 1 && rows;
  }, 20_000, "a failed run");
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  const lines = readFileSync(notes, "utf8").trim().split("\n");
  expect(lines.slice(0, 2)).toEqual(["failure Failed 42", `exit ${(first as { id: string }).id}`]);
});

test("run --resume runs the handlers for the new ending: on_success after a fixed failure", async () => {
  const folder = tempDir("picoflow-resume-handlers-");
  try {
    const fixed = join(folder.dir, "fixed");
    const notes = join(folder.dir, "notes.txt");
    const file = folder.write("wf.yaml", `name: flaky
tasks:
  - name: step
    type: shell
    config: {command: /bin/test, args: ["-e", "${fixed}"]}
on_failure:
  - {name: alarm, type: shell, config: {command: /bin/sh, args: ["-c", 'echo "alarm $PICOFLOW_STATUS" >> ${notes}']}}
on_success:
  - {name: relief, type: shell, config: {command: /bin/sh, args: ["-c", 'echo "relief $PICOFLOW_STATUS" >> ${notes}']}}
`);
    const db = join(folder.dir, "picoflow.db");
    const first = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
    expect(first.exitCode).toBe(1);
    const id = /Execution ID: (\S+)/.exec(first.stdout)?.[1] as string;
    writeFileSync(fixed, "");
    const second = await runCli(["run", "--resume", id, "--db-path", db], { cwd: folder.dir });
    expect(second.exitCode).toBe(0);
    expect(readFileSync(notes, "utf8")).toBe("alarm Failed\nrelief Success\n");
    const sqlite = new Database(db, { readonly: true });
    const rows = sqlite.query("SELECT task_name, status, handler FROM task_executions ORDER BY started_at, attempt").all();
    sqlite.close();
    expect(rows).toEqual([
      { task_name: "step", status: "Failed", handler: null },
      { task_name: "alarm", status: "Success", handler: "on_failure" },
      { task_name: "step", status: "Success", handler: null },
      { task_name: "relief", status: "Success", handler: "on_success" },
    ]);
    expect(existsSync(fixed)).toBe(true);
  } finally {
    folder.cleanup();
  }
});
