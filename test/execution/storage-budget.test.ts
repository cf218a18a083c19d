/**
 * `[history] max_size_mb` through the real CLI: `run` after `run` of a workflow whose tasks
 * print a lot, next to one execution that stays running. The database file stays under the
 * budget, the newest executions and the running one survive, and the log folders of the
 * pruned executions are gone. `[history] output_tail_kb` bounds each attempt's stored output.
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";
import { queryDb, waitFor } from "../daemon/helpers.ts";

const MIB = 1024 * 1024;
const RUNS = 18;
const TAIL_KB = 32;

let folder: ReturnType<typeof tempDir>;
/** The long-running `run`, stopped after a failed test so it does not outlive its folder. */
let running: Bun.Subprocess | undefined;
beforeEach(() => {
  folder = tempDir("picoflow-budget-");
});
afterEach(async () => {
  if (running && running.exitCode === null) {
    running.kill("SIGTERM"); // `run` then stops its task's whole process group
    await running.exited;
  }
  running = undefined;
  folder.cleanup();
});

interface Row {
  id: string;
  workflow_name: string;
  status: string;
  log_dir: string;
}

/** The executions so far (none while the schema is still being created by the first run). */
function rows(db: string): Row[] {
  return queryDb(db, (sqlite) => {
    if (!sqlite.query("SELECT 1 FROM sqlite_master WHERE name = 'workflow_executions'").get()) return [];
    return sqlite.query("SELECT id, workflow_name, status, log_dir FROM workflow_executions ORDER BY started_at").all() as Row[];
  });
}

/** A shell task printing `kb` KiB of text on stdout. */
const chattyTask = (name: string, kb: number) => `  - name: ${name}
    type: shell
    config:
      command: /bin/sh
      args: ["-c", "i=0; while [ $i -lt ${kb} ]; do head -c 1023 /dev/zero | tr '\\\\0' x; echo; i=$((i+1)); done"]
`;

test("history stays under max_size_mb: oldest finished executions and their log folders go, the newest and a running one stay", async () => {
  folder.write("picoflow.toml", `[history]\nmax_size_mb = 1\noutput_tail_kb = ${TAIL_KB}\n`);
  const db = join(folder.dir, "picoflow.db");
  const release = join(folder.dir, "release");
  const long = folder.write(
    "long.yaml",
    `name: long\ntasks:\n  - name: wait\n    type: shell\n    config:\n      command: /bin/sh\n      args: ["-c", "while [ ! -e ${release} ]; do sleep 0.1; done"]\n`,
  );
  const chatty = folder.write("chatty.yaml", `name: chatty\ntasks:\n${["a", "b", "c", "d"].map((name) => chattyTask(name, 100)).join("")}`);

  // The oldest execution of all, running the whole time.
  running = Bun.spawn([...picoflowCommand(), "run", long, "--db-path", db], { cwd: folder.dir, stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const longRow = await waitFor(() => existsSync(db) && rows(db).find((row) => row.workflow_name === "long"), 15_000, "the long execution");

  const seen: Row[] = [];
  let pruneLogged = false;
  for (let run = 0; run < RUNS; run++) {
    const result = await runCli(["run", chatty, "--db-path", db], { cwd: folder.dir });
    expect(result.exitCode).toBe(0);
    pruneLogged ||= result.stderr.includes("history pruned to its size budget");
    const newest = rows(db).at(-1) as Row;
    expect(newest.workflow_name).toBe("chatty");
    seen.push(newest);
    // After every run, not just the last: the file itself is under the budget.
    expect(statSync(db).size).toBeLessThanOrEqual(MIB);
  }
  expect(pruneLogged).toBe(true);

  const kept = rows(db);
  const keptIds = new Set(kept.map((row) => row.id));
  // Without the budget 18 runs x 4 tasks x 32 KiB would be well over 2 MiB: many were pruned.
  const pruned = seen.filter((row) => !keptIds.has(row.id));
  expect(pruned.length).toBeGreaterThan(RUNS / 3);
  // Oldest first: what is kept is the newest run of chatty, in one unbroken stretch.
  const keptChatty = seen.filter((row) => keptIds.has(row.id));
  expect(keptChatty.length).toBeGreaterThanOrEqual(3);
  expect(keptChatty).toEqual(seen.slice(seen.length - keptChatty.length));
  for (const row of pruned) expect(existsSync(row.log_dir)).toBe(false);
  for (const row of keptChatty) expect(existsSync(row.log_dir)).toBe(true);

  // The running execution is never pruned, though it is the oldest.
  expect(kept.find((row) => row.id === longRow.id)?.status).toBe("Running");
  writeFileSync(release, "");
  expect(await running.exited).toBe(0);
  expect(rows(db).find((row) => row.id === longRow.id)?.status).toBe("Success");

  // Each attempt keeps only the tail of its output.
  const stored = queryDb(db, (sqlite) => sqlite.query("SELECT MAX(LENGTH(stdout)) AS longest FROM task_executions").get() as { longest: number });
  expect(stored.longest).toBeLessThanOrEqual(TAIL_KB * 1024);
  expect(stored.longest).toBeGreaterThan((TAIL_KB - 2) * 1024);
}, 120_000);

test("an existing database switches to incremental vacuum when opened for writing", async () => {
  const db = join(folder.dir, "old.db");
  const legacy = new Database(db, { create: true });
  legacy.run("CREATE TABLE filler (x TEXT)");
  legacy.close();
  const file = folder.write("hello.yaml", "name: hello\ntasks:\n  - name: hi\n    type: shell\n    config:\n      command: echo\n");
  expect((await runCli(["run", file, "--db-path", db], { cwd: folder.dir })).exitCode).toBe(0);
  const reopened = new Database(db, { readonly: true });
  expect(reopened.query("PRAGMA auto_vacuum").get()).toEqual({ auto_vacuum: 2 });
  reopened.close();
});
