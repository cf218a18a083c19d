/**
 * A real history for the inspecting commands' tests: workflows run through the CLI into a
 * SQLite file in a temp folder (successes, a retried success, a failure with a retry, a
 * timeout and a skip), plus helpers to start a run in the background.
 */
import { join } from "node:path";
import { type CliResult, picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";

export const NIGHTLY = `name: nightly
schedule: "0 0 2 * * *"
tasks:
  - name: extract
    type: shell
    config: {command: /bin/echo, args: [extracted]}
  - name: load
    type: shell
    depends_on: [extract]
    config: {command: /bin/echo, args: [loaded]}
  - name: quiet
    type: shell
    depends_on: [load]
    config: {command: /bin/true}
`;

/** fetch fails twice (retry: 1) and report is skipped; slowpoke times out on its own branch. */
export const FLAKY = `name: flaky
tasks:
  - name: prepare
    type: shell
    config: {command: /bin/echo, args: [ready]}
  - name: fetch
    type: shell
    depends_on: [prepare]
    retry: 1
    config: {command: /bin/sh, args: ["-c", "echo fetching; echo 'no route' >&2; exit 3"]}
  - name: report
    type: shell
    depends_on: [fetch]
    config: {command: /bin/echo, args: [report]}
  - name: slowpoke
    type: shell
    timeout: 1
    config: {command: /bin/sleep, args: ["5"]}
`;

/** Fails its first attempt (no marker yet), succeeds on the second. */
export const RETRIED = (dir: string) => `name: retried
tasks:
  - name: wobbly
    type: shell
    retry: 2
    config:
      command: /bin/sh
      args: ["-c", "if [ -e marker ]; then echo second try; else touch marker; echo first try; exit 1; fi"]
      working_dir: ${dir}
`;

/** Prints `tick 1..n`, one a second, between two quick tasks. */
export const TICKER = (name: string, ticks: number) => `name: ${name}
tasks:
  - name: first
    type: shell
    config: {command: /bin/echo, args: [go]}
  - name: ticker
    type: shell
    depends_on: [first]
    config: {command: /bin/sh, args: ["-c", "for i in $(seq 1 ${ticks}); do echo tick $i; sleep 1; done"]}
  - name: last
    type: shell
    depends_on: [ticker]
    config: {command: /bin/echo, args: [done]}
`;

/** Retries wait 0.1 s instead of 1 s, so the fixture builds quickly. */
const FAST_RETRY_TOML = "[retry]\ninitial_backoff_seconds = 0.1\n";

export interface History {
  dir: string;
  db: string;
  write: (name: string, text: string) => string;
  cleanup: () => void;
  /** picoflow with --db-path set to this history. */
  cli: (args: string[]) => Promise<CliResult>;
}

export function emptyHistory(): History {
  const folder = tempDir("picoflow-inspect-");
  const db = join(folder.dir, "picoflow.db");
  folder.write("picoflow.toml", FAST_RETRY_TOML);
  return { ...folder, db, cli: (args) => runCli([...args, "--db-path", db], { cwd: folder.dir }) };
}

/** nightly twice (Success), flaky once (Failed), retried once (Success on attempt 2), in that order. */
export async function buildHistory(): Promise<History> {
  const history = emptyHistory();
  const runs: [string, string, number][] = [
    ["nightly.yaml", NIGHTLY, 0],
    ["nightly.yaml", NIGHTLY, 0],
    ["flaky.yaml", FLAKY, 1],
    ["retried.yaml", RETRIED(history.dir), 0],
  ];
  for (const [file, text, expected] of runs) {
    const result = await history.cli(["run", history.write(file, text)]);
    if (result.exitCode !== expected) throw new Error(`fixture run of ${file} exited ${result.exitCode}: ${result.stderr}`);
  }
  return history;
}

/** Starts `picoflow run FILE` in the background. */
export function startRun(history: History, file: string): Bun.Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn([...picoflowCommand(), "run", file, "--db-path", history.db], {
    cwd: history.dir,
    env: { ...process.env, PICOFLOW_LOG_FORMAT: "json" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Runs `args` until `done(result)` holds, or fails after `timeoutMs`. */
export async function pollCli(history: History, args: string[], done: (result: CliResult) => boolean, timeoutMs = 20_000): Promise<CliResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await history.cli(args);
    if (done(result)) return result;
    if (Date.now() > deadline) throw new Error(`gave up waiting on picoflow ${args.join(" ")}; last output:\n${result.stdout}${result.stderr}`);
    await Bun.sleep(100);
  }
}

/** Local `YYYY-MM-DD`, as the tables print it. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

export function lines(text: string): string[] {
  return text.trimEnd().split("\n");
}
