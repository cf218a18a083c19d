import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { estimateLine, formatRange } from "../../src/cli/estimate.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { currentProcess } from "../../src/util/process-identity.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

describe("the range of past durations", () => {
  test("in the unit of the longest run, widened outwards when rounded", () => {
    expect(formatRange([900, 1100, 1200])).toBe("15-20 minutes");
    expect(formatRange([0.41, 0.93])).toBe("0.4-1 seconds");
    expect(formatRange([0.41, 0.52])).toBe("0.4-0.6 seconds");
    expect(formatRange([30, 300])).toBe("0.5-5 minutes");
    expect(formatRange([7200, 7200])).toBe("about 2 hours");
    expect(formatRange([60])).toBe("about 1 minute");
  });

  test("says how many runs it rests on, and nothing without one", () => {
    expect(estimateLine([900, 1200])).toBe("Estimated execution time: 15-20 minutes (from 2 successful runs)");
    expect(estimateLine([61])).toBe("Estimated execution time: 1-1.1 minutes (from 1 successful run)");
    expect(estimateLine([])).toBeUndefined();
  });
});

describe("validate estimates from the history in effect", () => {
  const folder = tempDir();
  afterAll(() => folder.cleanup());
  const workflow = folder.write("nightly.yaml", "name: nightly\ntasks:\n  - name: a\n    type: shell\n    config: {command: /bin/true}\n");

  /** Real rows through the real store: successes of 15 and 20 minutes, a failure and another workflow that must not count. */
  function seed(dbPath: string): void {
    const store = SqliteStore.open(dbPath);
    const runs: [string, string, number, "Success" | "Failed"][] = [
      ["e1", "nightly", 900, "Success"],
      ["e2", "nightly", 1200, "Success"],
      ["e3", "nightly", 5000, "Failed"],
      ["e4", "other", 9000, "Success"],
    ];
    for (const [id, name, seconds, status] of runs) {
      const startedAt = new Date(Date.UTC(2026, 0, 1, 2, 0, 0));
      store.createExecution({ id, workflowName: name, workflowFile: workflow, startedAt, logDir: folder.dir, owner: currentProcess(), trigger: "manual", scheduledFor: undefined });
      store.finishExecution(id, status, new Date(startedAt.getTime() + seconds * 1000));
    }
    store.close();
  }

  test("--db-path: the range of that workflow's successful runs and their number", async () => {
    const dbPath = join(folder.dir, "flag.db");
    seed(dbPath);
    const result = await runCli(["validate", workflow, "--db-path", dbPath]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "Workflow 'nightly' is valid",
      "Tasks: 1",
      "Dependencies validated: No cycles detected",
      "Max parallel levels: 1",
      "Estimated execution time: 15-20 minutes (from 2 successful runs)",
    ]);
  });

  test("PICOFLOW_DB_PATH and a real run: the history `run` wrote is the one validate reads", async () => {
    const dbPath = join(folder.dir, "env.db");
    const env = { PICOFLOW_DB_PATH: dbPath };
    expect((await runCli(["validate", workflow], { env })).stdout).not.toContain("Estimated execution time");
    expect((await runCli(["run", workflow], { env })).exitCode).toBe(0);
    const result = await runCli(["validate", workflow], { env });
    expect(result.stdout).toMatch(/^Estimated execution time: (about [\d.]+ seconds?|[\d.]+-[\d.]+ seconds?) \(from 1 successful run\)$/m);
  });

  test("no history, or none of this workflow's successes: no estimate line", async () => {
    const dbPath = join(folder.dir, "empty.db");
    const store = SqliteStore.open(dbPath);
    store.close();
    for (const args of [["--db-path", join(folder.dir, "absent.db")], ["--db-path", dbPath]]) {
      const result = await runCli(["validate", workflow, ...args]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toContain("Estimated execution time");
    }
  });

  test("a history that cannot be read costs the estimate, with a warning, not the verdict", async () => {
    const dbPath = join(folder.dir, "garbage.db");
    writeFileSync(dbPath, "this is not a database, just text that is long enough to look like one".repeat(100));
    const result = await runCli(["validate", workflow, "--db-path", dbPath]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Workflow 'nightly' is valid");
    expect(result.stderr).toMatch(/^warning: no time estimate from .*garbage\.db: file is not a database$/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
