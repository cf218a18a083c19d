/**
 * kill -9 of `picoflow run` at random moments, then `run --resume`: no task ever runs twice at
 * once and no task recorded as succeeded runs again (bench/kill-resume.ts does many more trials).
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";
import { processExists } from "../helpers/engine.ts";
import { killResumeTrial } from "../helpers/kill-resume.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The PID of the first attempt, once the run has committed it; read-only, so the run is never held up. */
function recordedPid(db: string): number | undefined {
  let handle: Database | undefined;
  try {
    handle = new Database(db, { readonly: true });
    handle.run("PRAGMA busy_timeout = 1000");
    const row = handle.query("SELECT process_pid AS pid FROM task_executions WHERE process_pid IS NOT NULL").get() as { pid: number } | null;
    return row?.pid;
  } catch {
    return undefined; // not created yet, or busy: try again
  } finally {
    handle?.close();
  }
}

const TRIALS = 4;

test(`kill -9 at ${TRIALS} random moments: never a task twice at once, never a succeeded task again`, async () => {
  for (let trial = 0; trial < TRIALS; trial++) {
    // Spread over start-up, the first tasks and the middle of the DAG (start-up alone takes ~150 ms).
    const killAfterMs = 150 + Math.floor(Math.random() * 900);
    const result = await killResumeTrial(killAfterMs);
    const context = JSON.stringify(result);
    expect(result.doubles, context).toEqual([]);
    expect(result.succeededRanAgain, context).toEqual([]);
    if (result.recorded) {
      expect(result.resumeExitCode, context).toBe(0);
      expect(result.finalStatus, context).toBe("Success");
    }
  }
}, 120_000);

test("a task whose attempt row and PID were lost with the crash is still killed before the resume runs it again", async () => {
  const folder = tempDir("picoflow-lost-pid-");
  const sleep = `sleep ${1000 + Math.floor(Math.random() * 900)}.${process.pid}`;
  try {
    // The first run blocks in `sleep`; the resumed one finds the marker file and succeeds at once.
    const marker = join(folder.dir, "started");
    const script = `if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; exec ${sleep}`;
    const file = folder.write("lost.yaml", `name: lost\ntasks:\n  - {name: blocker, type: shell, config: {command: /bin/sh, args: ["-c", "${script}"]}}\n`);
    const db = join(folder.dir, "picoflow.db");
    const run = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { stdio: ["ignore", "ignore", "ignore"] });
    await waitFor(() => processExists(sleep), 15_000, "the task's sleep to start");
    // Past the write batch: the attempt's row and PID are on disk, and are then taken away.
    await waitFor(() => recordedPid(db), 15_000, "the attempt's PID to be committed");
    run.kill("SIGKILL");
    await run.exited;
    // As if the crash had come before the batch with the attempt's row and PID was committed.
    const handle = new Database(db);
    const { id } = handle.query("SELECT id FROM workflow_executions").get() as { id: string };
    handle.run("DELETE FROM task_executions");
    handle.close();
    expect(await processExists(sleep)).toBe(true);

    const resumed = await runCli(["run", "--resume", id, "--db-path", db]);
    expect(resumed.exitCode).toBe(0);
    // Found by PICOFLOW_EXECUTION_ID alone, and killed before the task ran again.
    expect(await processExists(sleep)).toBe(false);
    expect(resumed.stderr).toContain("killed task processes the dead owner left running");
  } finally {
    // Should the check fail, the leftover (its command line unique to this test) must not outlive it.
    await Bun.spawn(["pkill", "-KILL", "-f", sleep], { stdio: ["ignore", "ignore", "ignore"] }).exited;
    folder.cleanup();
  }
}, 60_000);
