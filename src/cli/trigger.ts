/**
 * `picoflow trigger WORKFLOW`: asks the daemon running on this database to run a workflow
 * now, through its API (found like `daemon status` finds it), and prints the execution id.
 */
import type { GlobalFlags } from "../config/settings.ts";
import { findDaemon } from "../daemon/control.ts";
import { daemonPaths } from "../daemon/paths.ts";
import { EXIT_FAILED, EXIT_OK, PicoflowError, UsageError } from "../errors.ts";
import { createContext } from "./context.ts";

const REQUEST_TIMEOUT_MS = 10_000;

/** The daemon could not be asked, or said no. */
export class TriggerError extends PicoflowError {
  readonly exitCode = EXIT_FAILED;
}

export interface TriggerArgs {
  workflow: string | undefined;
  pidFile: string | undefined;
  globals: GlobalFlags;
}

/** The API's root from the published /metrics address; a wildcard bind is reached on loopback. */
export function apiBase(metricsUrl: string): URL {
  const url = new URL("/", metricsUrl);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return url;
}

async function errorText(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}

export async function triggerCommand(args: TriggerArgs): Promise<number> {
  if (!args.workflow) throw new UsageError("trigger needs a workflow name: picoflow trigger WORKFLOW");
  const context = await createContext(args.globals);
  const { settings } = context;
  const found = findDaemon(daemonPaths(settings.dbPath, args.pidFile));
  if (found.kind === "not-running") throw new TriggerError(`no daemon is running on database ${settings.dbPath}; start one with: picoflow daemon start FILE...`);
  const { state } = found;
  if (!state) throw new TriggerError(`the daemon (PID ${found.identity.pid}) has not published its state yet; try again in a moment`);
  if (!state.metricsUrl) throw new TriggerError(`the daemon (PID ${state.pid}) serves no API: its listener is off ([metrics] enabled = false)`);
  if (state.dashboardUrl === null) throw new TriggerError(`the daemon (PID ${state.pid}) serves no API: [dashboard] enabled = false`);
  const url = new URL(`api/v1/workflows/${encodeURIComponent(args.workflow)}/runs`, apiBase(state.metricsUrl));
  const token = settings.dashboard.token;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new TriggerError(`cannot reach the daemon's API at ${url.origin}: ${(error as Error).message}`, { cause: error });
  }
  const message = response.status === 202 ? undefined : await errorText(response);
  if (response.status === 202) {
    const body = (await response.json()) as { execution_id: string };
    context.stdout(body.execution_id);
    return EXIT_OK;
  }
  if (response.status === 401) throw new TriggerError(`the daemon's API refused the token: set [dashboard] token or PICOFLOW_DASHBOARD_TOKEN to the daemon's token`);
  if (message === undefined) throw new TriggerError(`the daemon at ${url.origin} has no API (is [dashboard] enabled = false?): HTTP ${response.status}`);
  throw new TriggerError(`the daemon refused: ${message}`);
}
