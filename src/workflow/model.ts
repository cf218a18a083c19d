/**
 * The resolved workflow: every default, inherited retry and timeout already applied.
 * The engine and executors read these values as they are; no `??` fallbacks downstream.
 */

export const TASK_TYPES = ["shell", "ssh", "http"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  retries: number;
  initialBackoffMs: number;
  multiplier: number;
  maxBackoffMs: number;
}

interface TaskBase {
  name: string;
  dependsOn: readonly string[];
  retry: RetryPolicy;
  /** Per attempt. */
  timeoutMs: number;
  continueOnFailure: boolean;
}

export interface ShellTask extends TaskBase {
  type: "shell";
  command: string;
  args: readonly string[];
  workingDir: string | undefined;
  env: Readonly<Record<string, string>>;
}

export interface HttpTask extends TaskBase {
  type: "http";
  url: string;
  method: HttpMethod;
  headers: Readonly<Record<string, string>>;
  body: unknown;
  requestTimeoutMs: number;
  /** Undefined means any 2xx. */
  expectedStatus: readonly number[] | undefined;
  caFile: string | undefined;
}

export interface SshTask extends TaskBase {
  type: "ssh";
  host: string;
  port: number;
  user: string;
  command: string;
  /** Undefined means the default keys (~/.ssh/id_rsa, then id_ed25519). */
  keyPath: string | undefined;
  connectTimeoutMs: number;
}

export type Task = ShellTask | HttpTask | SshTask;

export interface Workflow {
  name: string;
  description: string | undefined;
  schedule: string | undefined;
  timezone: string | undefined;
  maxParallel: number;
  tasks: readonly Task[];
  /** Absolute path of the file the workflow came from. */
  sourceFile: string;
}
