/**
 * `picoflow workflow list [--all] [--format]`: the workflows known from the history (with the
 * schedule of the file each last ran from) and from a daemon running on the same database.
 */
import { existsSync, readFileSync } from "node:fs";
import type { GlobalFlags } from "../config/settings.ts";
import { EXIT_OK } from "../errors.ts";
import type { WorkflowRunCounts } from "../store/types.ts";
import { daemonPaths } from "../daemon/paths.ts";
import { type DaemonState, readLiveStateFile } from "../daemon/state-file.ts";
import { createContext } from "./context.ts";
import { formatLocalTime, plural } from "./format.ts";
import { isoTime, openHistory, parseChoice, reportNothing, TABLE_FORMATS } from "./inspect.ts";
import { renderTable } from "./table.ts";

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** The workflows loaded by a daemon running on this database, from the state file it publishes beside it. */
function readRunningDaemon(dbPath: string): DaemonState | undefined {
  return readLiveStateFile(daemonPaths(dbPath).stateFile);
}

/** The `schedule` of a workflow file, without validating the rest; undefined when unreadable. */
async function scheduleIn(file: string | undefined): Promise<string | undefined> {
  if (file === undefined || !existsSync(file)) return undefined;
  try {
    const { parse } = await import("yaml");
    const parsed = parse(readFileSync(file, "utf8")) as { schedule?: unknown } | null;
    return text(parsed?.schedule);
  } catch {
    return undefined;
  }
}

export interface WorkflowListing {
  name: string;
  schedule: string | undefined;
  file: string | undefined;
  /** Loaded by a running daemon, or its workflow file is still there. */
  active: boolean;
  inDaemon: boolean;
  nextRun: string | undefined;
  /** Missed fire times the running daemon still has to catch up. */
  catchupQueued: number;
  runs: WorkflowRunCounts | undefined;
}

export interface WorkflowListArgs {
  all: boolean | undefined;
  format: string | undefined;
  globals: GlobalFlags;
}

export async function workflowListCommand(args: WorkflowListArgs): Promise<number> {
  const format = parseChoice("--format", args.format, TABLE_FORMATS, "table");
  const context = await createContext(args.globals);
  const daemon = readRunningDaemon(context.settings.dbPath);
  const source = openHistory(context.settings.dbPath);
  let runs: WorkflowRunCounts[] = [];
  if (source.kind === "open") {
    try {
      runs = source.store.workflowRunCounts();
    } finally {
      source.store.close();
    }
  }
  const listings = await listWorkflows(runs, daemon);
  const shown = args.all ? listings : listings.filter((listing) => listing.active);
  if (shown.length === 0) {
    const hidden = listings.length - shown.length;
    const message =
      hidden > 0
        ? `No active workflows (${plural(hidden, "inactive workflow")}; --all lists them)`
        : `No workflows known yet: run one with picoflow run FILE${source.kind === "absent" ? ` (no database at ${context.settings.dbPath})` : ""}`;
    reportNothing(context, format, message, { daemon: daemonJson(daemon), workflows: [] });
    return EXIT_OK;
  }
  if (format === "json") {
    context.stdout(JSON.stringify({ daemon: daemonJson(daemon), workflows: shown.map(listingJson) }, null, 2));
    return EXIT_OK;
  }
  for (const line of workflowTable(shown)) context.stdout(line);
  const hidden = listings.length - shown.length;
  if (hidden > 0) context.stdout(`(${plural(hidden, "inactive workflow")} not shown; --all lists them)`);
  return EXIT_OK;
}

async function listWorkflows(runs: readonly WorkflowRunCounts[], daemon: DaemonState | undefined): Promise<WorkflowListing[]> {
  const inDaemon = new Map((daemon?.workflows ?? []).map((workflow) => [workflow.name, workflow]));
  const names = [...new Set([...runs.map((run) => run.workflow), ...inDaemon.keys()])].sort();
  const byName = new Map(runs.map((run) => [run.workflow, run]));
  const listings: WorkflowListing[] = [];
  for (const name of names) {
    const loaded = inDaemon.get(name);
    const counts = byName.get(name);
    const file = text(loaded?.file) ?? counts?.last.workflowFile;
    // The daemon's schedule is the one in force; otherwise the file the workflow last ran from says.
    const schedule = loaded ? text(loaded.schedule) : await scheduleIn(file);
    listings.push({
      name,
      schedule,
      file,
      active: loaded !== undefined || (file !== undefined && existsSync(file)),
      inDaemon: loaded !== undefined,
      nextRun: text(loaded?.nextRun),
      catchupQueued: loaded?.catchupQueued ?? 0,
      runs: counts,
    });
  }
  return listings;
}

function workflowType(listing: WorkflowListing): "Cron" | "On-Demand" {
  return listing.schedule === undefined ? "On-Demand" : "Cron";
}

export function workflowTable(listings: readonly WorkflowListing[]): string[] {
  return renderTable(
    [
      { header: "WORKFLOW" },
      { header: "TYPE" },
      { header: "SCHEDULE" },
      { header: "LAST RUN" },
      { header: "STATUS" },
      { header: "SUCCESS", align: "right" },
      { header: "FAILED", align: "right" },
    ],
    listings.map((listing) => [
      listing.name,
      workflowType(listing),
      listing.schedule ?? "-",
      listing.runs ? formatLocalTime(listing.runs.last.startedAt, "minutes") : "-",
      listing.runs?.last.status ?? "-",
      String(listing.runs?.success ?? 0),
      String(listing.runs?.failed ?? 0),
    ]),
  );
}

function daemonJson(daemon: DaemonState | undefined) {
  return daemon ? { pid: daemon.pid, started_at: text(daemon.startedAt) ?? null, waiting_for_clock: daemon.waitingForClock ?? null } : null;
}

function listingJson(listing: WorkflowListing) {
  const runs = listing.runs;
  return {
    name: listing.name,
    type: workflowType(listing),
    schedule: listing.schedule ?? null,
    file: listing.file ?? null,
    active: listing.active,
    in_daemon: listing.inDaemon,
    next_run: listing.nextRun ?? null,
    catchup_queued: listing.catchupQueued,
    last_run: runs ? { execution_id: runs.last.id, started_at: isoTime(runs.last.startedAt), status: runs.last.status } : null,
    executions: runs?.executions ?? 0,
    success: runs?.success ?? 0,
    failed: runs?.failed ?? 0,
    interrupted: runs?.interrupted ?? 0,
    running: runs?.running ?? 0,
  };
}
