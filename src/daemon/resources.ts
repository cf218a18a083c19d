/**
 * What a daemon must own before it does anything: the history database with its one-daemon
 * lock, the PID file, and (when enabled) the metrics port. Each step registers its undo, so
 * a failure part-way, or the final shutdown, releases exactly what was taken.
 */
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../observability/logger.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { Store } from "../store/types.ts";
import { currentProcess, isAlive, type ProcessIdentity } from "../util/process-identity.ts";
import { logsRoot } from "../execution/log-folder.ts";
import type { HealthSources } from "../system/health.ts";
import { DaemonStartError } from "./errors.ts";
import { checkDashboardExposure, type LazyDashboard, lazyDashboard } from "./dashboard.ts";
import { type DaemonMetrics, startDaemonMetrics } from "./metrics-endpoint.ts";
import type { DaemonPaths } from "./paths.ts";
import { claimPidFile, releasePidFile } from "./pid-file.ts";

export type Cleanup = () => void | Promise<void>;

export interface DaemonResources {
  store: Store;
  me: ProcessIdentity;
  metrics: DaemonMetrics | undefined;
  /** Set when the dashboard is on: the daemon attaches itself once it is built. */
  dashboard: LazyDashboard | undefined;
}

export async function acquireResources(
  settings: Settings,
  files: DaemonPaths,
  version: string,
  startedAt: Date,
  logger: Logger,
  cleanups: Cleanup[],
): Promise<DaemonResources> {
  const me = currentProcess();
  const store = SqliteStore.open(settings.dbPath);
  cleanups.push(() => store.close());
  const lock = store.acquireDaemonLock(me, isAlive);
  if (!lock.acquired) throw new DaemonStartError(`a daemon (PID ${lock.holder.pid}) is already running on database ${settings.dbPath}`);
  cleanups.push(() => store.releaseDaemonLock(me));

  const claim = claimPidFile(files.pidFile, me.pid);
  if (!claim.claimed) throw new DaemonStartError(`a daemon (PID ${claim.pid}) is already running with PID file ${files.pidFile}`);
  if (claim.replacedStale) logger.warn({ pid_file: files.pidFile, stale_pid: claim.replacedStale }, "replaced a stale PID file");
  cleanups.push(() => releasePidFile(files.pidFile, me.pid));

  checkDashboardExposure(settings);
  const dashboard = settings.metrics.enabled && settings.dashboard.enabled ? lazyDashboard(settings.dashboard.token) : undefined;
  const metrics = settings.metrics.enabled ? await startDaemonMetrics(settings.metrics, version, startedAt, dashboard?.fallback, healthSources(settings)) : undefined;
  if (metrics) {
    cleanups.push(() => metrics.stop());
    logger.info({ url: metrics.url }, "serving metrics");
  }
  return { store, me, metrics, dashboard };
}

/** Undoes in reverse order; one failing step does not stop the others. */
export async function runCleanups(cleanups: Cleanup[], logger: Logger): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      logger.error({ err: error }, "daemon clean-up step failed");
    }
  }
  cleanups.length = 0;
}

/** What the health gauges and `daemon status` read: the `[system]` paths, the database and logs/. */
export function healthSources(settings: Settings): HealthSources {
  return { board: settings.system, dbPath: settings.dbPath, logsDir: logsRoot(settings.dbPath) };
}
