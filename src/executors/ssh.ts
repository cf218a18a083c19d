/**
 * SSH tasks: run `command` on a remote host with key authentication, streaming its output.
 * ssh2 (and the connection code, which needs node:crypto) is imported on the first SSH task
 * only, so runs without one never load it.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { Client, ClientChannel } from "ssh2";
import type { SshTask } from "../workflow/model.ts";
import { KILL_GRACE_MS } from "./shell.ts";
import { keyPathFor, keyPermissionWarning, loadPrivateKey } from "./ssh-keys.ts";
import { SshConnectionPool } from "./ssh-pool.ts";
import { type RemoteSignal, signalOtherSessions } from "./ssh-remote-kill.ts";
import { type ExecutionContext, type Executor, type ExecutorOutcome, failure, type OutputSink } from "./types.ts";
import { expandValues, MissingValueError, shellQuote } from "./values.ts";

/** After SIGKILL, how long to wait for the channel to report the end before closing it anyway. */
const CLOSE_AFTER_KILL_MS = 1000;

interface SshModules {
  ssh2: typeof import("ssh2");
  connection: typeof import("./ssh-connect.ts");
}

async function loadModules(): Promise<SshModules> {
  const [ssh2, connection] = await Promise.all([import("ssh2"), import("./ssh-connect.ts")]);
  return { ssh2, connection };
}

export interface SshExecutor extends Executor<SshTask> {
  /** Closes the run's pooled connections. */
  dispose(): Promise<void>;
}

/** One per run: its pool lets tasks on the same host, user and key share a connection. */
export function createSshExecutor(): SshExecutor {
  const pool = new SshConnectionPool();
  let modules: Promise<SshModules> | undefined;
  return {
    run: (task, context) => runSshTask(task, context, pool, () => (modules ??= loadModules())),
    dispose: () => pool.dispose(),
  };
}

async function runSshTask(
  task: SshTask,
  { signal, output, env, values }: ExecutionContext,
  pool: SshConnectionPool,
  load: () => Promise<SshModules>,
): Promise<ExecutorOutcome> {
  let command: string;
  try {
    // Each value goes in as one single-quoted word, so the remote shell never parses it (validate
    // refuses references inside quotes or here-documents, where that would not hold).
    command = expandValues(task.command, values, "command", shellQuote);
  } catch (error) {
    if (error instanceof MissingValueError) return failure("missing-variable", error.message);
    throw error;
  }
  const home = env.HOME || homedir();
  const keyPath = keyPathFor(task.keyPath, home);
  if (!keyPath.ok) return failure("config", keyPath.message);
  const warning = keyPermissionWarning(keyPath.path);
  if (warning) output.warn(warning);
  const { ssh2, connection } = await load();
  const loaded = loadPrivateKey(keyPath.path, ssh2.utils.parseKey, env);
  if (!loaded.ok) return failure("config", loaded.message);

  const where = `${task.user}@${task.host}:${task.port}`;
  output.note(`ssh ${where} (key ${keyPath.path}): ${task.command}`);
  const poolKey = JSON.stringify([task.user, task.host, task.port, keyPath.path]);
  const connect = () =>
    connection.openConnection(ssh2.Client, {
      host: task.host,
      port: task.port,
      user: task.user,
      key: loaded.key,
      connectTimeoutMs: task.connectTimeoutMs,
      knownHostsPath: join(home, ".ssh", "known_hosts"),
    });

  let client: Client | undefined;
  try {
    // A connection that completes after the task was cut off is closed: the run may be ending.
    client = await untilAborted(pool.acquire(poolKey, connect), signal, (late) => pool.release(poolKey, late, false));
  } catch (error) {
    if (error instanceof connection.SshConnectError) return failure(error.kind, error.message);
    throw error;
  }
  if (!client) return failure("interrupted", `cut off while connecting to ${where}`);
  const result = await runCommand(client, command, where, output, signal);
  pool.release(poolKey, client, result.reusable);
  return result.outcome;
}

/** The promise's value, or undefined as soon as `signal` aborts; a value that comes later goes to `late`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T | undefined> {
  if (signal.aborted) {
    promise.then(late, () => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      promise.then(late, () => {});
      resolve(undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

interface CommandResult {
  outcome: ExecutorOutcome;
  /** False when the connection broke or the command had to be killed: it is closed, not pooled. */
  reusable: boolean;
}

function runCommand(client: Client, command: string, where: string, output: OutputSink, signal: AbortSignal): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve) => {
    const start = (error: Error | undefined, channel: ClientChannel) => {
      if (error) return resolve({ outcome: failure("network", `could not start the command on ${where}: ${error.message}`), reusable: false });
      let exit: { code: number | null; signal: string | undefined } | undefined;
      let stopping = false;
      channel.on("data", (chunk: Buffer) => output.write("stdout", chunk));
      channel.stderr.on("data", (chunk: Buffer) => output.write("stderr", chunk));
      channel.on("exit", (code: number | null, signalName?: string) => {
        exit = { code, signal: signalName };
      });
      const closed = new Promise<void>((done) => channel.once("close", () => done()));
      const stop = async () => {
        stopping = true;
        output.note(`stopping the remote command on ${where}: SIGTERM to its process group`);
        await signalAndWait(client, "TERM", closed, KILL_GRACE_MS, output);
        if (!exit) await signalAndWait(client, "KILL", closed, CLOSE_AFTER_KILL_MS, output);
        channel.close();
      };
      if (signal.aborted) void stop();
      else signal.addEventListener("abort", () => void stop(), { once: true });
      // The remote command reads end-of-file on stdin, like a shell task's.
      channel.end();
      void closed.then(() => {
        if (stopping) return resolve({ outcome: failure("interrupted", `remote command on ${where} was stopped`), reusable: false });
        if (!exit) return resolve({ outcome: failure("network", `connection to ${where} ended before the command reported its exit status`), reusable: false });
        if (exit.code === null) {
          const name = exit.signal ?? "an unknown signal";
          return resolve({ outcome: failure("signal", `remote command killed by ${name.startsWith("SIG") ? name : `SIG${name}`}`), reusable: true });
        }
        if (exit.code !== 0) return resolve({ outcome: failure("exit-code", `exit code ${exit.code}`, exit.code), reusable: true });
        resolve({ outcome: { ok: true, exitCode: 0 }, reusable: true });
      });
    };
    try {
      client.exec(command, start);
    } catch (error) {
      resolve({ outcome: failure("network", `could not start the command on ${where}: ${(error as Error).message}`), reusable: false });
    }
  });
}

/** Signals the command's process group, then waits up to `waitMs` for its channel to close. */
async function signalAndWait(client: Client, name: RemoteSignal, closed: Promise<void>, waitMs: number, output: OutputSink): Promise<void> {
  const problem = await signalOtherSessions(client, name);
  if (problem) output.note(`could not send SIG${name} to the remote command: ${problem}`);
  // A cleared timer rather than Bun.sleep: a pending sleep would hold the process open after the run.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise<void>((done) => (timer = setTimeout(done, waitMs)))]);
  clearTimeout(timer);
}
