/** The daemon actions: start (foreground or background), stop, status. The daemon itself is loaded only by `start`. */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { GlobalFlags } from "../config/settings.ts";
import type { Logger } from "../observability/logger.ts";
import { EXIT_FAILED, EXIT_OK, UsageError } from "../errors.ts";
import { type DaemonLookup, findDaemon, stopDaemon } from "../daemon/control.ts";
import { LOG_FILE_ENV, selfCommand, startDetached } from "../daemon/detach.ts";
import { type MemoryUsage, readMemory } from "../daemon/memory.ts";
import { daemonPaths } from "../daemon/paths.ts";
import { compileSchedule, loadCron } from "../daemon/cron-timer.ts";
import type { DaemonWorkflowState } from "../daemon/state-file.ts";
import { loadWorkflowSet } from "../daemon/workflow-set.ts";
import { logsRoot } from "../execution/log-folder.ts";
import { type Health, readHealth } from "../system/health.ts";
import { createContext } from "./context.ts";
import { healthLines } from "./health-lines.ts";
import { formatLocalTime, formatUptime } from "./format.ts";

/** `daemon stop` waits this long beyond the daemon's own grace period (killing tasks, recording them). */
const STOP_MARGIN_SECONDS = 20;
const BYTES_PER_MB = 1024 * 1024;

export interface DaemonArgs {
  action: string | undefined;
  files: string[];
  foreground: boolean;
  detach: boolean;
  pidFile: string | undefined;
  timeoutSeconds: number | undefined;
  globals: GlobalFlags;
  version: string;
}

export async function daemonCommand(args: DaemonArgs): Promise<number> {
  switch (args.action) {
    case "start":
      return start(args);
    case "stop":
      refuseFiles(args);
      return stop(args);
    case "status":
      refuseFiles(args);
      return status(args);
    case undefined:
      throw new UsageError("daemon needs an action: picoflow daemon start FILE... | stop | status");
    default:
      throw new UsageError(`unknown daemon action '${args.action}' (use start, stop or status)`);
  }
}

function refuseFiles(args: DaemonArgs): void {
  if (args.files.length > 0) throw new UsageError(`daemon ${args.action} takes no files (got ${args.files[0]})`);
}

/** picoflow.toml is looked for beside the first workflow (or in the folder given), then in the working directory. */
function configDirFor(path: string): string {
  const absolute = resolve(path);
  return existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : dirname(absolute);
}

async function start(args: DaemonArgs): Promise<number> {
  if (args.files.length === 0) throw new UsageError("daemon start needs workflow files or a folder of them: picoflow daemon start FILE...");
  if (args.foreground && args.detach) throw new UsageError("--foreground and --detach contradict each other; give one");
  const context = await createContext(args.globals, [configDirFor(args.files[0] as string)]);
  const { settings } = context;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const background = args.detach || (!args.foreground && interactive);
  // Before the files are read: the process may replace itself to run with these settings.
  if (!background) await adoptEngineSettings(context.logger);
  // Every file is checked before anything starts (and before going to the background).
  const initial = loadWorkflowSet(args.files, settings.workflowDefaults);
  const paths = daemonPaths(settings.dbPath, args.pidFile);
  if (background) return startInBackground(args, settings.dbPath, paths, context.stdout, context.stderr);
  const { runDaemon } = await import("../daemon/daemon.ts");
  // Only for us: tasks do not inherit it (src/util/control-variables.ts).
  const logFile = process.env[LOG_FILE_ENV] || undefined;
  return runDaemon({
    paths: args.files,
    initial,
    settings,
    logger: context.logger,
    env: context.env,
    files: paths,
    logFile,
    version: args.version,
  });
}

async function adoptEngineSettings(logger: Logger): Promise<void> {
  const { adoptEngineSettings: adopt } = await import("../daemon/engine-settings.ts");
  const adoption = await adopt(process.env, [...selfCommand(), ...process.argv.slice(2)]);
  if (adoption.kind === "not-adopted") logger.debug({ reason: adoption.reason }, "running with the engine's default JIT settings");
}

async function startInBackground(
  args: DaemonArgs,
  dbPath: string,
  paths: ReturnType<typeof daemonPaths>,
  stdout: (line: string) => void,
  stderr: (line: string) => void,
): Promise<number> {
  const running = findDaemon(paths);
  if (running.kind === "running") {
    stderr(`error: a daemon (PID ${running.identity.pid}) is already running; stop it with: picoflow daemon stop`);
    return EXIT_FAILED;
  }
  const { globals } = args;
  const childArgs = [
    ...(globals.logLevel ? ["--log-level", globals.logLevel] : []),
    ...(globals.logFormat ? ["--log-format", globals.logFormat] : []),
    // Resolved here, so the child uses the same database whatever picoflow.toml it finds.
    "--db-path",
    dbPath,
    "daemon",
    "start",
    "--foreground",
    "--pid-file",
    paths.pidFile,
    ...args.files.map((file) => resolve(file)),
  ];
  const result = await startDetached(childArgs, paths.logFile, paths.stateFile, process.env);
  switch (result.kind) {
    case "ready":
      stdout(`Daemon started (PID ${result.pid}), logging to ${paths.logFile}`);
      return EXIT_OK;
    case "slow":
      stdout(`Daemon starting (PID ${result.pid}), logging to ${paths.logFile}; check it with: picoflow daemon status`);
      return EXIT_OK;
    case "exited":
      stderr(`error: the daemon exited during start-up (exit code ${result.exitCode}); last lines of ${paths.logFile}:`);
      for (const line of result.logTail) stderr(`  ${line}`);
      return EXIT_FAILED;
  }
}

async function stop(args: DaemonArgs): Promise<number> {
  const context = await createContext(args.globals);
  const paths = daemonPaths(context.settings.dbPath, args.pidFile);
  const timeoutSeconds = args.timeoutSeconds ?? context.settings.daemon.shutdownGraceSeconds + STOP_MARGIN_SECONDS;
  const result = await stopDaemon(paths, timeoutSeconds * 1000, (pid) => context.stdout(`Stopping daemon (PID ${pid})...`));
  switch (result.kind) {
    case "stopped":
      context.stdout(`Daemon stopped (PID ${result.pid})`);
      return EXIT_OK;
    case "not-running":
      if (result.removedStalePid !== undefined) context.stdout(`Daemon is not running (removed stale PID file ${paths.pidFile} of PID ${result.removedStalePid})`);
      else if (result.removedGarbled) context.stdout(`Daemon is not running (removed unreadable PID file ${paths.pidFile})`);
      else context.stdout(`Daemon is not running (no PID file at ${paths.pidFile})`);
      return EXIT_OK;
    case "timeout":
      context.stderr(
        `error: the daemon (PID ${result.pid}) is still running after ${timeoutSeconds}s; it may still be waiting for tasks (send SIGTERM again to interrupt them, or use --timeout)`,
      );
      return EXIT_FAILED;
    case "no-permission":
      context.stderr(`error: not allowed to signal the daemon (PID ${result.pid}); run daemon stop as its user`);
      return EXIT_FAILED;
  }
}

/** Not running exits 1, so scripts can test `picoflow daemon status`. */
async function status(args: DaemonArgs): Promise<number> {
  const context = await createContext(args.globals);
  const paths = daemonPaths(context.settings.dbPath, args.pidFile);
  const found = findDaemon(paths);
  const now = new Date();
  // The published next runs may be a few seconds old; recompute those already past.
  const CronCtor = found.kind === "running" && found.state ? await loadCron() : undefined;
  const nextRunOf = (workflow: DaemonWorkflowState): Date | undefined => {
    if (workflow.nextRun && Date.parse(workflow.nextRun) > now.getTime()) return new Date(workflow.nextRun);
    if (!workflow.schedule || !CronCtor) return undefined;
    return compileSchedule(CronCtor, { schedule: workflow.schedule, timezone: workflow.timezone ?? undefined })(now);
  };
  // Read here, from the files the daemon reads (its `[system]` paths), so they are current.
  const state = found.kind === "running" ? found.state : undefined;
  const health = state?.board ? await readHealth({ board: state.board, dbPath: state.dbPath, logsDir: logsRoot(state.dbPath) }) : undefined;
  const memory = found.kind === "running" ? readMemory(found.identity.pid) : undefined;
  const lines = statusLines(found, now, nextRunOf, { health, memory });
  for (const line of lines) context.stdout(line);
  return lines[0] === RUNNING ? EXIT_OK : EXIT_FAILED;
}

const RUNNING = "Daemon Status: Running";

/** Readings taken when `daemon status` runs: the board's health, and the daemon's memory from /proc. */
export interface LiveReadings {
  health?: Health | undefined;
  memory?: MemoryUsage | undefined;
}

/** The status text from what was found and read; pure, so it is tested without a daemon. */
export function statusLines(
  found: DaemonLookup,
  now: Date,
  nextRunOf: (workflow: DaemonWorkflowState) => Date | undefined,
  { health, memory: live }: LiveReadings = {},
): string[] {
  if (found.kind === "not-running") {
    const note = found.stalePid !== undefined ? ` (stale PID file of PID ${found.stalePid})` : "";
    return [`Daemon Status: Not running${note}`];
  }
  const { identity, state } = found;
  const lines = [RUNNING, `PID: ${identity.pid}`];
  if (!state) return [...lines, "Workflows: unknown (the daemon has not published its state yet)"];
  lines.push(`Uptime: ${formatUptime((now.getTime() - Date.parse(state.startedAt)) / 1000)}`);
  lines.push(`Workflows: ${state.workflows.length} loaded`);
  for (const workflow of state.workflows) {
    const zone = workflow.timezone ? `, ${workflow.timezone}` : "";
    const queued = workflow.catchupQueued > 0 ? `; catching up: ${workflow.catchupQueued} missed run${workflow.catchupQueued === 1 ? "" : "s"} to go` : "";
    lines.push(`  - ${workflow.name} (${workflow.schedule ? `cron: ${workflow.schedule}${zone}` : "no schedule"}${queued})`);
  }
  const next = state.workflows
    .flatMap((workflow) => {
      const at = nextRunOf(workflow);
      return at ? [{ name: workflow.name, at }] : [];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  if (state.waitingForClock) lines.push(`Next scheduled run: waiting for the clock to be synchronised (${state.waitingForClock})`);
  else lines.push(next ? `Next scheduled run: ${next.name} at ${formatLocalTime(next.at)}` : "Next scheduled run: none");
  lines.push(`Memory usage: ${((live?.rssBytes ?? state.memoryBytes) / BYTES_PER_MB).toFixed(1)} MB`);
  if (live?.rssAnonBytes !== undefined) lines.push(`Private memory: ${(live.rssAnonBytes / BYTES_PER_MB).toFixed(1)} MB`);
  if (health) lines.push(...healthLines(health));
  for (const run of state.running) lines.push(`Running: ${run.workflow} (execution ${run.executionId}, since ${formatLocalTime(new Date(run.startedAt))})`);
  if (state.metricsUrl) lines.push(`Metrics: ${state.metricsUrl}`);
  if (state.dashboardUrl) lines.push(`Dashboard: ${state.dashboardUrl}`);
  if (state.logFile) lines.push(`Log file: ${state.logFile}`);
  return lines;
}
