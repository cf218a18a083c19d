/**
 * The daemon's life: own the database lock, PID file and metrics port; recover what a crash
 * left running; fire cron schedules; reload on SIGHUP; publish state; prune old logs and
 * history; and on SIGTERM/SIGINT stop scheduling, let running executions finish (up to the
 * grace period), interrupt the rest and clean up. Resolves with the exit code; never exits itself.
 */
import { dirname } from "node:path";
import type { Settings } from "../config/settings.ts";
import { EXIT_OK } from "../errors.ts";
import { defaultExecutors } from "../executors/index.ts";
import type { Logger } from "../observability/logger.ts";
import { type ExecuteOptions, executeWorkflow, resumeExecution } from "../execution/execute.ts";
import { isLogFolderOf, logsRoot } from "../execution/log-folder.ts";
import { keepHistoryInBudget } from "../execution/storage-budget.ts";
import type { Workflow } from "../workflow/model.ts";
import type { WorkflowExecutionRow } from "../store/types.ts";
import { readBoard } from "../system/board.ts";
import { dashboardHost } from "./dashboard-host.ts";
import { type ExecutionEnded, ExecutionTracker, type RunningExecution } from "./executions.ts";
import { Housekeeper } from "./housekeeping.ts";
import { IdleMemoryRelease } from "./idle-memory.ts";
import { ownRssBytes } from "./memory.ts";
import type { DaemonPaths } from "./paths.ts";
import { recoverExecution } from "../execution/recover.ts";
import { acquireResources, type Cleanup, type DaemonResources, runCleanups } from "./resources.ts";
import { loadCron } from "./cron-timer.ts";
import { type FireTrigger, ScheduleKeeper } from "./schedule-keeper.ts";
import { connectServiceManager, type ServiceManager, serviceManagerConfig } from "./service-manager.ts";
import { scheduleStatusLine } from "./service-status.ts";
import { handleSignals } from "./signals.ts";
import type { DaemonState } from "./state-file.ts";
import { StatePublisher } from "./state-publisher.ts";
import { settingsGate } from "../gates/resource-gate.ts";
import type { StartGate } from "../engine/gate-wait.ts";
import { systemClockTrust } from "../system/clock-sync.ts";
import { loadWorkflowSet, type WorkflowSet, WorkflowSetError } from "./workflow-set.ts";

/** After the grace period, how long interrupted executions get to kill their tasks and record it. */
const ABORT_WAIT_MS = 15_000;

export interface DaemonOptions {
  /** The workflow files, folders and patterns as given; expanded again on SIGHUP. */
  paths: readonly string[];
  initial: WorkflowSet;
  settings: Settings;
  logger: Logger;
  env: Readonly<Record<string, string | undefined>>;
  files: DaemonPaths;
  /** Set when running in the background: where its logs go. */
  logFile: string | undefined;
  version: string;
}

interface Due {
  workflow: Workflow;
  scheduledAt: Date;
  lateMs: number;
  trigger: FireTrigger;
}

/** Runs a daemon until SIGTERM/SIGINT; resolves with its exit code. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const cleanups: Cleanup[] = [];
  const startedAt = new Date();
  // Handled from the first moment: a SIGHUP's default action would kill the process, and a
  // SIGTERM during start-up should still end in a clean shutdown.
  let daemon: Daemon | undefined;
  let earlyStop: string | undefined;
  cleanups.push(
    handleSignals({
      stop: (signal) => (daemon ? daemon.requestStop(signal) : (earlyStop ??= signal)),
      reload: () => daemon?.reload(),
    }),
  );
  let resources: DaemonResources;
  let service: ServiceManager;
  try {
    service = await connectServiceManager(serviceManagerConfig(options.env, process.pid), options.logger);
    cleanups.push(() => service.close());
    resources = await acquireResources(options.settings, options.files, options.version, startedAt, options.logger, cleanups);
  } catch (error) {
    await runCleanups(cleanups, options.logger);
    throw error;
  }
  daemon = new Daemon(options, resources, service, startedAt, cleanups, await loadCron());
  if (earlyStop) daemon.requestStop(earlyStop);
  return daemon.run();
}

class Daemon {
  readonly #o: DaemonOptions;
  readonly #r: DaemonResources;
  readonly #service: ServiceManager;
  readonly #startedAt: Date;
  readonly #cleanups: Cleanup[];
  readonly #tracker: ExecutionTracker;
  readonly #scheduler: ScheduleKeeper;
  /** Resource gates, one for the daemon so an unreadable reading is warned about once. */
  readonly #gate: StartGate;
  readonly #state: StatePublisher;
  readonly #housekeeper: Housekeeper;
  readonly #idleMemory: IdleMemoryRelease;
  readonly #stopRequested: Promise<string>;
  #resolveStop: (signal: string) => void = () => undefined;
  #stopping = false;
  #due: Due[] = [];

  constructor(options: DaemonOptions, resources: DaemonResources, service: ServiceManager, startedAt: Date, cleanups: Cleanup[], CronCtor: Awaited<ReturnType<typeof loadCron>>) {
    const { logger, settings, files } = options;
    this.#o = options;
    this.#r = resources;
    this.#service = service;
    this.#startedAt = startedAt;
    this.#cleanups = cleanups;
    this.#stopRequested = new Promise((resolve) => {
      this.#resolveStop = resolve;
    });
    this.#tracker = new ExecutionTracker((run, outcome) => this.#executionEnded(run, outcome));
    this.#scheduler = new ScheduleKeeper(CronCtor, {
      store: resources.store,
      clockTrust: systemClockTrust(settings.clock.sync, settings.clock.syncedFile),
      logger,
      fire: (workflow, scheduledAt, lateMs, trigger) => this.#fire({ workflow, scheduledAt, lateMs, trigger }),
      changed: () => {
        this.#state.publishSoon();
        // Also what systemctl status shows (waiting for the clock, or no longer).
        if (!this.#stopping) this.#service.status(this.#statusLine());
      },
    });
    this.#gate = settingsGate(settings, logger);
    this.#state = new StatePublisher(files.stateFile, () => this.#snapshot(), logger);
    const policy = { logRetentionDays: settings.logs.retentionDays, logMaxSizeMb: settings.logs.maxSizeMb, historyRetentionDays: settings.history.retentionDays };
    this.#idleMemory = new IdleMemoryRelease({ enabled: settings.daemon.releaseIdleMemory, logger, busy: () => this.#tracker.size > 0 });
    resources.metrics?.onServed(() => this.#idleMemory.activity());
    this.#housekeeper = new Housekeeper(resources.store, logsRoot(settings.dbPath), policy, (path) => this.#logFolderInUse(path), logger);
    resources.dashboard?.attach(
      dashboardHost({
        store: resources.store,
        entries: () => this.#scheduler.entries,
        running: () => this.#tracker.list(),
        stopping: () => this.#stopping,
        facts: () => ({ pid: resources.me.pid, version: options.version, startedAt, memoryBytes: ownRssBytes() }),
        board: () => readBoard(settings.system, dirname(settings.dbPath)),
        start: (workflow, resumeOf) => this.#startNow(workflow, resumeOf),
      }),
    );
  }

  async run(): Promise<number> {
    const { logger, initial, files } = this.#o;
    for (const { file, issue } of initial.warnings) logger.warn({ file, line: issue.position?.line }, issue.message);
    await keepHistoryInBudget(this.#r.store, this.#o.settings.dbPath, this.#o.settings.history.maxSizeMb, logger);
    if (!this.#stopping) {
      // Before scheduling, so a resumed execution already counts for the overlap rule.
      this.#r.metrics?.declare(initial.workflows);
      await this.#recover(initial.workflows);
      if (!this.#stopping) this.#scheduler.load(initial.workflows, true);
    }
    this.#state.start();
    this.#cleanups.push(() => this.#state.close(this.#r.me.pid));
    this.#housekeeper.start();
    await this.#idleMemory.start();
    this.#cleanups.push(() => this.#idleMemory.stop());
    logger.info(
      {
        db_path: this.#o.settings.dbPath,
        pid_file: files.pidFile,
        workflows: this.#scheduler.entries.map(({ workflow, timer }) => ({ name: workflow.name, schedule: workflow.schedule ?? null, next_run: timer?.nextRun?.toISOString() ?? null })),
      },
      "daemon started",
    );
    if (!this.#scheduler.entries.some((entry) => entry.workflow.schedule)) logger.warn("no loaded workflow has a schedule; nothing will fire");
    if (!this.#stopping) this.#service.ready(this.#statusLine());
    await this.#shutdown(await this.#stopRequested);
    return EXIT_OK;
  }

  /** First signal: stop gracefully. A second one: interrupt running executions now. */
  requestStop(signal: string): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#scheduler.stop();
      this.#resolveStop(signal);
    } else if (this.#tracker.size > 0 && !this.#tracker.aborted) {
      this.#o.logger.warn({ signal, running: this.#tracker.size }, "second stop signal: interrupting running executions now");
      this.#tracker.abortAll();
    }
  }

  /** SIGHUP: re-read every workflow file; a bad set is refused whole and the old one kept. */
  reload(): void {
    const { logger } = this.#o;
    if (this.#stopping) return;
    this.#service.reloading();
    let next: WorkflowSet;
    try {
      next = loadWorkflowSet(this.#o.paths, this.#o.settings.workflowDefaults);
    } catch (error) {
      const problems = error instanceof WorkflowSetError ? error.problems : [String((error as Error)?.message ?? error)];
      logger.error({ problems, kept: this.#scheduler.entries.map((entry) => entry.workflow.name) }, "reload failed; keeping the workflows loaded before");
      this.#service.ready(`${this.#statusLine()}; last reload failed, see the log`);
      return;
    }
    for (const { file, issue } of next.warnings) logger.warn({ file, line: issue.position?.line }, issue.message);
    // Running executions keep the definition they started with; only future fires use the new one.
    this.#scheduler.load(next.workflows, false);
    this.#r.metrics?.declare(next.workflows);
    logger.info(
      { workflows: next.workflows.map((workflow) => ({ name: workflow.name, schedule: workflow.schedule ?? null })), running: this.#tracker.size },
      "reloaded workflow files",
    );
    this.#state.publish();
    this.#service.ready(this.#statusLine());
  }

  /**
   * Workflows due at the same second fire from separate timers in one turn of the event loop.
   * They start together right after it, so each is recorded and running before any of them
   * spends milliseconds spawning its first task.
   */
  #fire(due: Due): void {
    if (this.#stopping) return;
    this.#due.push(due);
    if (this.#due.length === 1) setImmediate(() => this.#startDue());
  }

  #startDue(): void {
    const due = this.#due;
    this.#due = [];
    if (this.#stopping) return;
    const { logger } = this.#o;
    for (const { workflow, scheduledAt, lateMs, trigger } of due) {
      const fields = { workflow: workflow.name, scheduled_at: scheduledAt.toISOString(), late_ms: lateMs, trigger };
      if (this.#tracker.isRunning(workflow.name)) {
        if (trigger === "catchup") {
          // A missed time is not dropped: it runs once the running execution ends.
          this.#scheduler.deferCatchup(workflow.name, scheduledAt);
          logger.info(fields, "catch-up run waits for the running execution of this workflow");
        } else logger.warn(fields, "skipped a scheduled run: the previous run of this workflow is still running");
        continue;
      }
      this.#tracker.start(workflow.name, (signal, onExecutionId) => executeWorkflow(this.#executeOptions(workflow, signal, onExecutionId), { trigger, scheduledFor: scheduledAt }));
      logger.debug(fields, "schedule fired");
    }
    this.#state.publishSoon();
    this.#service.status(this.#statusLine());
  }

  /** "Run now" or "resume" from the dashboard or the API (the caller checked the overlap rule). */
  #startNow(workflow: Workflow, resumeOf: WorkflowExecutionRow | undefined): RunningExecution {
    const run = this.#tracker.start(workflow.name, async (signal, onExecutionId) => {
      const options = this.#executeOptions(workflow, signal, onExecutionId);
      if (!resumeOf) return executeWorkflow(options);
      // Known at once (the caller answers with it); recovery may first wait for leftovers to die.
      onExecutionId(resumeOf.id);
      const recovery = await recoverExecution(this.#r.store, resumeOf, { by: "resume request", resume: true, logger: this.#o.logger, me: this.#r.me });
      if (recovery.kind === "owner-alive") throw new Error(`execution ${resumeOf.id} is still running in process ${recovery.owner.pid}`);
      if (recovery.kind === "taken") throw new Error(`execution ${resumeOf.id} was resumed by another process meanwhile`);
      return resumeExecution(options, recovery.recovered);
    });
    this.#o.logger.info({ workflow: workflow.name, execution_id: run.executionId }, resumeOf ? "execution resumed on request" : "execution started on request");
    this.#state.publishSoon();
    return run;
  }

  #executionEnded(...[run, outcome]: Parameters<ExecutionEnded>): void {
    const { logger } = this.#o;
    if ("error" in outcome) {
      logger.error({ err: outcome.error, workflow: run.workflow, execution_id: run.executionId }, "execution could not run");
    } else if (outcome.result.status === "Interrupted") {
      const id = outcome.result.executionId;
      logger.warn({ workflow: run.workflow, execution_id: id }, `execution interrupted; resume it with: picoflow run --resume ${id}`);
    }
    if (!this.#stopping) this.#scheduler.executionEnded(run.workflow);
    this.#state.publishSoon();
    if (!this.#stopping) this.#service.status(this.#statusLine());
    this.#idleMemory.activity();
  }

  /** Executions left Running by a dead process: taken over, their leftovers killed, resumed when their workflow is loaded. */
  async #recover(workflows: readonly Workflow[]): Promise<void> {
    const { logger } = this.#o;
    for (const orphan of this.#r.store.runningExecutions()) {
      const workflow = workflows.find((candidate) => candidate.name === orphan.workflowName);
      const recovery = await recoverExecution(this.#r.store, orphan, { by: "daemon start", resume: workflow !== undefined, logger, me: this.#r.me });
      if (recovery.kind !== "recovered") continue;
      const { execution } = recovery.recovered;
      const fields = { execution_id: execution.id, workflow: execution.workflowName, dead_owner_pid: orphan.owner?.pid };
      if (!workflow) {
        logger.warn(fields, `execution left Running by a dead process marked Interrupted; its workflow is not loaded, resume it with: picoflow run --resume ${execution.id} FILE`);
        continue;
      }
      logger.warn(fields, "execution left Running by a dead process marked Interrupted; resuming it");
      this.#tracker.start(workflow.name, (signal, onExecutionId) => resumeExecution(this.#executeOptions(workflow, signal, onExecutionId), recovery.recovered));
    }
  }

  #executeOptions(workflow: Workflow, signal: AbortSignal, onExecutionId: (id: string) => void): ExecuteOptions {
    const { settings, logger } = this.#o;
    return {
      workflow,
      store: this.#r.store,
      dbPath: settings.dbPath,
      maxTaskLogBytes: settings.logs.maxTaskLogBytes,
      outputMaxBytes: settings.history.outputMaxBytes,
      storage: { historyMaxSizeMb: settings.history.maxSizeMb, outputTailBytes: settings.history.outputTailBytes },
      // One registry per execution: its SSH connections are pooled for that run and closed after it.
      executors: defaultExecutors(),
      logger,
      listeners: this.#r.metrics ? [this.#r.metrics.onEvent] : [],
      // Tasks' processes get it less PicoFlow's control variables (src/util/control-variables.ts).
      env: this.#o.env,
      signal,
      gate: this.#gate,
      onExecutionId,
    };
  }

  async #shutdown(signal: string): Promise<void> {
    const { logger, settings } = this.#o;
    this.#stopping = true;
    this.#scheduler.stop();
    const graceSeconds = settings.daemon.shutdownGraceSeconds;
    const running = this.#tracker.size;
    this.#service.stopping(running > 0 ? `stopping: waiting for ${running} running execution${running === 1 ? "" : "s"}` : "stopping");
    logger.info({ signal, running, grace_seconds: graceSeconds }, running > 0 ? "stopping: no new runs; waiting for running executions" : "stopping");
    this.#state.publish();
    if (!(await this.#tracker.waitAll(graceSeconds * 1000))) {
      logger.warn({ running: this.#tracker.size, grace_seconds: graceSeconds }, "grace period over: interrupting running executions");
      this.#tracker.abortAll();
      if (!(await this.#tracker.waitAll(ABORT_WAIT_MS))) {
        logger.error({ running: this.#tracker.size }, "executions did not end after interruption; they stay Running and the next start recovers them");
      }
    }
    await this.#housekeeper.stop();
    await runCleanups(this.#cleanups, logger);
    logger.info({ signal }, "daemon stopped");
  }

  /** The STATUS= line for systemd (`systemctl status`); one place to say what the daemon is doing. */
  #statusLine(): string {
    const line = scheduleStatusLine(this.#scheduler.entries, this.#tracker.size, new Date());
    return this.#scheduler.waitingForClock ? `${line}; waiting for the clock to be synchronised` : line;
  }

  /** Run folders end in the execution's short id; a running execution's folder is never pruned. */
  #logFolderInUse(path: string): boolean {
    return this.#tracker.list().some((run) => run.executionId !== undefined && isLogFolderOf(path, run.executionId));
  }

  #snapshot(): DaemonState {
    const { settings, files, version, logFile } = this.#o;
    return {
      pid: this.#r.me.pid,
      startTicks: this.#r.me.startTicks,
      version,
      startedAt: this.#startedAt.toISOString(),
      dbPath: settings.dbPath,
      pidFile: files.pidFile,
      logFile: logFile ?? null,
      metricsUrl: this.#r.metrics?.url ?? null,
      metricsPort: this.#r.metrics?.port ?? null,
      dashboardUrl: this.#r.metrics && this.#r.dashboard ? new URL("/", this.#r.metrics.url).href : null,
      workflows: this.#scheduler.entries.map(({ workflow, timer }) => ({
        name: workflow.name,
        file: workflow.sourceFile,
        schedule: workflow.schedule ?? null,
        timezone: workflow.timezone ?? null,
        nextRun: timer?.nextRun?.toISOString() ?? null,
        catchupQueued: this.#scheduler.catchupQueued(workflow.name),
      })),
      running: this.#tracker.list().flatMap((run) =>
        run.executionId ? [{ workflow: run.workflow, executionId: run.executionId, startedAt: run.startedAt.toISOString() }] : [],
      ),
      waitingForClock: this.#scheduler.waitingForClock ?? null,
      memoryBytes: ownRssBytes(),
      board: this.#o.settings.system,
      updatedAt: new Date().toISOString(),
    };
  }
}
