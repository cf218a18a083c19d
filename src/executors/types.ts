import type { Task, TaskType } from "../workflow/model.ts";
import type { TaskValues } from "./values.ts";

/** Why an attempt failed, for history, stats and metrics ("timeout", "connection refused" ...). */
export type FailureKind =
  | "exit-code"
  | "signal"
  | "command-not-found"
  | "permission-denied"
  | "not-executable"
  | "bad-working-dir"
  | "timeout"
  | "interrupted"
  | "missing-variable"
  | "http-status"
  | "connection-refused"
  | "dns"
  | "tls"
  | "network"
  | "auth"
  | "host-key"
  | "config"
  /** A resource gate stayed closed until the gate timeout; the task never started. */
  | "gate"
  | "output-too-large"
  | "internal";

export type ExecutorOutcome =
  | { ok: true; exitCode: number | null }
  | { ok: false; kind: FailureKind; message: string; exitCode: number | null };

/** Where an attempt's output goes: streamed to its log file, with a tail kept for the database. */
export interface OutputSink {
  write(stream: "stdout" | "stderr", chunk: Uint8Array | string): void;
  /** A timestamped line of PicoFlow's own (what ran, what came back), not task output. */
  note(text: string): void;
  /** Like note, but the line must reach the log file even when the attempt succeeds silently. */
  warn(text: string): void;
}

export interface ExecutionContext {
  /** Aborts on the attempt's timeout or when the run is interrupted. */
  signal: AbortSignal;
  output: OutputSink;
  env: Readonly<Record<string, string | undefined>>;
  /** Values of `${tasks.NAME.output}` and `${run.FIELD}` references (see values.ts). */
  values: TaskValues;
  /** Told the PID of the local process an attempt started, so a crash of PicoFlow cannot orphan it. */
  onProcessStarted?: (pid: number) => void;
}

/** Runs one attempt of one task. Never throws for expected failures: it returns them. */
export interface Executor<T extends Task = Task> {
  // A property, not a method: method parameters are bivariant, which would let the registry
  // accept a shell executor in the http slot.
  readonly run: (task: T, context: ExecutionContext) => Promise<ExecutorOutcome>;
  /** Releases what the executor keeps between tasks of a run (SSH connections); called when the run ends. */
  dispose?(): Promise<void>;
}

/** One executor per task type; adding a type without an executor fails to compile. */
export type ExecutorRegistry = { readonly [K in TaskType]: Executor<Extract<Task, { type: K }>> };

export function failure(kind: FailureKind, message: string, exitCode: number | null = null): ExecutorOutcome {
  return { ok: false, kind, message, exitCode };
}

export interface OutputTails {
  stdoutTail: string;
  stderrTail: string;
  /** Set when the log file could not be created or written: the task's result stands, with this warning. */
  warning?: string;
}

/** One attempt's output, opened by the engine before the executor runs and closed after. */
export interface AttemptOutput extends OutputSink {
  /** Ends the attempt's output; a failed attempt always leaves its notes in the log file. */
  close(succeeded: boolean): OutputTails;
}

export type OpenAttemptOutput = (task: string, attempt: number) => AttemptOutput;
