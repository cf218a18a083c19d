/**
 * One kill -9 trial: `picoflow run` of a small DAG is killed at a random moment, then
 * `picoflow run --resume` finishes it. Every task holds a lock (flock -n) named after its
 * PICOFLOW_TASK while it runs, so a second instance of a task started while the first still
 * runs cannot take it and says so in the journal. Shared by the suite and bench/kill-resume.ts.
 */
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli, tempDir } from "./cli.ts";

/** name, dependencies, seconds it runs. */
const TASKS: [string, string[], number][] = [
  ["fetch", [], 0.05],
  ["unpack", ["fetch"], 0.2],
  ["index", ["fetch"], 0.01],
  ["thumbs", ["unpack"], 0.3],
  ["report", ["unpack", "index"], 0.02],
  ["notify", ["report", "thumbs"], 0.01],
  ["solo", [], 0.4],
  ["tick", ["solo"], 0.01],
];

function workflowYaml(dir: string): string {
  const journal = join(dir, "journal");
  const locks = join(dir, "locks");
  const tasks = TASKS.map(([name, deps, seconds]) => {
    // Runs only when it holds its task's lock; a second instance at the same time reports itself.
    const body = `echo "start $PICOFLOW_TASK" >> ${journal}; sleep ${seconds}; echo "end $PICOFLOW_TASK $(date +%s%3N)" >> ${journal}`;
    const script = `flock -n ${locks}/$PICOFLOW_TASK.lock sh -c '${body}' || { echo "DOUBLE $PICOFLOW_TASK" >> ${journal}; exit 1; }`;
    return `  - name: ${name}\n    type: shell\n${deps.length ? `    depends_on: [${deps.join(", ")}]\n` : ""}    config:\n      command: /bin/sh\n      args: ["-c", ${JSON.stringify(script)}]\n`;
  });
  return `name: crashy\nconfig:\n  max_parallel: 4\ntasks:\n${tasks.join("")}`;
}

export interface TrialResult {
  /** Milliseconds after the start that `picoflow run` was killed. */
  killAfterMs: number;
  /** False when the kill came before the execution was recorded (nothing to resume). */
  recorded: boolean;
  resumeExitCode: number | undefined;
  /** Tasks that ran twice at the same time (their second instance found the lock taken). */
  doubles: string[];
  /** Tasks recorded Success before the resume that ran again. */
  succeededRanAgain: string[];
  /**
   * Tasks that ran to their end twice because the first end was never recorded: the task
   * finished shortly before the kill, before PicoFlow had reaped it and committed its row ...
   */
  endNotRecorded: string[];
  /** ... or after it: the task was still running at the crash and finished before the resume killed it. */
  endAfterCrash: string[];
  /** The resume said it killed processes the dead run left. */
  leftoversKilled: boolean;
  finalStatus: string | undefined;
}

function count(lines: string[], word: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const [kind, task] = line.split(" ");
    if (kind === word && task) counts.set(task, (counts.get(task) ?? 0) + 1);
  }
  return counts;
}

/** Tasks that ended twice, by whether their first end came before the kill (not recorded yet) or after it. */
function endsTwice(journal: string[], ends: Map<string, number>, killedAt: number): Pick<TrialResult, "endNotRecorded" | "endAfterCrash"> {
  const twice = [...ends].filter(([, n]) => n > 1).map(([task]) => task);
  const firstEnd = (task: string) => Number(journal.find((line) => line.startsWith(`end ${task} `))?.split(" ")[2]);
  return { endNotRecorded: twice.filter((task) => firstEnd(task) < killedAt), endAfterCrash: twice.filter((task) => !(firstEnd(task) < killedAt)) };
}

export async function killResumeTrial(killAfterMs: number): Promise<TrialResult> {
  const folder = tempDir("picoflow-kill-");
  try {
    mkdirSync(join(folder.dir, "locks"));
    const file = folder.write("crashy.yaml", workflowYaml(folder.dir));
    const db = join(folder.dir, "picoflow.db");
    const run = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { stdio: ["ignore", "ignore", process.env.KILL_TRIAL_DEBUG ? "inherit" : "ignore"], cwd: folder.dir });
    await Promise.race([run.exited, Bun.sleep(killAfterMs)]);
    run.kill("SIGKILL");
    await run.exited;
    const killedAt = Date.now();

    const read = <T>(sql: string, ...params: string[]) => {
      const handle = new Database(db, { readonly: true });
      try {
        return handle.query(sql).all(...params) as T[];
      } finally {
        handle.close();
      }
    };
    const execution = (() => {
      try {
        return read<{ id: string }>("SELECT id FROM workflow_executions")[0];
      } catch {
        return undefined; // Killed before the database had its tables.
      }
    })();
    const empty = { doubles: [], succeededRanAgain: [], endNotRecorded: [], endAfterCrash: [], leftoversKilled: false };
    if (!execution) return { killAfterMs, recorded: false, resumeExitCode: undefined, finalStatus: undefined, ...empty };
    const attemptsBefore = count(read<{ task_name: string }>("SELECT task_name FROM task_executions").map((row) => `start ${row.task_name}`), "start");
    const succeededBefore = read<{ task_name: string }>("SELECT task_name FROM task_executions WHERE status = 'Success'").map((row) => row.task_name);

    const resumed = await runCli(["run", "--resume", execution.id, "--db-path", db], { cwd: folder.dir });
    const journal = (() => {
      try {
        return readFileSync(join(folder.dir, "journal"), "utf8").split("\n");
      } catch {
        return [];
      }
    })();
    const starts = count(journal, "start");
    const ends = count(journal, "end");
    const [final] = read<{ status: string }>("SELECT status FROM workflow_executions WHERE id = ?", execution.id);
    return {
      killAfterMs,
      recorded: true,
      resumeExitCode: resumed.exitCode,
      doubles: [...count(journal, "DOUBLE").keys()],
      // All of a succeeded task's attempts were committed before its end: any start beyond them is a re-run.
      succeededRanAgain: succeededBefore.filter((task) => (starts.get(task) ?? 0) > (attemptsBefore.get(task) ?? 0)),
      ...endsTwice(journal, ends, killedAt),
      leftoversKilled: resumed.stderr.includes("killed task processes the dead owner left running"),
      finalStatus: final?.status,
    };
  } finally {
    folder.cleanup();
  }
}
