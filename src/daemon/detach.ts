/**
 * Going to the background: the daemon re-starts itself with `--foreground` in a new session,
 * stdin closed and stdout/stderr appended to the log file, then waits until the child has
 * published its state (it is up) or has exited (it could not start), so the user learns which.
 */
import { openPrivate } from "../util/private-files.ts";
import { closeSync, readFileSync } from "node:fs";
import { UsageError } from "../errors.ts";
import { readStateFile } from "./state-file.ts";

/** How long the parent waits for the background daemon to come up before leaving it be. */
export const READY_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 50;
/** Lines of the log file shown when the background daemon dies during start-up. */
const LOG_TAIL_LINES = 15;
/** Environment variable telling the re-started daemon where its logs go (for the state file). */
export const LOG_FILE_ENV = "PICOFLOW_DAEMON_LOG_FILE";

export type DetachResult =
  | { kind: "ready"; pid: number }
  | { kind: "slow"; pid: number }
  | { kind: "exited"; pid: number; exitCode: number | null; logTail: string[] };

/** The command that starts this same program: the compiled binary itself, or bun with the entry script. */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

function tail(file: string, lines: number): string[] {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines);
  } catch {
    return [];
  }
}

export async function startDetached(args: string[], logFile: string, stateFile: string, env: Record<string, string | undefined>): Promise<DetachResult> {
  let logFd: number;
  try {
    logFd = openPrivate(logFile, "a");
  } catch (error) {
    throw new UsageError(`cannot open the daemon's log file ${logFile}: ${(error as Error).message}`, { cause: error });
  }
  const logSizeBefore = Bun.file(logFile).size;
  let child: Bun.Subprocess;
  try {
    child = Bun.spawn([...selfCommand(), ...args], {
      stdin: "ignore",
      stdout: logFd,
      stderr: logFd,
      env: { ...env, [LOG_FILE_ENV]: logFile },
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  let exitCode: number | null | undefined;
  child.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await Bun.sleep(READY_POLL_MS);
    if (exitCode !== undefined) {
      const fresh = readFileSync(logFile, "utf8").slice(logSizeBefore);
      return { kind: "exited", pid: child.pid, exitCode, logTail: fresh ? fresh.trimEnd().split("\n").slice(-LOG_TAIL_LINES) : tail(logFile, LOG_TAIL_LINES) };
    }
    if (readStateFile(stateFile)?.pid === child.pid) {
      child.unref();
      return { kind: "ready", pid: child.pid };
    }
  }
  child.unref();
  return { kind: "slow", pid: child.pid };
}
