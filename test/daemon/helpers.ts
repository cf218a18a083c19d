/** A real daemon process for tests: started with `daemon start --foreground`, its JSON log lines watched. */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, tempDir } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait-for.ts";

export { waitFor } from "../helpers/wait-for.ts";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface DaemonProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  logs(): LogLine[];
  stderr(): string;
  stdout(): string;
  /** Resolves with the first log line matching, or throws after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<number>;
}

async function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
}

/** `picoflow --db-path DIR/picoflow.db daemon start --foreground ARGS`, metrics on a free port unless `env` says otherwise. */
export function startDaemon(dir: string, args: string[], env: Record<string, string | undefined> = {}): DaemonProcess {
  const proc = Bun.spawn([...picoflowCommand(), "--db-path", join(dir, "picoflow.db"), "daemon", "start", "--foreground", ...args], {
    cwd: dir,
    env: { ...process.env, PICOFLOW_LOG_FORMAT: "json", PICOFLOW_LOG_LEVEL: "debug", PICOFLOW_METRICS_PORT: "0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const err = { text: "" };
  const out = { text: "" };
  const stderrDrained = collect(proc.stderr, err);
  void collect(proc.stdout, out);
  const logs = (): LogLine[] =>
    err.text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });
  return {
    proc,
    pid: proc.pid,
    logs,
    stderr: () => err.text,
    stdout: () => out.text,
    waitForLog: (match, timeoutMs = 15_000) =>
      waitFor(
        async () => {
          const found = logs().find(match);
          if (found) return found;
          if (proc.exitCode === null) return undefined;
          // Its last output may still be in the pipe: read it to the end (bounded, should a
          // leftover child still hold the pipe open).
          await Promise.race([stderrDrained, Bun.sleep(2000)]);
          const late = logs().find(match);
          if (late) return late;
          throw new Error(`the daemon exited (code ${proc.exitCode}) before logging it; stderr:\n${err.text}`);
        },
        timeoutMs,
        "a daemon log line",
      ),
    exited: proc.exited,
  };
}

export function started(daemon: DaemonProcess): Promise<LogLine> {
  return daemon.waitForLog((line) => line.msg === "daemon started", 20_000);
}

/** Read-only look at the history database, closed after `query`. */
export function queryDb<T>(dbPath: string, query: (db: Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    db.run("PRAGMA busy_timeout = 5000");
    return query(db);
  } finally {
    db.close();
  }
}

export interface ExecutionRecord {
  id: string;
  workflow_name: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  trigger: string | null;
  scheduled_for: string | null;
}

export interface TaskRecord {
  workflow_execution_id: string;
  task_name: string;
  status: string;
  attempt: number;
  error: string | null;
}

/** The executions recorded so far (none while the database, or its schema, does not exist yet). */
export function executions(dbPath: string, workflow?: string): ExecutionRecord[] {
  if (!existsSync(dbPath)) return [];
  const hasSchema = queryDb(dbPath, (db) => db.query("SELECT 1 FROM sqlite_master WHERE name = 'workflow_executions'").get() !== null);
  if (!hasSchema) return [];
  return queryDb(dbPath, (db) =>
    workflow
      ? (db.query("SELECT * FROM workflow_executions WHERE workflow_name = ? ORDER BY started_at").all(workflow) as ExecutionRecord[])
      : (db.query("SELECT * FROM workflow_executions ORDER BY started_at").all() as ExecutionRecord[]),
  );
}

export function tasks(dbPath: string, executionId: string): TaskRecord[] {
  return queryDb(dbPath, (db) => db.query("SELECT * FROM task_executions WHERE workflow_execution_id = ? ORDER BY started_at, attempt").all(executionId) as TaskRecord[]);
}

/** A 6-field cron expression that fires once, at `at` (local time, whole second). */
export function cronAt(at: Date): string {
  return `${at.getSeconds()} ${at.getMinutes()} ${at.getHours()} ${at.getDate()} ${at.getMonth() + 1} *`;
}

/** The next whole second at least `leadMs` from now. */
export function secondAfter(leadMs: number): Date {
  return new Date(Math.ceil((Date.now() + leadMs) / 1000) * 1000);
}

/** A shell task for workflow YAML. */
export function shellTask(name: string, command: string, args: string[] = [], extra = ""): string {
  return `  - name: ${name}
    type: shell
${extra}    config:
      command: ${JSON.stringify(command)}
      args: ${JSON.stringify(args)}
`;
}

export function workflowYaml(name: string, schedule: string | undefined, tasks: string): string {
  return `name: ${name}\n${schedule ? `schedule: "${schedule}"\n` : ""}tasks:\n${tasks}`;
}

/**
 * PIDs of processes whose working directory is inside `dir`: daemons and the tasks they
 * started there (a kill -9'd daemon leaves its task's process group behind).
 */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  const root = realpathSync(dir);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}/`)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return pids;
}

/** A temp folder whose cleanup also kills whatever still runs in it. */
export function daemonDir() {
  const temp = tempDir("picoflow-daemon-");
  const daemons: DaemonProcess[] = [];
  return {
    ...temp,
    daemons,
    start(args: string[], env: Record<string, string | undefined> = {}): DaemonProcess {
      const daemon = startDaemon(temp.dir, args, env);
      daemons.push(daemon);
      return daemon;
    },
    async cleanup(): Promise<void> {
      for (const daemon of daemons) daemon.proc.kill("SIGKILL");
      await Promise.all(daemons.map((daemon) => daemon.exited));
      for (const pid of processesIn(temp.dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      temp.cleanup();
    },
  };
}
