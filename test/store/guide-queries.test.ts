/** The SQL printed in the user guide runs verbatim with the sqlite3 shell and gives right answers. */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

const folder = tempDir();
const db = join(folder.dir, "picoflow.db");

async function sqlite3(sql: string): Promise<string[][]> {
  const child = Bun.spawn(["sqlite3", "-separator", "|", db, sql], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`sqlite3 failed: ${err}`);
  return out.trim() === "" ? [] : out.trim().split("\n").map((line) => line.split("|"));
}

beforeAll(async () => {
  const ok = folder.write(
    "ok.yaml",
    "name: ok-flow\ntasks:\n  - {name: check, type: shell, config: {command: /bin/sleep, args: ['0.2']}}\n  - {name: report, type: shell, depends_on: [check], config: {command: /bin/true}}\n",
  );
  const bad = folder.write(
    "bad.yaml",
    "name: bad-flow\ntasks:\n  - {name: check, type: shell, config: {command: /bin/false}}\n  - {name: after, type: shell, depends_on: [check], config: {command: /bin/true}}\n",
  );
  for (const file of [ok, ok, bad]) await runCli(["run", file, "--db-path", db]);
  // An old run the 30-day window must leave out.
  const handle = new Database(db);
  handle.run("UPDATE workflow_executions SET started_at = '2020-01-01 00:00:00' WHERE id = (SELECT id FROM workflow_executions LIMIT 1)");
  handle.run("UPDATE task_executions SET started_at = '2020-01-01 00:00:00' WHERE task_name = 'report' AND rowid = (SELECT MIN(rowid) FROM task_executions WHERE task_name = 'report')");
  handle.close();
});
afterAll(() => folder.cleanup());

describe("the guide's SQL", () => {
  test("the date range query", async () => {
    const rows = await sqlite3(`
  SELECT workflow_name, started_at, status, duration_seconds
  FROM workflow_executions
  WHERE started_at BETWEEN '2000-11-01' AND '2099-11-30'
  ORDER BY started_at DESC;
`);
    expect(rows.map((row) => [row[0], row[2]])).toEqual([
      ["bad-flow", "Failed"],
      ["ok-flow", "Success"],
      ["ok-flow", "Success"],
    ]);
    expect(rows.every((row) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(row[1] ?? ""))).toBe(true);
    expect(Number(rows[1]?.[3])).toBeGreaterThan(0.15);
  });

  test("task success rate over 30 days", async () => {
    const rows = await sqlite3(`
  SELECT
    task_name,
    COUNT(*) as total,
    SUM(CASE WHEN status = 'Success' THEN 1 ELSE 0 END) as success,
    ROUND(100.0 * SUM(CASE WHEN status = 'Success' THEN 1 ELSE 0 END) / COUNT(*), 2) as success_rate
  FROM task_executions
  WHERE started_at > datetime('now', '-30 days')
  GROUP BY task_name
  ORDER BY success_rate ASC;
`);
    expect(rows).toEqual([
      ["after", "1", "0", "0.0"],
      ["check", "3", "2", "66.67"],
      ["report", "1", "1", "100.0"],
    ]);
  });

  test("average execution time by workflow", async () => {
    const rows = await sqlite3(`
  SELECT
    workflow_name,
    COUNT(*) as executions,
    ROUND(AVG(duration_seconds), 2) as avg_duration_sec,
    ROUND(MIN(duration_seconds), 2) as min_duration_sec,
    ROUND(MAX(duration_seconds), 2) as max_duration_sec
  FROM workflow_executions
  WHERE finished_at IS NOT NULL
  GROUP BY workflow_name;
`);
    expect(rows.map((row) => [row[0], row[1]])).toEqual([
      ["bad-flow", "1"],
      ["ok-flow", "2"],
    ]);
    const okAverage = Number(rows[1]?.[2]);
    expect(okAverage).toBeGreaterThanOrEqual(0.2);
    expect(okAverage).toBeLessThan(10);
  });

  test("VACUUM and the history clean-up run", async () => {
    await sqlite3("VACUUM;");
    await sqlite3(`
  DELETE FROM workflow_executions
  WHERE started_at < datetime('now', '-90 days');
`);
    expect(await sqlite3("SELECT COUNT(*) FROM workflow_executions")).toEqual([["2"]]);
  });

  test("the two tables have the guide's columns, in order", async () => {
    const columns = async (table: string) => (await sqlite3(`PRAGMA table_info(${table})`)).map((row) => row[1]);
    expect((await columns("workflow_executions")).slice(0, 6)).toEqual(["id", "workflow_name", "started_at", "finished_at", "status", "duration_seconds"]);
    expect((await columns("task_executions")).slice(0, 10)).toEqual([
      "id",
      "workflow_execution_id",
      "task_name",
      "status",
      "started_at",
      "finished_at",
      "exit_code",
      "stdout",
      "stderr",
      "attempt",
    ]);
  });
});
