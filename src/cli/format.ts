/** Pure printers shared by the commands. */
import type { ExecutionStatus } from "../engine/status.ts";
import type { FailureKind } from "../executors/types.ts";

const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
/** Below this, durations keep a tenth of a second: "2.3s" says more than "2s" for short tasks. */
const FRACTION_BELOW_SECONDS = 10;

/** "0.5s" under a minute, then "6m 23s", "1h 4m 9s", "2d 5h 23m". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${seconds.toFixed(2)}s`;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  return formatLong(Math.round(seconds), false);
}

/** The days/hours/minutes form of a whole number of seconds; `forceMinutes` gives "0m 2s". */
function formatLong(total: number, forceMinutes: boolean): string {
  const days = Math.floor(total / SECONDS_PER_DAY);
  const hours = Math.floor((total % SECONDS_PER_DAY) / SECONDS_PER_HOUR);
  const minutes = Math.floor((total % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  const secs = total % SECONDS_PER_MINUTE;
  if (days > 0) return `${days}d ${hours}h ${minutes}m`;
  if (hours > 0) return `${hours}h ${minutes}m ${secs}s`;
  if (minutes > 0 || forceMinutes) return `${minutes}m ${secs}s`;
  return `${secs}s`;
}

/** How long the daemon has run, in `daemon status` and the dashboard: "2d 5h 23m", "5h 23m", "23m 10s", "10s". */
export function formatUptime(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < SECONDS_PER_HOUR || total >= SECONDS_PER_DAY) return formatLong(total, false);
  return `${Math.floor(total / SECONDS_PER_HOUR)}h ${Math.floor((total % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE)}m`;
}

/**
 * Elapsed and average times in `status` and `stats`: "2s", "2.3s", "45s", "1m 9s", "4m 12s".
 * Whole seconds print without a fraction, as in the guide's samples.
 */
export function formatElapsed(seconds: number): string {
  const value = Math.max(0, seconds);
  if (value < FRACTION_BELOW_SECONDS) {
    // Sub-second tasks are common (echo, curl): "0.02s" rather than a misleading "0s".
    // Number() drops trailing zeros, so 2.0 prints as "2s".
    const rounded = Number(value.toFixed(value < 1 ? 2 : 1));
    if (rounded < FRACTION_BELOW_SECONDS) return `${rounded}s`;
  }
  return formatLong(Math.round(value), false);
}

/** The history table's DURATION column: always minutes and seconds ("0m 2s", "6m 23s"). */
export function formatMinutesSeconds(seconds: number): string {
  return formatLong(Math.round(Math.max(0, seconds)), true);
}

/** "100%", "96.7%", "0%": one decimal, none when it is zero. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return "0%";
  return `${trimZero(((100 * part) / whole).toFixed(1))}%`;
}

/** A percentage as a number with one decimal, for JSON. */
export function percentValue(part: number, whole: number): number {
  return whole <= 0 ? 0 : Math.round((1000 * part) / whole) / 10;
}

function trimZero(text: string): string {
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

/** Local date, `YYYY-MM-DD`. Tables show local time: schedules fire in it. */
export function formatLocalDate(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

/** Local `YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD HH:MM` with `minutes`. */
export function formatLocalTime(date: Date, precision: "seconds" | "minutes" = "seconds"): string {
  const minutes = `${formatLocalDate(date)} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
  return precision === "minutes" ? minutes : `${minutes}:${pad2(date.getSeconds())}`;
}

/** Per-task state symbols of `status` (the guide's ✓ ⟳ ○ ✗). */
export const STATUS_SYMBOLS = {
  done: "✓",
  running: "⟳",
  notRun: "○",
  failed: "✗",
} as const;

export interface FailureFacts {
  status: ExecutionStatus;
  failureKind: FailureKind | undefined;
  exitCode: number | undefined;
  error: string | undefined;
}

const FAILURE_LABELS: Partial<Record<FailureKind, string>> = {
  timeout: "timeout",
  "connection-refused": "connection refused",
  "command-not-found": "command not found",
  "permission-denied": "permission denied",
  "not-executable": "not an executable",
  "bad-working-dir": "bad working directory",
  interrupted: "interrupted",
  "missing-variable": "missing variable",
  dns: "DNS lookup failed",
  tls: "TLS error",
  network: "network error",
  auth: "authentication failed",
  "host-key": "host key rejected",
};

/** Why an attempt failed in a few words: "exit code 3", "timeout", "connection refused", "HTTP 503". */
export function describeFailure(facts: FailureFacts): string {
  const kind = facts.failureKind;
  if (kind === "exit-code") return facts.exitCode === undefined ? (facts.error ?? "non-zero exit code") : `exit code ${facts.exitCode}`;
  if (kind === "signal" || kind === "http-status" || kind === "config" || kind === "internal") return facts.error ?? kind;
  if (kind !== undefined) return FAILURE_LABELS[kind] ?? kind.replaceAll("-", " ");
  if (facts.status === "Timeout") return "timeout";
  if (facts.status === "Interrupted") return "interrupted";
  return facts.error ?? facts.status.toLowerCase();
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
