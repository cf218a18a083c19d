import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { type History, TICKER, buildHistory, lines, pollCli, startRun } from "./inspect-fixtures.ts";

let history: History;
beforeAll(async () => {
  history = await buildHistory();
}, 120_000);
afterAll(() => history?.cleanup());

const isRunningTicker = (result: { stdout: string }) => result.stdout.includes("⟳ ticker");

describe("status", () => {
  test("a finished execution, task by task, with the guide's symbols", async () => {
    const result = await history.cli(["status", "flaky"]);
    expect(result.exitCode).toBe(0);
    const output = lines(result.stdout);
    expect(output[0]).toBe("Workflow: flaky");
    expect(output[1]).toMatch(/^Execution: [0-9a-f-]{36}$/);
    expect(output[2]).toBe("Status: Failed");
    expect(output[3]).toMatch(/^Started: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(output).toContain("Trigger: manual");
    expect(output.slice(output.indexOf("Tasks:") + 1)).toEqual([
      expect.stringMatching(/^ {2}✓ prepare {2}\(completed in [\d.]+s\)$/),
      "  ✗ slowpoke (timed out after 1s)",
      "  ✗ fetch    (failed after 2 attempts: exit code 3)",
      "  ○ report   (skipped: upstream task 'fetch' failed)",
    ]);
  });

  test("without a workflow: the latest execution of each workflow", async () => {
    const output = lines((await history.cli(["status"])).stdout);
    expect(output.filter((line) => line.startsWith("Workflow: "))).toEqual(["Workflow: flaky", "Workflow: nightly", "Workflow: retried"]);
    expect(output.filter((line) => /^ {2}✓ wobbly \(completed in [\d.]+s on attempt 2\)$/.test(line))).toHaveLength(1);
  });

  test("sees a run that another process is doing, live, until it ends", async () => {
    const file = history.write("live.yaml", TICKER("live", 4));
    const run = startRun(history, file);
    try {
      const seen = await pollCli(history, ["status", "--running-only"], isRunningTicker);
      const output = lines(seen.stdout);
      expect(output[0]).toBe("Workflow: live");
      expect(output[2]).toBe("Status: Running");
      expect(output[4]).toMatch(/^Elapsed: /);
      expect(output.slice(output.indexOf("Tasks:") + 1)).toEqual([
        expect.stringMatching(/^ {2}✓ first {2}\(completed in [\d.]+s\)$/),
        expect.stringMatching(/^ {2}⟳ ticker \(running for [\d.]+s\)$/),
        "  ○ last   (pending)",
      ]);

      const json = JSON.parse((await history.cli(["status", "live", "--running-only", "--format", "json"])).stdout);
      expect(json.executions).toHaveLength(1);
      expect(json.executions[0]).toMatchObject({ workflow: "live", status: "Running", owner_alive: true, owner_pid: run.pid, task_list_complete: true });
      expect(json.executions[0].tasks.map((task: { name: string; state: string }) => [task.name, task.state])).toEqual([
        ["first", "succeeded"],
        ["ticker", "running"],
        ["last", "pending"],
      ]);
      expect(json.executions[0].elapsed_seconds).toBeGreaterThan(0);
    } finally {
      expect(await run.exited).toBe(0);
    }
    const after = await history.cli(["status", "--running-only"]);
    expect(after).toMatchObject({ exitCode: 0, stdout: "No workflows are running\n" });
    const latest = lines((await history.cli(["status", "live"])).stdout);
    expect(latest[2]).toBe("Status: Success");
    expect(latest.at(-1)).toMatch(/^ {2}✓ last {3}\(completed in [\d.]+s\)$/);
  }, 60_000);

  test("a running execution whose workflow file is gone still shows what it recorded", async () => {
    const file = history.write("vanishing.yaml", TICKER("vanishing", 3));
    const run = startRun(history, file);
    try {
      await pollCli(history, ["status", "vanishing", "--running-only"], isRunningTicker);
      rmSync(file);
      const output = lines((await history.cli(["status", "vanishing", "--running-only"])).stdout);
      const tasks = output.slice(output.indexOf("Tasks:") + 1);
      expect(tasks[0]).toMatch(/✓ first/);
      expect(tasks[1]).toMatch(/⟳ ticker/);
      expect(tasks[2]).toBe("  (workflow file unavailable: tasks not started yet are not listed)");
    } finally {
      await run.exited;
    }
  }, 60_000);

  test("an execution left Running by a killed process is not reported as running", async () => {
    const file = history.write("doomed.yaml", TICKER("doomed", 3));
    const run = startRun(history, file);
    await pollCli(history, ["status", "doomed", "--running-only"], isRunningTicker);
    run.kill("SIGKILL");
    await run.exited;
    const running = await history.cli(["status", "doomed", "--running-only"]);
    expect(lines(running.stdout)).toEqual([
      "No workflows are running (workflow 'doomed')",
      "",
      "(1 execution recorded as Running by a process that is gone; see picoflow status without --running-only)",
    ]);
    const output = lines((await history.cli(["status", "doomed"])).stdout);
    expect(output[2]).toMatch(new RegExp(`^Status: Running \\(process ${run.pid} is gone; resume with: picoflow run --resume [0-9a-f]{8}\\)$`));
    expect(output.some((line) => line.startsWith("Elapsed:"))).toBe(false);
    expect(output).toContain("  ✗ ticker (never finished: its process is gone)");
    const row = JSON.parse((await history.cli(["history", "doomed", "--format", "json"])).stdout).executions[0];
    expect(row).toMatchObject({ status: "Running", owner_alive: false });
    expect(row.result).toMatch(/is gone; resume with: picoflow run --resume/);
  }, 60_000);

  test("an interrupted run (Ctrl-C) says how to resume it and which tasks never ran", async () => {
    const file = history.write("napper.yaml", "name: napper\ntasks:\n  - name: nap\n    type: shell\n    config: {command: /bin/sleep, args: [\"10\"]}\n  - name: later\n    type: shell\n    depends_on: [nap]\n    config: {command: /bin/echo}\n");
    const run = startRun(history, file);
    await pollCli(history, ["status", "napper", "--running-only"], (result) => result.stdout.includes("⟳ nap"));
    run.kill("SIGINT");
    expect(await run.exited).toBe(130);
    const output = lines((await history.cli(["status", "napper"])).stdout);
    expect(output[2]).toBe("Status: Interrupted");
    expect(output).toContain(`Resume: picoflow run --resume ${output[1]?.replaceAll("-", "").slice(-8)}`);
    expect(output.slice(output.indexOf("Tasks:") + 1)).toEqual(["  ✗ nap   (interrupted)", "  ○ later (not run)"]);
    const row = JSON.parse((await history.cli(["history", "napper", "--format", "json"])).stdout).executions[0];
    expect(row).toMatchObject({ status: "Interrupted", tasks: { total: 2, succeeded: 0, failed: 1, skipped: 0, running: 0 } });
    expect(row.result).toBe(`Interrupted; resume with: picoflow run --resume ${row.short_id}`);
  }, 60_000);
});
