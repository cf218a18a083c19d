/** Query parameters of the history filters, checked like `history`'s flags: a bad one is a 400 naming it. */
import type { ExecutionStatus } from "../engine/status.ts";
import { parseCount, parseDate, parseStatus } from "../cli/inspect.ts";
import type { ExecutionFilter } from "../store/types.ts";

export const DEFAULT_API_LIMIT = 20;
export const MAX_API_LIMIT = 1000;
const EXECUTION_STATUSES: readonly ExecutionStatus[] = ["Success", "Failed", "Running", "Interrupted"];
const KNOWN_PARAMETERS = new Set(["workflow", "status", "limit", "since"]);
const WORKFLOW_NAME = /^[A-Za-z0-9_-]+$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export class BadParameter extends Error {}

/** Converts the CLI parsers' usage errors into BadParameter with the parameter's name. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new BadParameter((error as Error).message);
  }
}

/** `since` is a day (`2025-11-01`, local midnight like `history --since`) or an ISO 8601 date-time with its zone. */
function parseSince(value: string | null): Date | undefined {
  if (value === null) return undefined;
  if (ISO_DATE_TIME.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return checked(() => parseDate("since", value));
  throw new BadParameter(`since: "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time with a zone`);
}

export function historyFilter(query: URLSearchParams): ExecutionFilter {
  for (const key of query.keys()) if (!KNOWN_PARAMETERS.has(key)) throw new BadParameter(`unknown query parameter '${key}' (use workflow, status, limit, since)`);
  const workflow = query.get("workflow") ?? undefined;
  if (workflow !== undefined && !WORKFLOW_NAME.test(workflow)) throw new BadParameter(`workflow: "${workflow}" is not a workflow name (letters, digits, _ and -)`);
  const limitText = query.get("limit") ?? undefined;
  const limit = checked(() => parseCount("limit", limitText, DEFAULT_API_LIMIT));
  if (limit > MAX_API_LIMIT) throw new BadParameter(`limit: ${limit} is more than ${MAX_API_LIMIT}`);
  const status = checked(() => parseStatus("status", query.get("status") ?? undefined, EXECUTION_STATUSES));
  return { workflow, status, since: parseSince(query.get("since")), limit };
}

/** `?attempt=N` on a log: a whole number from 1. */
export function attemptParameter(query: URLSearchParams): number | undefined {
  const value = query.get("attempt");
  return value === null ? undefined : checked(() => parseCount("attempt", value, 1));
}
