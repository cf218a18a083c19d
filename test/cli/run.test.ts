import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";
import { processExists } from "../helpers/engine.ts";
import { waitFor } from "../helpers/wait-for.ts";

const EXAMPLES = resolve(import.meta.dir, "../../examples");
let folder: ReturnType<typeof tempDir>;
let db: string;
beforeEach(() => {
  folder = tempDir();
  db = join(folder.dir, "picoflow.db");
});
afterEach(() => folder.cleanup());

function query<T>(sql: string, ...params: string[]): T[] {
  const handle = new Database(db, { readonly: true });
  // Some tests read while a run is still writing (or creating the schema).
  handle.run("PRAGMA busy_timeout = 5000");
  try {
    return handle.query(sql).all(...params) as T[];
  } finally {
    handle.close();
  }
}

const FLAKY = (marker: string) => `name: flaky
tasks:
  - name: first
    type: shell
    config: {command: /bin/echo, args: [one]}
  - name: second
    type: shell
    depends_on: [first]
    config: {command: /bin/sh, args: ["-c", "test -e ${marker}"]}
  - name: third
    type: shell
    depends_on: [second]
    config: {command: /bin/echo, args: [three]}
`;

describe("run", () => {
  test("the quick start prints the guide's lines and records the run", async () => {
    const result = await runCli(["run", join(EXAMPLES, "hello-world.yaml")], { cwd: folder.dir });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "Starting workflow execution: hello-world",
      "Task 'say_hello' started",
      "Task 'say_hello' completed successfully (exit code: 0)",
      "Task 'show_date' started",
      "Task 'show_date' completed successfully (exit code: 0)",
    ]);
    expect(lines[5]).toMatch(/^Workflow 'hello-world' completed successfully in [\d.]+s$/);
    expect(lines[6]).toMatch(/^Execution ID: [0-9a-f-]{36}$/);
    // The default database is ./picoflow.db, with logs/ beside it.
    const rows = query<{ status: string }>("SELECT status FROM workflow_executions");
    expect(rows).toEqual([{ status: "Success" }]);
    expect(readdirSync(join(folder.dir, "logs", "hello-world"))).toHaveLength(1);
  });

  test("a failed workflow exits 1 and says what failed", async () => {
    const file = folder.write("fail.yaml", FLAKY(join(folder.dir, "absent")));
    const result = await runCli(["run", file, "--db-path", db]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("Task 'second' failed: exit code 1");
    expect(result.stdout).toContain("Task 'third' skipped: upstream task 'second' failed");
    expect(result.stdout).toMatch(/Workflow 'flaky' failed in [\d.]+s: 1 task failed, 1 skipped/);
  });

  test("global flags work before and after the command", async () => {
    const file = join(EXAMPLES, "hello-world.yaml");
    const before = await runCli(["--db-path", join(folder.dir, "a.db"), "--log-level", "error", "run", file]);
    const after = await runCli(["run", file, "--db-path=" + join(folder.dir, "b.db"), "--log-level=error"]);
    expect([before.exitCode, after.exitCode]).toEqual([0, 0]);
    expect(existsSync(join(folder.dir, "a.db"))).toBe(true);
    expect(existsSync(join(folder.dir, "b.db"))).toBe(true);
    expect(before.stderr).toBe("");
  });

  test("structured logs go to stderr as JSON lines when stderr is not a terminal", async () => {
    const result = await runCli(["run", join(EXAMPLES, "hello-world.yaml"), "--db-path", db], { env: { PICOFLOW_LOG_FORMAT: undefined } });
    const records = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
    expect(records.map((record) => record.msg)).toContain("workflow finished");
    expect(records.every((record) => typeof record.level === "number" && record.time)).toBe(true);
  });

  test("on a terminal, run shows the progress lines without log records unless a level is asked for", async () => {
    // `script` gives the command a real pseudo-terminal for stdout and stderr.
    const onTerminal = async (...flags: string[]) => {
      const command = [...picoflowCommand(), ...flags, "run", join(EXAMPLES, "hello-world.yaml"), "--db-path", db].join(" ");
      const child = Bun.spawn(["script", "-qec", command, "/dev/null"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PICOFLOW_LOG_FORMAT: undefined } });
      const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
      return { out, code };
    };
    const quiet = await onTerminal();
    expect(quiet.code).toBe(0);
    expect(quiet.out).toContain("Workflow 'hello-world' completed successfully");
    expect(quiet.out).not.toContain("INFO");
    const chatty = await onTerminal("--log-level", "info");
    expect(chatty.out).toContain("INFO");
  });

  test("bad usage exits 2 with one line", async () => {
    const cases: [string[], string][] = [
      [["run"], "error: run needs a workflow file"],
      [["run", "x.yaml", "--frobnicate"], "error: unknown flag --frobnicate"],
      [["launch"], "error: unknown command 'launch'"],
      [["run", "x.yaml", "--log-level", "loud"], 'error: --log-level: "loud" is not one of error, warn, info, debug, trace'],
      [["run", "x.yaml", "--db-path"], "error: --db-path needs a value"],
      [["run", "x.yaml", "--resume"], "error: --resume needs an execution id"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: folder.dir });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 2 });
      expect(result.stderr.split("\n")[0]).toStartWith(message);
    }
  });

  test("--version and -V print the version; --help lists the commands", async () => {
    const version = await runCli(["--version"]);
    const short = await runCli(["-V"]);
    expect(version.stdout).toMatch(/^picoflow \d+\.\d+\.\d+\n$/);
    expect(short.stdout).toBe(version.stdout);
    const help = await runCli(["--help"]);
    for (const command of ["run", "validate"]) expect(help.stdout).toContain(`  ${command} `);
    for (const flag of ["--db-path", "--log-level", "--log-format"]) expect(help.stdout).toContain(flag);
  });
});

describe("state on disk", () => {
  test("an unusable database path is a one-line error that names it", async () => {
    const missingDir = await runCli(["run", join(EXAMPLES, "hello-world.yaml"), "--db-path", "/no/such/dir/x.db"]);
    expect(missingDir.exitCode).toBe(1);
    expect(missingDir.stderr).toBe("error: cannot open database /no/such/dir/x.db: folder /no/such/dir does not exist\n");
    const notDb = folder.write("not-a-db.db", "this is plain text, not SQLite ".repeat(100));
    const garbage = await runCli(["run", join(EXAMPLES, "hello-world.yaml"), "--db-path", notDb]);
    expect(garbage.exitCode).toBe(1);
    expect(garbage.stderr).toMatch(/^error: cannot open database .*not-a-db\.db: file is not a database\n$/);
  });

  test("two runs at once on one database both succeed", async () => {
    const tasks = Array.from({ length: 30 }, (_, i) => `  - {name: t${i}, type: shell, config: {command: /bin/true}}`).join("\n");
    const file = folder.write("many.yaml", `name: many\nconfig: {max_parallel: 4}\ntasks:\n${tasks}\n`);
    const results = await Promise.all([1, 2, 3].map(() => runCli(["run", file, "--db-path", db])));
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0]);
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM task_executions WHERE status = 'Success'")).toEqual([{ n: 90 }]);
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM workflow_executions WHERE status = 'Success'")).toEqual([{ n: 3 }]);
  });
});

describe("resume", () => {
  test("--resume re-runs only what did not succeed, under the same execution", async () => {
    const marker = join(folder.dir, "ready");
    const file = folder.write("flaky.yaml", FLAKY(marker));
    const first = await runCli(["run", file, "--db-path", db]);
    expect(first.exitCode).toBe(1);
    const id = /Execution ID: (\S+)/.exec(first.stdout)?.[1] as string;
    writeFileSync(marker, "");
    expect(query<{ trigger: string }>("SELECT trigger FROM workflow_executions")).toEqual([{ trigger: "manual" }]);
    const second = await runCli(["run", "--resume", id, "--db-path", db]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain(`Resuming workflow execution: flaky (${id})`);
    expect(second.stdout).not.toContain("Task 'first' started");
    const rows = query<{ task_name: string; status: string; attempt: number }>(
      "SELECT task_name, status, attempt FROM task_executions WHERE workflow_execution_id = ? ORDER BY started_at, attempt",
      id,
    );
    expect(rows).toEqual([
      { task_name: "first", status: "Success", attempt: 1 },
      { task_name: "second", status: "Failed", attempt: 1 },
      { task_name: "third", status: "Skipped", attempt: 0 },
      { task_name: "second", status: "Success", attempt: 2 },
      { task_name: "third", status: "Success", attempt: 1 },
    ]);
    // Started again by hand under the same id: its latest start was a resume.
    expect(query<{ status: string; trigger: string }>("SELECT status, trigger FROM workflow_executions")).toEqual([{ status: "Success", trigger: "resume" }]);
    const again = await runCli(["run", "--resume", id.slice(-8), "--db-path", db]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("already succeeded; nothing to resume");
  });

  test("an unknown execution id is a one-line error", async () => {
    await runCli(["run", join(EXAMPLES, "hello-world.yaml"), "--db-path", db]);
    const result = await runCli(["run", "--resume", "0000dead", "--db-path", db]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`error: no execution '0000dead' in ${db}\n`);
  });
});

describe("interruption", () => {
  test("Ctrl-C kills the running task, records Interrupted and leaves the run resumable", async () => {
    // Unique to this run of the suite: other runs may have their own sleep going.
    const nap = `1006.${process.pid}`;
    const file = folder.write(
      "long.yaml",
      `name: long\ntasks:\n  - {name: quick, type: shell, config: {command: /bin/true}}\n  - {name: slow, type: shell, depends_on: [quick], config: {command: /bin/sleep, args: ['${nap}']}}\n`,
    );
    const child = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { stdout: "pipe", stderr: "pipe" });
    await waitFor(() => processExists(`sleep ${nap}`), 15_000, "the task's sleep");
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
    const stdout = await new Response(child.stdout).text();
    expect(stdout).toContain("Task 'slow' interrupted");
    expect(stdout).toMatch(/resume with: picoflow run --resume \S+/);
    expect(await processExists(`sleep ${nap}`)).toBe(false);
    const statuses = query<{ task_name: string; status: string }>("SELECT task_name, status FROM task_executions ORDER BY started_at");
    expect(statuses).toEqual([
      { task_name: "quick", status: "Success" },
      { task_name: "slow", status: "Interrupted" },
    ]);
    expect(query<{ status: string }>("SELECT status FROM workflow_executions")).toEqual([{ status: "Interrupted" }]);
  });
});

describe("crash of picoflow itself", () => {
  test("after kill -9, --resume kills the task the dead run left behind before running it again", async () => {
    const marker = join(folder.dir, "started-once");
    // The first attempt leaves a marker and blocks; the resumed one finds it and succeeds.
    const nap = `sleep 1009.${process.pid}`;
    const script = `if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; exec ${nap}`;
    const file = folder.write("crash.yaml", `name: crash\ntasks:\n  - {name: blocker, type: shell, config: {command: /bin/sh, args: ["-c", "${script}"]}}\n`);
    const child = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { stdout: "pipe", stderr: "pipe" });
    await waitFor(() => processExists(nap), 15_000, "the task's sleep");
    child.kill("SIGKILL");
    await child.exited;
    // The task outlives the orchestrator that started it.
    expect(await processExists(nap)).toBe(true);
    const [execution] = query<{ id: string; status: string }>("SELECT id, status FROM workflow_executions");
    expect(execution?.status).toBe("Running");
    const resumed = await runCli(["run", "--resume", execution?.id as string, "--db-path", db]);
    expect(resumed.exitCode).toBe(0);
    expect(await processExists(nap)).toBe(false);
    expect(query<{ status: string; attempt: number }>("SELECT status, attempt FROM task_executions ORDER BY attempt")).toEqual([
      { status: "Interrupted", attempt: 1 },
      { status: "Success", attempt: 2 },
    ]);
    // The note names who recovered it: this resume, not a daemon.
    expect(query<{ error: string }>("SELECT error FROM task_executions WHERE attempt = 1")).toEqual([
      { error: "interrupted: the process running it stopped without finishing (recovered by run --resume)" },
    ]);
  });
});

describe("crash in the middle of many tiny tasks (rows are committed in batches)", () => {
  const TASKS = 300;
  const chain = () =>
    `name: chain\ntasks:\n${Array.from({ length: TASKS }, (_, i) => `  - {name: t${i}, type: shell, ${i ? `depends_on: [t${i - 1}], ` : ""}config: {command: /bin/true}}\n`).join("")}`;
  interface Row {
    task_name: string;
    status: string;
    started_at: string;
    finished_at: string | null;
  }
  const rows = () => query<Row>("SELECT task_name, status, started_at, finished_at FROM task_executions");
  const successOf = (all: Row[]) => new Map(all.filter((row) => row.status === "Success").map((row) => [row.task_name, row]));

  test("the file never shows a task started before its dependency ended, and --resume finishes the rest", async () => {
    const file = folder.write("chain.yaml", chain());
    const child = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { stdout: "ignore", stderr: "ignore" });
    const schemaReady = () => existsSync(db) && query("SELECT 1 FROM sqlite_master WHERE name = 'task_executions'").length > 0;
    const successes = () => query<{ n: number }>("SELECT COUNT(*) AS n FROM task_executions WHERE status = 'Success'")[0]?.n ?? 0;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(schemaReady() && successes() >= 30)) await Bun.sleep(20);
    child.kill("SIGKILL");
    await child.exited;

    const afterCrash = rows();
    const succeededBeforeCrash = successOf(afterCrash);
    expect(succeededBeforeCrash.size).toBeGreaterThanOrEqual(30);
    expect(succeededBeforeCrash.size).toBeLessThan(TASKS);
    for (const row of afterCrash) {
      const index = Number(row.task_name.slice(1));
      if (index > 0) expect(succeededBeforeCrash.has(`t${index - 1}`)).toBe(true);
    }

    const [execution] = query<{ id: string }>("SELECT id FROM workflow_executions");
    const resumed = await runCli(["run", "--resume", execution?.id as string, "--db-path", db]);
    expect(resumed.exitCode).toBe(0);
    const final = rows();
    const succeeded = successOf(final);
    expect(succeeded.size).toBe(TASKS);
    expect(final.filter((row) => row.status === "Success")).toHaveLength(TASKS);
    // What was recorded as succeeded before the crash did not run again.
    for (const [task, row] of succeededBeforeCrash) expect(succeeded.get(task)).toEqual(row);
    for (let index = 1; index < TASKS; index++) {
      const own = succeeded.get(`t${index}`) as Row;
      const dependency = succeeded.get(`t${index - 1}`) as Row;
      expect(own.started_at >= (dependency.finished_at as string)).toBe(true);
    }
  });
});

describe("configuration", () => {
  test("flag > PICOFLOW_DB_PATH > picoflow.toml in the workflow's folder > default", async () => {
    const project = join(folder.dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "picoflow.toml"), 'db_path = "from-toml.db"\n');
    const file = join(project, "w.yaml");
    writeFileSync(file, "name: cfg\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n");
    await runCli(["run", file], { cwd: folder.dir });
    expect(existsSync(join(project, "from-toml.db"))).toBe(true);
    await runCli(["run", file], { cwd: folder.dir, env: { PICOFLOW_DB_PATH: join(folder.dir, "from-env.db") } });
    expect(existsSync(join(folder.dir, "from-env.db"))).toBe(true);
    await runCli(["run", file, "--db-path", join(folder.dir, "from-flag.db")], { env: { PICOFLOW_DB_PATH: join(folder.dir, "from-env.db") } });
    expect(existsSync(join(folder.dir, "from-flag.db"))).toBe(true);
  });

  test("picoflow.toml [retry] and [timeout] defaults reach the tasks", async () => {
    writeFileSync(
      join(folder.dir, "picoflow.toml"),
      "[retry]\ndefault_count = 2\ninitial_backoff_seconds = 0.01\n[timeout]\ndefault_seconds = 1\n",
    );
    const file = folder.write("w.yaml", "name: cfg\ntasks:\n  - {name: slow, type: shell, config: {command: /bin/sleep, args: ['1007']}}\n");
    const result = await runCli(["run", file, "--db-path", db]);
    expect(result.exitCode).toBe(1);
    expect(query<{ status: string; attempt: number }>("SELECT status, attempt FROM task_executions ORDER BY attempt")).toEqual([
      { status: "Timeout", attempt: 1 },
      { status: "Timeout", attempt: 2 },
      { status: "Timeout", attempt: 3 },
    ]);
  });

  test("a bad picoflow.toml or PICOFLOW_* value is a one-line error naming it", async () => {
    const file = folder.write("w.yaml", "name: cfg\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n");
    const toml = join(folder.dir, "picoflow.toml");
    writeFileSync(toml, "[retry]\ndefault_cuont = 3\n");
    const unknown = await runCli(["run", file]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe(`error: ${toml}: retry.default_cuont: unknown setting\n`);
    writeFileSync(toml, "log_level = [\n");
    const syntax = await runCli(["run", file]);
    expect(syntax.exitCode).toBe(2);
    expect(syntax.stderr).toStartWith(`error: ${toml}: TOML Parse error`);
    writeFileSync(toml, "");
    const env = await runCli(["run", file], { env: { PICOFLOW_LOG_FORMAT: "xml" } });
    expect(env.exitCode).toBe(2);
    expect(env.stderr).toBe('error: PICOFLOW_LOG_FORMAT: "xml" is not one of json, pretty\n');
    expect(existsSync(join(folder.dir, "picoflow.db"))).toBe(false);
  });
});
