/**
 * kill -9 of `picoflow run` at random moments, each followed by `picoflow run --resume`,
 * checking that no task ever runs twice at once (every task holds a lock named after its
 * PICOFLOW_TASK) and that no task recorded as succeeded runs again.
 *
 *   bun bench/kill-resume.ts [TRIALS]     (default 30; PICOFLOW_BIN=dist/picoflow for the binary)
 */
import { killResumeTrial, type TrialResult } from "../test/helpers/kill-resume.ts";

const trials = Number(process.argv[2] ?? 30);
const results: TrialResult[] = [];
for (let trial = 0; trial < trials; trial++) {
  const killAfterMs = 100 + Math.floor(Math.random() * 1400);
  const result = await killResumeTrial(killAfterMs);
  results.push(result);
  const verdict = result.doubles.length || result.succeededRanAgain.length || (result.recorded && result.finalStatus !== "Success") ? "FAIL" : "ok";
  console.log(
    `trial ${String(trial + 1).padStart(2)}: kill at ${String(killAfterMs).padStart(4)} ms  ${result.recorded ? `resume exit ${result.resumeExitCode}, ${result.finalStatus}` : "killed before the execution was recorded"}` +
      `${result.leftoversKilled ? ", leftovers killed" : ""}${result.endNotRecorded.length ? `, ended unrecorded before the kill: ${result.endNotRecorded.join(" ")}` : ""}` +
      `${result.endAfterCrash.length ? `, finished after the crash: ${result.endAfterCrash.join(" ")}` : ""}  ${verdict}`,
  );
}
const failed = results.filter((r) => r.doubles.length || r.succeededRanAgain.length || (r.recorded && r.finalStatus !== "Success"));
const sum = (pick: (r: TrialResult) => boolean) => results.filter(pick).length;
console.log(`\n${trials} trials: ${sum((r) => r.recorded)} resumed, ${sum((r) => r.leftoversKilled)} with leftovers killed`);
console.log(`tasks twice at once: ${results.reduce((n, r) => n + r.doubles.length, 0)}; succeeded tasks run again: ${results.reduce((n, r) => n + r.succeededRanAgain.length, 0)}`);
const total = (pick: (r: TrialResult) => string[]) => results.reduce((n, r) => n + pick(r).length, 0);
console.log(`tasks run again to their end (their end was never recorded): ${total((r) => r.endNotRecorded)} ended shortly before the kill (not yet recorded), ${total((r) => r.endAfterCrash)} finished after it`);
console.log(failed.length === 0 ? "PASS" : `FAIL: ${failed.length} trials`);
process.exit(failed.length === 0 ? 0 : 1);
