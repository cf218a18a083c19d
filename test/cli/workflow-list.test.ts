import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type History, buildHistory, lines } from "./inspect-fixtures.ts";

let history: History;
beforeAll(async () => {
  history = await buildHistory();
}, 120_000);
afterAll(() => history?.cleanup());

const LAST_RUN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;

function cells(line: string | undefined): string[] {
  return (line ?? "").split(/\s{2,}/);
}

describe("workflow list", () => {
  test("every workflow with its type, schedule, last run and success/failed counts", async () => {
    const result = await history.cli(["workflow", "list"]);
    expect(result.exitCode).toBe(0);
    const [header, ...rows] = lines(result.stdout);
    expect(cells(header)).toEqual(["WORKFLOW", "TYPE", "SCHEDULE", "LAST RUN", "STATUS", "SUCCESS", "FAILED"]);
    expect(rows.map(cells).map(([name, type, schedule, last, status, success, failed]) => [name, type, schedule, LAST_RUN.test(last ?? ""), status, success, failed])).toEqual([
      ["flaky", "On-Demand", "-", true, "Failed", "0", "1"],
      ["nightly", "Cron", "0 0 2 * * *", true, "Success", "2", "0"],
      ["retried", "On-Demand", "-", true, "Success", "1", "0"],
    ]);
  });

  test("--format json gives the documented shape", async () => {
    const parsed = JSON.parse((await history.cli(["workflow", "list", "--format", "json"])).stdout);
    expect(parsed.daemon).toBeNull();
    expect(parsed.workflows.map((workflow: { name: string }) => workflow.name)).toEqual(["flaky", "nightly", "retried"]);
    expect(parsed.workflows[1]).toEqual({
      name: "nightly",
      type: "Cron",
      schedule: "0 0 2 * * *",
      file: join(history.dir, "nightly.yaml"),
      active: true,
      in_daemon: false,
      next_run: null,
      catchup_queued: 0,
      last_run: { execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/), started_at: expect.stringMatching(/Z$/), status: "Success" },
      executions: 2,
      success: 2,
      failed: 0,
      interrupted: 0,
      running: 0,
    });
  });

  test("a workflow whose file is gone is inactive: hidden unless --all", async () => {
    const file = join(history.dir, "retried.yaml");
    renameSync(file, `${file}.moved`);
    try {
      const active = lines((await history.cli(["workflow", "list"])).stdout);
      expect(active.map((line) => cells(line)[0])).toEqual(["WORKFLOW", "flaky", "nightly", "(1 inactive workflow not shown; --all lists them)"]);
      const all = lines((await history.cli(["workflow", "list", "--all"])).stdout);
      expect(all.map((line) => cells(line)[0])).toEqual(["WORKFLOW", "flaky", "nightly", "retried"]);
      const json = JSON.parse((await history.cli(["workflow", "list", "--all", "--format", "json"])).stdout);
      expect(json.workflows[2]).toMatchObject({ name: "retried", active: false, type: "On-Demand" });
    } finally {
      renameSync(`${file}.moved`, file);
    }
  });

  test("workflows of a running daemon come from the state file it publishes beside the database", async () => {
    const stateFile = join(history.dir, "picoflow-daemon.json");
    const state = (pid: number) => ({
      pid,
      startedAt: "2026-01-01T00:00:00.000Z",
      workflows: [
        { name: "nightly", file: join(history.dir, "nightly.yaml"), schedule: "0 30 3 * * *", nextRun: "2026-01-02T03:30:00.000Z" },
        { name: "sensors", file: join(history.dir, "sensors.yaml"), schedule: "*/15 * * * * *", nextRun: "2026-01-01T00:00:15.000Z", catchupQueued: 4 },
      ],
    });
    try {
      // This test process stands in for a live daemon.
      writeFileSync(stateFile, JSON.stringify(state(process.pid)));
      const parsed = JSON.parse((await history.cli(["workflow", "list", "--format", "json"])).stdout);
      expect(parsed.daemon).toEqual({ pid: process.pid, started_at: "2026-01-01T00:00:00.000Z", waiting_for_clock: null });
      const byName = Object.fromEntries(parsed.workflows.map((workflow: { name: string }) => [workflow.name, workflow]));
      expect(byName.nightly).toMatchObject({ schedule: "0 30 3 * * *", in_daemon: true, next_run: "2026-01-02T03:30:00.000Z", success: 2 });
      // Loaded by the daemon but never run yet: listed, with no last run.
      expect(byName.sensors).toMatchObject({ type: "Cron", in_daemon: true, active: true, last_run: null, executions: 0, catchup_queued: 4 });
      expect(byName.nightly.catchup_queued).toBe(0);
      const table = lines((await history.cli(["workflow", "list"])).stdout).map(cells);
      expect(table.find((row) => row[0] === "sensors")).toEqual(["sensors", "Cron", "*/15 * * * * *", "-", "-", "0", "0"]);

      // A state file left behind by a dead daemon is ignored.
      const gone = Bun.spawnSync(["/bin/true"]).pid;
      writeFileSync(stateFile, JSON.stringify(state(gone)));
      const stale = JSON.parse((await history.cli(["workflow", "list", "--format", "json"])).stdout);
      expect(stale.daemon).toBeNull();
      expect(stale.workflows.map((workflow: { name: string }) => workflow.name)).toEqual(["flaky", "nightly", "retried"]);
    } finally {
      rmSync(stateFile, { force: true });
    }
  });
});
