/**
 * The resolved workflow: every default, inherited retry and timeout already applied.
 * The engine and executors read these values as they are; no `??` fallbacks downstream.
 * Immutable: a loaded workflow is shared by every run of it (the daemon reuses one per file).
 */

export const TASK_TYPES = ["shell", "ssh", "http"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  readonly retries: number;
  readonly initialBackoffMs: number;
  readonly multiplier: number;
  readonly maxBackoffMs: number;
}

interface TaskBase {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly retry: RetryPolicy;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly continueOnFailure: boolean;
  /** `output: true`: the attempt's stdout (or response body) is kept for `${tasks.NAME.output}`. */
  readonly keepsOutput: boolean;
  /** Resource conditions checked before each attempt (task fields over the workflow's config). */
  readonly gates: readonly Gate[];
  /** How long the task may wait for its gates before it fails. */
  readonly gateTimeoutMs: number;
}

/** One resource gate: the task may start only while it holds. */
export type Gate =
  | { readonly kind: "free-memory"; readonly minMb: number }
  | { readonly kind: "temperature"; readonly maxCelsius: number }
  | { readonly kind: "load"; readonly max: number }
  | { readonly kind: "free-disk"; readonly minMb: number; readonly path: string }
  | { readonly kind: "not-throttled" };

export const CATCHUP_MODES = ["none", "latest", "all"] as const;
export type CatchupMode = (typeof CATCHUP_MODES)[number];

/** What the daemon runs for fire times it slept through. */
export interface CatchupPolicy {
  readonly mode: CatchupMode;
  /** Only fire times this recent are caught up. */
  readonly windowMs: number;
}

export interface ShellTask extends TaskBase {
  readonly type: "shell";
  readonly command: string;
  readonly args: readonly string[];
  readonly workingDir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
}

/** A GET has no body: the type leaves no room for one, so load.ts is the one place that says so. */
export type HttpRequestLine =
  | { readonly method: "GET"; readonly body: undefined }
  | { readonly method: Exclude<HttpMethod, "GET">; readonly body: unknown };

export type HttpTask = TaskBase & HttpRequestLine & {
  readonly type: "http";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly requestTimeoutMs: number;
  /** Undefined means any 2xx. */
  readonly expectedStatus: readonly number[] | undefined;
  readonly caFile: string | undefined;
};

export interface SshTask extends TaskBase {
  readonly type: "ssh";
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly command: string;
  /** Undefined means the default keys (~/.ssh/id_rsa, then id_ed25519). */
  readonly keyPath: string | undefined;
  readonly connectTimeoutMs: number;
}

export type Task = ShellTask | HttpTask | SshTask;

/** The graph's shape, computed once at load time; validate, the engine and graph read it. */
export interface Plan {
  /** Level 0 has no dependencies; every task in level k depends on something in level k-1. */
  readonly levels: readonly (readonly string[])[];
  /** Every task, dependencies before their dependents (the levels, flattened). */
  readonly order: readonly string[];
}

/** Workflow-level handlers: task lists run after the main DAG has ended. */
export const HANDLER_KINDS = ["on_failure", "on_success", "on_exit"] as const;
export type HandlerKind = (typeof HANDLER_KINDS)[number];
export type Handlers = Readonly<Record<HandlerKind, readonly Task[]>>;

export interface Workflow {
  readonly name: string;
  readonly description: string | undefined;
  readonly schedule: string | undefined;
  readonly timezone: string | undefined;
  readonly catchup: CatchupPolicy;
  readonly maxParallel: number;
  readonly tasks: readonly Task[];
  readonly plan: Plan;
  /** Each list may be empty; names are unique across tasks and every handler list. */
  readonly handlers: Handlers;
  /** Absolute path of the file the workflow came from. */
  readonly sourceFile: string;
}
