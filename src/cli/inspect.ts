/**
 * What the inspecting commands (history, stats, status, logs, workflow list, graph) share:
 * flag parsing that fails with a one-line usage error, and opening the history read-only.
 */
import { parseDecimalInteger } from "../util/decimal.ts";
import { existsSync } from "node:fs";
import type { WorkflowDefaults } from "../config/settings.ts";
import { EXECUTION_STATUSES, type ExecutionStatus } from "../engine/status.ts";
import { EXIT_OK, UsageError } from "../errors.ts";
import { SqliteStore } from "../store/sqlite.ts";
import type { HistoryReader, WorkflowExecutionRow } from "../store/types.ts";
import { isAlive } from "../util/process-identity.ts";
import type { CommandContext } from "./context.ts";

export const TABLE_FORMATS = ["table", "json"] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** A choice among fixed words, in any case: `--format JSON` is `json`. */
export function parseChoice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const match = allowed.find((item) => item === value.trim().toLowerCase());
  if (!match) throw new UsageError(`${flag}: "${value}" is not one of ${allowed.join(", ")}`);
  return match;
}

/** A decimal whole number in [min, max] (`--limit 20`, `--tail 0`). */
export function parseCount(flag: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const parsed = parseDecimalInteger(value.trim(), min, max);
  if (parsed === undefined) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag}: "${value}" is not a whole number ${range}`);
  }
  return parsed;
}

/** `YYYY-MM-DD` as local midnight, the start of that day where the user is. */
export function parseDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const date = new Date(year, month - 1, day);
  if (!match || date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) {
    throw new UsageError(`${flag}: "${value}" is not a date in the form YYYY-MM-DD`);
  }
  return date;
}

/** A stored status from any spelling: `failed`, `FAILED` and `Failed` are the same filter. */
export function parseStatus(flag: string, value: string | undefined, allowed: readonly ExecutionStatus[] = EXECUTION_STATUSES): ExecutionStatus | undefined {
  if (value === undefined) return undefined;
  const match = allowed.find((status) => status.toLowerCase() === value.trim().toLowerCase());
  if (!match) throw new UsageError(`${flag}: "${value}" is not one of ${allowed.map((status) => status.toLowerCase()).join(", ")}`);
  return match;
}

/** The workflow given as `--workflow NAME` or as the positional argument; both must agree. */
export function pickWorkflow(positional: string | undefined, flag: string | undefined): string | undefined {
  if (flag === "") throw new UsageError("--workflow needs a name");
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`two workflows given: '${positional}' and --workflow '${flag}'; give one`);
  }
  return flag ?? positional;
}

export type HistorySource = { kind: "open"; store: SqliteStore } | { kind: "absent"; message: string };

/** Opens the history read-only; never creates a database file. */
export function openHistory(dbPath: string): HistorySource {
  if (!existsSync(dbPath)) return { kind: "absent", message: `No executions recorded yet (no database at ${dbPath})` };
  const store = SqliteStore.open(dbPath, { readonly: true });
  if (!store.hasHistory()) {
    store.close();
    return { kind: "absent", message: "No executions recorded yet" };
  }
  return { kind: "open", store };
}

/**
 * Says there is nothing to show: the line on stdout for a table, and for JSON the empty
 * document on stdout (so pipes still parse) with the line on stderr.
 */
export function reportNothing(context: CommandContext, format: TableFormat, message: string, emptyJson: unknown): void {
  if (format === "json") {
    context.stdout(JSON.stringify(emptyJson, null, 2));
    context.stderr(message);
  } else {
    context.stdout(message);
  }
}

/**
 * Runs `body` on the read-only history and closes it after; with no history yet, says so
 * (exit 0) without calling `body`.
 */
export async function withHistory(
  context: CommandContext,
  format: TableFormat,
  emptyJson: unknown,
  body: (history: HistoryReader) => number | Promise<number>,
): Promise<number> {
  const source = openHistory(context.settings.dbPath);
  if (source.kind === "absent") {
    reportNothing(context, format, source.message, emptyJson);
    return EXIT_OK;
  }
  try {
    return await body(source.store);
  } finally {
    source.store.close();
  }
}

/** Why a query came back empty: a workflow that never ran is named as such, else `otherwise`. */
export function emptyResultMessage(history: HistoryReader, workflow: string | undefined, otherwise: string): string {
  return workflow !== undefined && !history.workflowIsKnown(workflow) ? `No executions recorded for workflow '${workflow}'` : otherwise;
}

/** False for an execution recorded Running whose process has died (crash, kill -9). */
export function ownerAlive(execution: WorkflowExecutionRow): boolean {
  if (execution.status !== "Running") return false;
  return execution.owner === undefined || isAlive(execution.owner);
}

export interface PlannedTask {
  name: string;
  dependsOn: readonly string[];
  /** Attempts allowed in all (retries + 1). */
  maxAttempts: number;
}

/**
 * The task list of the workflow file an execution recorded, or undefined when the file is
 * gone, unreadable or no longer valid (history must not depend on it). Loaded lazily: most
 * inspecting runs never need the YAML parser.
 */
export async function readPlannedTasks(execution: WorkflowExecutionRow, defaults: WorkflowDefaults): Promise<PlannedTask[] | undefined> {
  const file = execution.workflowFile;
  if (file === undefined || !existsSync(file)) return undefined;
  try {
    const { loadWorkflowFile } = await import("../workflow/load.ts");
    const { workflow } = loadWorkflowFile(file, defaults);
    // The file may have been edited to define another workflow since.
    if (workflow.name !== execution.workflowName) return undefined;
    return workflow.tasks.map((task) => ({ name: task.name, dependsOn: task.dependsOn, maxAttempts: task.retry.retries + 1 }));
  } catch {
    return undefined;
  }
}

/** ISO 8601 UTC for JSON output, null for a missing time. */
export function isoTime(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}
