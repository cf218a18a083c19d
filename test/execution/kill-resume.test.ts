/**
 * kill -9 of `picoflow run` at random moments, then `run --resume`: no task ever runs twice at
 * once and no task recorded as succeeded runs again (bench/kill-resume.ts does many more trials).
 */
import { expect, test } from "bun:test";
import { killResumeTrial } from "../helpers/kill-resume.ts";

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
