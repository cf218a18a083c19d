/** Shell tasks: exec `command` with `args` directly (no implicit shell) in a process group of its own. */
import { taskEnvironment } from "../util/task-markers.ts";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { becomeSubreaper, type Subreaper } from "../platform/subreaper.ts";
import type { ShellTask } from "../workflow/model.ts";
import { killEscapedProcesses } from "./escaped-processes.ts";
import { type ExecutionContext, type Executor, type ExecutorOutcome, failure, type OutputSink } from "./types.ts";
import { expandValues, MissingValueError, shellQuote, type TaskValues } from "./values.ts";

/** Between SIGTERM and SIGKILL when a task is cut off. */
export const KILL_GRACE_MS = 2000;
/** How long to wait for output pipes after the process group is gone (a daemonised grandchild may hold them). */
const PIPE_DRAIN_MS = 1000;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function workingDirProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : `working_dir ${dir} is not a directory`;
  } catch {
    return `working_dir ${dir} does not exist`;
  }
}

interface Pump {
  done: Promise<void>;
  /** Stops reading: the stream is locked by its reader, so only the reader can cancel it. */
  cancel(): Promise<void>;
}

function pump(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr", output: OutputSink): Pump {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) return;
        output.write(name, value);
      }
    } catch {
      // Cancelled after the drain deadline.
    }
  })();
  return { done, cancel: () => reader.cancel().catch(() => undefined) };
}

/** One per run (defaultExecutors); PicoFlow becomes subreaper when its first shell task starts. */
export function createShellExecutor(): Executor<ShellTask> {
  let reaper: Subreaper | undefined;
  // This run's task processes still running: the search for a finished task's escapees skips them.
  const running = new Set<number>();
  return { run: (task, context) => runShellTask(task, context, (reaper ??= becomeSubreaper()), running) };
}

async function runShellTask(
  task: ShellTask,
  { signal, output, env, values, onProcessStarted }: ExecutionContext,
  reaper: Subreaper,
  running: Set<number>,
): Promise<ExecutorOutcome> {
  const expanded = expandTask(task, values);
  if (!expanded.ok) return expanded.outcome;
  const { args, env: taskEnv } = expanded;
  // Without working_dir the child inherits ours; passing it anyway costs every spawn an open and a chdir.
  const cwd = task.workingDir === undefined ? undefined : resolve(task.workingDir);
  const dirProblem = cwd === undefined ? undefined : workingDirProblem(cwd);
  if (dirProblem) return failure("bad-working-dir", dirProblem);

  output.note(`running: ${[task.command, ...args].map(quoteForDisplay).join(" ")}`);
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn([task.command, ...args], {
      ...(cwd === undefined ? {} : { cwd }),
      env: taskEnvironment(env, taskEnv),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return failure("command-not-found", `command not found: ${task.command}`);
    if (code === "EACCES") return failure("permission-denied", `permission denied: ${task.command}`);
    if (code === "ENOEXEC") {
      return failure("not-executable", `cannot execute ${task.command}: not a program this machine can run (a script needs a #! line; a binary may be built for another CPU)`);
    }
    return failure("internal", `could not start ${task.command}: ${(error as Error).message}`);
  }

  const pid = child.pid;
  running.add(pid);
  // Only the PID: reading /proc/<pid> now would wait for the child's exec (~0.5 ms a task).
  onProcessStarted?.(pid);
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    signalGroup(pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
  };
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });

  const pumps = [pump(child.stdout, "stdout", output), pump(child.stderr, "stderr", output)];
  const exitCode = await child.exited;
  running.delete(pid);
  signal.removeEventListener("abort", stop);
  clearTimeout(killTimer);
  // Whatever the task forked and left behind dies with it: its group, and what left the group.
  signalGroup(pid, "SIGKILL");
  await killEscapedProcesses(env, reaper, running);
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) => {
    drainTimer = setTimeout(() => resolve(false), PIPE_DRAIN_MS);
  });
  const drained = await Promise.race([Promise.all(pumps.map((p) => p.done)).then(() => true), deadline]);
  // A pending timer would keep the process alive after the last task.
  clearTimeout(drainTimer);
  if (!drained) {
    // Held open by a process that escaped both the group and the markers (it cleared its environment).
    await Promise.all(pumps.map((p) => p.cancel()));
  }

  if (child.signalCode) return failure("signal", `killed by ${child.signalCode}`, exitCode);
  if (exitCode !== 0) return failure("exit-code", `exit code ${exitCode}`, exitCode);
  return { ok: true, exitCode };
}

function quoteForDisplay(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

type Expanded = { ok: true; args: readonly string[]; env: Readonly<Record<string, string>> } | { ok: false; outcome: ExecutorOutcome };

/** args and env with `${tasks...}` and `${run...}` values in place; each arg stays one argument. */
function expandTask(task: ShellTask, values: TaskValues): Expanded {
  try {
    const args = task.args.map((arg, index) => expandValues(arg, values, `args[${index}]`));
    const env = Object.fromEntries(Object.entries(task.env).map(([name, value]) => [name, expandValues(value, values, `env.${name}`)]));
    return { ok: true, args, env };
  } catch (error) {
    if (error instanceof MissingValueError) return { ok: false, outcome: failure("missing-variable", error.message) };
    throw error;
  }
}
