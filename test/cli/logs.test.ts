import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand } from "../helpers/cli.ts";
import { type History, TICKER, buildHistory, lines, pollCli, startRun } from "./inspect-fixtures.ts";

let history: History;
beforeAll(async () => {
  history = await buildHistory();
}, 120_000);
afterAll(() => history?.cleanup());

const NOTE = /^\[\d{4}-\d{2}-\d{2}T[\d:.]+Z\] /;

async function executionIds(workflow: string): Promise<{ id: string; short_id: string }[]> {
  return JSON.parse((await history.cli(["history", workflow, "--format", "json"])).stdout).executions;
}

/** Starts `picoflow logs ... --follow` and records when each line arrives. */
function follower(args: string[]) {
  const child = Bun.spawn([...picoflowCommand(), "logs", ...args, "--follow", "--db-path", history.db], {
    cwd: history.dir,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const arrivals: { line: string; at: number }[] = [];
  const reading = (async () => {
    let partial = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) arrivals.push({ line, at: Date.now() });
    }
  })();
  return {
    arrivals,
    done: async () => {
      const exitCode = await child.exited;
      await reading;
      return { exitCode, endedAt: Date.now(), stderr: await new Response(child.stderr).text() };
    },
  };
}

describe("logs", () => {
  test("the latest execution's task logs, each under a header, attempts and notes included", async () => {
    const result = await history.cli(["logs", "flaky"]);
    expect(result.exitCode).toBe(0);
    const output = lines(result.stdout);
    expect(output.filter((line) => line.startsWith("==> "))).toEqual([
      "==> prepare (Success) <==",
      "==> slowpoke (Timeout) <==",
      "==> fetch (Failed) <==",
      "==> report (Skipped) <==",
    ]);
    const fetch = output.slice(output.indexOf("==> fetch (Failed) <=="), output.indexOf("==> report (Skipped) <=="));
    expect(fetch.filter((line) => line === "fetching")).toHaveLength(2);
    expect(fetch.filter((line) => line === "no route")).toHaveLength(2);
    expect(fetch.some((line) => NOTE.test(line) && line.endsWith("attempt 2 failed: exit code 3"))).toBe(true);
    expect(output.at(-1)).toBe("(skipped: upstream task 'fetch' failed)");
  });

  test("--task and --tail: only that task's last lines, nothing else on stdout", async () => {
    const result = await history.cli(["logs", "--workflow", "flaky", "--task", "fetch", "--tail", "3"]);
    expect(result.exitCode).toBe(0);
    const output = lines(result.stdout);
    expect(output).toHaveLength(3);
    expect(output.slice(0, 2)).toEqual(["fetching", "no route"]);
    expect(output[2]).toMatch(NOTE);
    const unknown = await history.cli(["logs", "flaky", "--task", "nope"]);
    expect(unknown.exitCode).toBe(0);
    expect(unknown.stdout).toMatch(/^No task 'nope' in execution [0-9a-f-]{36} of 'flaky' \(tasks: prepare, slowpoke, fetch, report\)\n$/);
  });

  test("--execution-id takes the full id, a unique prefix or the short id", async () => {
    const [latest, older] = await executionIds("nightly");
    if (!latest || !older) throw new Error("fixture has two nightly runs");
    const byFull = await history.cli(["logs", "nightly", "--execution-id", older.id, "--task", "extract"]);
    const byShort = await history.cli(["logs", "--execution-id", older.short_id, "--task", "extract"]);
    const byPrefix = await history.cli(["logs", "--execution-id", older.id.slice(0, 23), "--task", "extract"]);
    expect(lines(byFull.stdout)).toContain("extracted");
    expect(byShort.stdout).toBe(byFull.stdout);
    expect(byPrefix.stdout).toBe(byFull.stdout);
    // Each run has its own log folder, so the two executions' notes differ.
    const latestLog = await history.cli(["logs", "--execution-id", latest.short_id, "--task", "extract"]);
    expect(latestLog.stdout).not.toBe(byFull.stdout);

    const unknown = await history.cli(["logs", "--execution-id", "ffffffff"]);
    expect(unknown).toMatchObject({ exitCode: 1, stderr: "error: no execution 'ffffffff' in the history\n" });
    const mismatch = await history.cli(["logs", "flaky", "--execution-id", older.short_id]);
    expect(mismatch.exitCode).toBe(2);
    expect(mismatch.stderr).toBe(`error: execution ${older.id} ran workflow 'nightly', not 'flaky'\n`);
  });

  test("a silent task has no log file; a removed log file falls back to the output kept in the database", async () => {
    const quiet = await history.cli(["logs", "nightly", "--task", "quiet"]);
    expect(quiet).toMatchObject({ exitCode: 0, stdout: "", stderr: "(no output)\n" });

    const runs = join(history.dir, "logs", "retried");
    for (const folder of readdirSync(runs)) rmSync(join(runs, folder), { recursive: true });
    const result = await history.cli(["logs", "retried"]);
    expect(lines(result.stdout)).toEqual([
      "==> wobbly (Success) <==",
      expect.stringMatching(/^\(log file .*wobbly\.log is gone; output kept in the database:\)$/),
      "first try",
      "second try",
    ]);
  });

  test("--follow prints a running task's output as it comes, and stops when the task ends", async () => {
    const file = history.write("ticking.yaml", TICKER("ticking", 5));
    const run = startRun(history, file);
    await pollCli(history, ["status", "ticking", "--running-only"], (result) => result.stdout.includes("⟳ ticker"));
    const oneTask = follower(["ticking", "--task", "ticker"]);
    const wholeRun = follower(["ticking"]);
    const runExit = await run.exited;
    const runEndedAt = Date.now();
    const [task, whole] = await Promise.all([oneTask.done(), wholeRun.done()]);
    expect(runExit).toBe(0);
    expect(task.exitCode).toBe(0);
    expect(whole.exitCode).toBe(0);

    const ticks = oneTask.arrivals.filter((arrival) => arrival.line.startsWith("tick "));
    expect(ticks.map((tick) => tick.line)).toEqual(["tick 1", "tick 2", "tick 3", "tick 4", "tick 5"]);
    // Printed while they happened (one a second), not all at the end.
    expect((ticks.at(-1)?.at ?? 0) - (ticks[0]?.at ?? 0)).toBeGreaterThan(1500);
    expect(oneTask.arrivals.some((arrival) => arrival.line === "done")).toBe(false);
    // Both stop on their own shortly after the run ends (generous: two shared cores).
    expect(task.endedAt - runEndedAt).toBeLessThan(5000);

    const wholeLines = wholeRun.arrivals.map((arrival) => arrival.line);
    expect(wholeLines.filter((line) => line.startsWith("==> "))).toEqual(["==> first (Success) <==", "==> ticker (Running) <==", "==> last <=="]);
    expect(wholeLines.filter((line) => line.startsWith("tick "))).toHaveLength(5);
    expect(wholeLines.at(-2)).toBe("done");
    expect(whole.endedAt - runEndedAt).toBeLessThan(5000);
  }, 60_000);
});
