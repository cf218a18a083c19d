import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type History, buildHistory, lines, localDate } from "./inspect-fixtures.ts";

let history: History;
beforeAll(async () => {
  history = await buildHistory();
}, 120_000);
afterAll(() => history?.cleanup());

interface HistoryJson {
  executions: {
    id: string;
    short_id: string;
    workflow: string;
    status: string;
    started_at: string;
    finished_at: string | null;
    duration_seconds: number | null;
    tasks: { total: number; succeeded: number; failed: number; skipped: number; running: number };
    result: string;
    owner_alive: boolean | null;
    workflow_file: string | null;
    log_dir: string | null;
  }[];
}

const ROW = /^(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s+(\d+m \d+s)\s+(\S+)\s+(\d+\/\d+)\s+(\S+)\s+(-|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s+(.+)$/;

function rows(stdout: string): RegExpExecArray[] {
  return lines(stdout)
    .slice(1)
    .map((line) => ROW.exec(line) as RegExpExecArray);
}

describe("history", () => {
  test("lists the last executions newest first, with the guide's columns", async () => {
    const result = await history.cli(["history"]);
    expect(result.exitCode).toBe(0);
    const [header] = lines(result.stdout);
    expect(header?.split(/\s{2,}/)).toEqual(["WORKFLOW", "STARTED", "DURATION", "STATUS", "TASKS", "TRIGGER", "SCHEDULED FOR", "RESULT"]);
    const table = rows(result.stdout);
    // Started by hand (`run`): trigger manual, no scheduled time.
    expect(table.map((row) => [row[1], row[4], row[5], row[6], row[7], row[8]])).toEqual([
      ["retried", "Success", "1/1", "manual", "-", "All tasks completed"],
      ["flaky", "Failed", "1/4", "manual", "-", "slowpoke failed (timeout) and 1 more; 1 skipped"],
      ["nightly", "Success", "3/3", "manual", "-", "All tasks completed"],
      ["nightly", "Success", "3/3", "manual", "-", "All tasks completed"],
    ]);
    // Local start times, newest first.
    const started = table.map((row) => row[2] as string);
    expect([...started].sort().reverse()).toEqual(started);
    expect(started[0]?.slice(0, 10)).toBe(localDate(new Date()));
  });

  test("filters by workflow (flag or argument), status in any case, limit and since", async () => {
    const byFlag = await history.cli(["history", "--workflow", "nightly"]);
    const byArgument = await history.cli(["history", "nightly"]);
    expect(rows(byFlag.stdout).map((row) => row[1])).toEqual(["nightly", "nightly"]);
    expect(byArgument.stdout).toBe(byFlag.stdout);

    const limited = await history.cli(["history", "nightly", "--limit", "1"]);
    expect(rows(limited.stdout)).toHaveLength(1);

    const failed = await history.cli(["history", "--status", "FAILED"]);
    expect(rows(failed.stdout).map((row) => row[1])).toEqual(["flaky"]);
    const succeeded = await history.cli(["history", "--status", "success", "--limit", "2"]);
    expect(rows(succeeded.stdout).map((row) => row[1])).toEqual(["retried", "nightly"]);

    const sinceToday = await history.cli(["history", "--since", localDate(new Date())]);
    expect(rows(sinceToday.stdout)).toHaveLength(4);
    const tomorrow = localDate(new Date(Date.now() + 86_400_000));
    const none = await history.cli(["history", "--since", tomorrow]);
    expect(none.exitCode).toBe(0);
    expect(none.stdout.trim()).toBe("No executions match these filters");
  });

  test("--format json gives the documented shape", async () => {
    const result = await history.cli(["history", "--format", "JSON"]);
    expect(result.exitCode).toBe(0);
    const parsed = JSON.parse(result.stdout) as HistoryJson;
    expect(parsed.executions.map((execution) => execution.workflow)).toEqual(["retried", "flaky", "nightly", "nightly"]);
    const flaky = parsed.executions[1];
    expect(flaky).toMatchObject({
      workflow: "flaky",
      status: "Failed",
      tasks: { total: 4, succeeded: 1, failed: 2, skipped: 1, running: 0 },
      result: "slowpoke failed (timeout) and 1 more; 1 skipped",
      owner_alive: null,
    });
    expect(flaky?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(flaky?.short_id).toBe(flaky?.id.replaceAll("-", "").slice(-8) as string);
    expect(flaky?.started_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(flaky?.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(flaky?.workflow_file).toBe(`${history.dir}/flaky.yaml`);
    expect(flaky?.log_dir).toContain(`${history.dir}/logs/flaky/`);
    expect(Object.keys(flaky ?? {}).sort()).toEqual(
      ["duration_seconds", "finished_at", "id", "log_dir", "owner_alive", "result", "scheduled_for", "short_id", "started_at", "status", "tasks", "trigger", "workflow", "workflow_file"].sort(),
    );
    expect(flaky).toMatchObject({ trigger: "manual", scheduled_for: null });
  });

  test("an unknown workflow is a friendly line and exit 0, in table and JSON form", async () => {
    const table = await history.cli(["history", "no-such-workflow"]);
    expect(table).toMatchObject({ exitCode: 0, stdout: "No executions recorded for workflow 'no-such-workflow'\n" });
    const json = await history.cli(["history", "no-such-workflow", "--format", "json"]);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ executions: [] });
    expect(json.stderr).toContain("No executions recorded for workflow 'no-such-workflow'");
  });

  test("two different workflow names is a usage error", async () => {
    const result = await history.cli(["history", "nightly", "--workflow", "flaky"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("error: two workflows given: 'nightly' and --workflow 'flaky'; give one\n");
  });
});
