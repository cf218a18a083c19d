import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type History, buildHistory, lines, localDate } from "./inspect-fixtures.ts";

let history: History;
beforeAll(async () => {
  history = await buildHistory();
}, 120_000);
afterAll(() => history?.cleanup());

const DURATION = String.raw`(\d+(\.\d+)?s|\d+m \d+s)`;

describe("stats", () => {
  test("a failing workflow: rates, durations, per-task statistics and the failure reasons", async () => {
    const result = await history.cli(["stats", "flaky"]);
    expect(result.exitCode).toBe(0);
    const output = lines(result.stdout);
    expect(output.slice(0, 6)).toEqual(["Workflow: flaky", "Period: Last 30 days", "", "Executions: 1", "Success: 0 (0%)", "Failed: 1 (100%)"]);
    expect(output[7]).toMatch(new RegExp(`^Average duration: ${DURATION}$`));
    expect(output[8]).toMatch(/^Min duration: /);
    expect(output[9]).toMatch(/^Max duration: /);
    const tasks = output.slice(output.indexOf("Task statistics:") + 1, output.indexOf("Task statistics:") + 5);
    expect(tasks[0]).toMatch(new RegExp(`^  prepare: +100% success, avg ${DURATION}$`));
    expect(tasks[1]).toMatch(new RegExp(`^  slowpoke: +0% success, avg ${DURATION}$`));
    expect(tasks[2]).toMatch(new RegExp(`^  fetch: +0% success, avg ${DURATION}, 1 retry$`));
    expect(tasks[3]).toBe("  report:   no finished runs, 1 skipped");
    const breakdown = output.slice(output.indexOf("Failure breakdown:") + 1);
    expect(breakdown).toEqual([`  ${localDate(new Date())}: slowpoke failed (timeout), fetch failed (exit code 3)`]);
  });

  test("successful workflows, a retried task, and every workflow when none is named", async () => {
    const all = lines((await history.cli(["stats"])).stdout);
    expect(all.filter((line) => line.startsWith("Workflow: "))).toEqual(["Workflow: flaky", "Workflow: nightly", "Workflow: retried"]);
    const nightly = lines((await history.cli(["stats", "--workflow", "nightly", "--period", "7"])).stdout);
    expect(nightly.slice(0, 6)).toEqual(["Workflow: nightly", "Period: Last 7 days", "", "Executions: 2", "Success: 2 (100%)", "Failed: 0 (0%)"]);
    expect(nightly).not.toContain("Failure breakdown:");
    const retried = lines((await history.cli(["stats", "retried"])).stdout);
    expect(retried.at(-1)).toMatch(new RegExp(`^  wobbly: 100% success, avg ${DURATION}, 1 retry$`));
  });

  test("--format json gives the documented shape", async () => {
    const result = await history.cli(["stats", "flaky", "--format", "json"]);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.period_days).toBe(30);
    expect(Date.now() - Date.parse(parsed.since)).toBeGreaterThan(30 * 86_400_000 - 60_000);
    const [flaky] = parsed.workflows;
    expect(flaky).toMatchObject({ workflow: "flaky", executions: 1, success: 0, failed: 1, interrupted: 0, running: 0, success_rate: 0, failures_not_listed: 0 });
    expect(flaky.duration_seconds.average).toBeGreaterThanOrEqual(1);
    expect(flaky.tasks.map((task: { name: string }) => task.name)).toEqual(["prepare", "slowpoke", "fetch", "report"]);
    expect(flaky.tasks[2]).toMatchObject({ name: "fetch", runs: 1, success: 0, failed: 1, skipped: 0, retries: 1, success_rate: 0 });
    expect(flaky.tasks[3]).toMatchObject({ name: "report", runs: 1, skipped: 1, success_rate: null, average_duration_seconds: null });
    expect(flaky.failures).toHaveLength(1);
    expect(flaky.failures[0].status).toBe("Failed");
    expect(flaky.failures[0].tasks).toEqual([
      { name: "slowpoke", status: "Timeout", attempt: 1, failure_kind: "timeout", exit_code: expect.any(Number), error: "timed out after 1s", reason: "timeout" },
      { name: "fetch", status: "Failed", attempt: 2, failure_kind: "exit-code", exit_code: 3, error: "exit code 3", reason: "exit code 3" },
    ]);
  });

  test("the period leaves out older executions; an unknown workflow is a friendly line", async () => {
    // Back-date one nightly run by 60 days, as if it had run then.
    const db = new Database(history.db);
    db.run("UPDATE workflow_executions SET started_at = datetime(started_at, '-60 days') WHERE id = (SELECT MIN(id) FROM workflow_executions WHERE workflow_name = 'nightly')");
    db.close();
    const recent = lines((await history.cli(["stats", "nightly"])).stdout);
    expect(recent[3]).toBe("Executions: 1");
    const longer = lines((await history.cli(["stats", "nightly", "--period", "90"])).stdout);
    expect(longer[3]).toBe("Executions: 2");
    const unknown = await history.cli(["stats", "nope"]);
    expect(unknown).toMatchObject({ exitCode: 0, stdout: "No executions recorded for workflow 'nope'\n" });
  });
});
