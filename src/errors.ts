/** Exit codes promised to users: 0 success, 1 workflow failed / runtime error, 2 bad usage or invalid input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Base for every error PicoFlow expects; main.ts prints `message` and exits with `exitCode`. */
export abstract class PicoflowError extends Error {
  abstract readonly exitCode: number;
  /** The lines to print; one per problem. */
  lines(): string[] {
    return [this.message];
  }
}

export class UsageError extends PicoflowError {
  readonly exitCode = EXIT_USAGE;
}

/** A bad picoflow.toml or PICOFLOW_* value. */
export class ConfigError extends PicoflowError {
  readonly exitCode = EXIT_USAGE;
}

export interface Position {
  line: number;
  column: number;
}

export interface WorkflowIssue {
  message: string;
  position?: Position;
}

/** Every problem found in one workflow file, each with its file:line:column. */
export class WorkflowInvalidError extends PicoflowError {
  readonly exitCode = EXIT_USAGE;
  constructor(
    readonly file: string,
    readonly issues: WorkflowIssue[],
    /** Problems found but not described (beyond MAX_REPORTED_ISSUES, not worth locating). */
    readonly omitted = 0,
  ) {
    super(`${file}: ${issues.length + omitted} problem(s)`);
  }
  /** At most MAX_REPORTED_ISSUES lines, repeats said once, then how many more there are. */
  override lines(): string[] {
    const distinct = [...new Set(this.issues.map((issue) => formatIssue(this.file, issue)))];
    const shown = distinct.slice(0, MAX_REPORTED_ISSUES);
    const rest = distinct.length - shown.length + this.omitted;
    return rest === 0 ? shown : [...shown, `error: ${this.file}: and ${rest} more problem${rest === 1 ? "" : "s"}`];
  }
}

/** A file with thousands of problems is fixed from the top: more lines would only bury them. */
export const MAX_REPORTED_ISSUES = 50;

export function formatIssue(file: string, issue: WorkflowIssue): string {
  const where = issue.position ? `${file}:${issue.position.line}:${issue.position.column}` : file;
  return `error: ${where}: ${issue.message}`;
}

/** The history database could not be opened, migrated or written. */
export class StoreError extends PicoflowError {
  readonly exitCode = EXIT_FAILED;
}

/** A file PicoFlow needs cannot be read or written: another user's (PicoFlow's files are owner-only), a missing folder, a read-only or full disk. */
export class FileAccessError extends PicoflowError {
  readonly exitCode = EXIT_FAILED;
}

/** Something the user asked for does not exist (an execution id, a workflow). */
export class NotFoundError extends PicoflowError {
  readonly exitCode = EXIT_FAILED;
}

/** A server could not listen on its configured address: port in use, address not on this host, no permission. */
export class ListenError extends PicoflowError {
  readonly exitCode = EXIT_USAGE;
  constructor(
    message: string,
    readonly address: string,
    readonly port: number,
    /** The system's error code, e.g. EADDRINUSE. */
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
