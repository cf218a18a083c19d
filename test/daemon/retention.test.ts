/** [logs] retention_days / max_size_mb and [history] retention_days, applied by the daemon at start. */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pruneLogs } from "../../src/daemon/retention.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { toFolderTime, toSqlTime } from "../../src/util/time.ts";
import { runCli } from "../helpers/cli.ts";
import { daemonDir, executions, queryDb, shellTask, started, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const KB = 1024;

/** A run folder as the engine names it, started `ageMs` ago, holding one log of `bytes`. */
function runFolder(logsDir: string, workflow: string, ageMs: number, bytes: number, id: string): string {
  const dir = join(logsDir, workflow, `${toFolderTime(new Date(Date.now() - ageMs))}_${id}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "task.log"), Buffer.alloc(bytes, 120));
  return dir;
}

test("log folders past retention_days go, then the oldest until the logs fit in max_size_mb", async () => {
  env = daemonDir();
  const logs = join(env.dir, "logs");
  const ancient = runFolder(logs, "a", 40 * DAY_MS, KB, "aaaaaaa1");
  const older = runFolder(logs, "a", 3 * HOUR_MS, 600 * KB, "aaaaaaa2");
  const old = runFolder(logs, "b", 2 * HOUR_MS, 600 * KB, "bbbbbbb1");
  const recent = runFolder(logs, "b", 1 * HOUR_MS, 600 * KB, "bbbbbbb2");
  const report = await pruneLogs(logs, { logRetentionDays: 30, logMaxSizeMb: 1, historyRetentionDays: undefined }, new Date(), () => false);
  expect(report.foldersRemovedByAge).toBe(1);
  expect(report.foldersRemovedBySize).toBe(2);
  expect([ancient, older, old, recent].map((dir) => existsSync(dir))).toEqual([false, false, false, true]);
  expect(report.bytesKept).toBe(600 * KB);
  // Workflow "a" has no runs left: its folder goes too.
  expect(readdirSync(logs)).toEqual(["b"]);
}, 20_000);

test("a running execution's log folder is never removed, however old or large", async () => {
  env = daemonDir();
  const logs = join(env.dir, "logs");
  const busy = runFolder(logs, "a", 40 * DAY_MS, 2048 * KB, "busy0001");
  const report = await pruneLogs(logs, { logRetentionDays: 30, logMaxSizeMb: 1, historyRetentionDays: undefined }, new Date(), (path) => path === busy);
  expect(existsSync(busy)).toBe(true);
  expect(report.foldersRemovedByAge + report.foldersRemovedBySize).toBe(0);
});

test("history rows older than the cutoff go with their task rows; running ones stay", async () => {
  env = daemonDir();
  const db = join(env.dir, "picoflow.db");
  const flow = env.write("flow.yaml", workflowYaml("flow", undefined, shellTask("one", "echo") + shellTask("two", "echo")));
  for (let index = 0; index < 3; index++) expect((await runCli(["--db-path", db, "run", flow], { cwd: env.dir })).exitCode).toBe(0);
  const [oldest, middle] = executions(db, "flow");
  const handle = new Database(db);
  handle.query("UPDATE workflow_executions SET started_at = ? WHERE id = ?").run(toSqlTime(new Date(Date.now() - 100 * DAY_MS)), oldest?.id as string);
  handle.query("UPDATE workflow_executions SET started_at = ?, status = 'Running' WHERE id = ?").run(toSqlTime(new Date(Date.now() - 100 * DAY_MS)), middle?.id as string);
  handle.close();
  const store = SqliteStore.open(db);
  try {
    expect(store.pruneHistory(new Date(Date.now() - 90 * DAY_MS))).toEqual({ executions: 1, tasks: 2 });
  } finally {
    store.close();
  }
  expect(executions(db, "flow").map((row) => row.id)).not.toContain(oldest?.id as string);
  expect(executions(db, "flow")).toHaveLength(2);
  expect(queryDb(db, (h) => h.query("SELECT COUNT(*) AS n FROM task_executions WHERE workflow_execution_id = ?").get(oldest?.id as string))).toEqual({ n: 0 });
}, 30_000);

test("the daemon applies the whole policy from picoflow.toml at start", async () => {
  env = daemonDir();
  env.write("picoflow.toml", "[metrics]\nport = 0\n\n[logs]\nretention_days = 30\nmax_size_mb = 1\n\n[history]\nretention_days = 90\n");
  const db = join(env.dir, "picoflow.db");
  const flow = env.write("flow.yaml", workflowYaml("flow", undefined, shellTask("one", "echo")));
  for (let index = 0; index < 2; index++) expect((await runCli(["--db-path", db, "run", flow], { cwd: env.dir })).exitCode).toBe(0);
  const [oldest] = executions(db, "flow");
  const handle = new Database(db);
  handle.query("UPDATE workflow_executions SET started_at = ? WHERE id = ?").run(toSqlTime(new Date(Date.now() - 100 * DAY_MS)), oldest?.id as string);
  handle.close();
  const ancient = runFolder(join(env.dir, "logs"), "flow", 40 * DAY_MS, KB, "ancient1");
  const big = runFolder(join(env.dir, "logs"), "other", 2 * HOUR_MS, 1500 * KB, "bigbig01");

  const daemon = env.start([flow]);
  await started(daemon);
  const applied = await daemon.waitForLog((line) => line.msg === "retention applied");
  expect(applied).toMatchObject({ foldersRemovedByAge: 1, foldersRemovedBySize: 1, executionsPruned: 1, taskRowsPruned: 1 });
  expect(existsSync(ancient)).toBe(false);
  expect(existsSync(big)).toBe(false);
  expect(executions(db, "flow")).toHaveLength(1);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);
