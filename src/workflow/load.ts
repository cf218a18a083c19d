/**
 * YAML text -> validated, fully resolved Workflow. Every problem is collected, each with its
 * file:line:column, so `validate` can report them all at once.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import type { Document, LineCounter } from "yaml";
import type { WorkflowDefaults } from "../config/settings.ts";
import * as d from "../config/defaults.ts";
import { MAX_REPORTED_ISSUES, UsageError, WorkflowInvalidError, type WorkflowIssue } from "../errors.ts";
import { checkGraph, checkHandlerGraphs } from "./graph-check.ts";
import { HANDLER_KINDS, type HandlerKind, type Plan, type RetryPolicy, type Task, type Workflow } from "./model.ts";
import { type DocPath, locate } from "./positions.ts";
import { referenceProblems } from "./reference-check.ts";
import { isTaskList, type TaskListKey } from "./task-lists.ts";
import { bigFileDuplicateKeys } from "./duplicate-keys.ts";
import { bigFileSyntaxIssue, explainYamlError, fileSizeProblem, inputLimitProblem, POSITIONED_PARSE_MAX_BYTES } from "./input-limits.ts";
import { textLocator } from "./text-positions.ts";
import { collapseWarnings } from "./warnings.ts";
import { resolveGates } from "./resolve-gates.ts";
import { type RawTask, type RawWorkflow, taskSchema, workflowSchema } from "./schema.ts";

export interface LoadedWorkflow {
  workflow: Workflow;
  /** Things that work but deserve a look (a command found on PATH, a capped timeout). */
  warnings: WorkflowIssue[];
}

type Locator = (path: DocPath, atKey?: boolean) => WorkflowIssue["position"];

export function readWorkflowFile(file: string): string {
  try {
    // Refused before reading: a huge file must not cost its size in memory first.
    const tooBig = fileSizeProblem(statSync(file).size);
    if (tooBig) throw new UsageError(`${file}: ${tooBig}`);
    return readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    throw new UsageError(`cannot read workflow file ${file}: ${reason}`, { cause: error });
  }
}

/** Reads, validates and resolves one workflow file; throws WorkflowInvalidError listing every problem. */
export function loadWorkflowFile(file: string, defaults: WorkflowDefaults): LoadedWorkflow {
  return parseWorkflow(readWorkflowFile(file), resolve(file), defaults, file);
}

/**
 * Files up to this size also go through the `yaml` library's strict parse (duplicate keys and
 * other YAML errors, with positions). Bun's native parser is ~50x faster but silently keeps
 * the last of duplicate keys; bigger files (hundreds of tasks, usually generated) are checked
 * by Bun's parser, a scan for duplicate keys (duplicate-keys.ts) and positioned by a scan of
 * the text: the library's document would cost them ~100x their size in memory (input-limits.ts).
 */
export const STRICT_PARSE_MAX_BYTES = POSITIONED_PARSE_MAX_BYTES;

export function parseWorkflow(text: string, sourceFile: string, defaults: WorkflowDefaults, shownAs = sourceFile): LoadedWorkflow {
  const fail = (issues: WorkflowIssue[], omitted = 0): never => {
    throw new WorkflowInvalidError(shownAs, issues, omitted);
  };
  // The positioned document is built only when needed: small files, errors and warnings.
  let strict: { doc: Document; lines: LineCounter } | undefined;
  const strictParse = () => {
    if (!strict) {
      // Loaded on first use: its module costs ~25 ms and ~5 MB, which big files never need.
      const yaml = require("yaml") as typeof import("yaml");
      const lines = new yaml.LineCounter();
      strict = { doc: yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
    }
    return strict;
  };
  const syntaxIssues = (): WorkflowIssue[] => {
    const { doc, lines } = strictParse();
    return doc.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { message: `YAML syntax: ${explainYamlError(firstLine(error.message))}`, position: { line, column: col } };
    });
  };
  // Above POSITIONED_PARSE_MAX_BYTES the yaml library's document would cost ~100x the file in memory.
  const positioned = Buffer.byteLength(text) <= POSITIONED_PARSE_MAX_BYTES;
  const at: Locator = positioned ? (path, atKey) => locate(strictParse().doc, strictParse().lines, path, atKey) : textLocator(text);

  const refused = inputLimitProblem(text);
  if (refused) fail([refused]);
  let data: unknown;
  try {
    data = Bun.YAML.parse(text);
  } catch (error) {
    const issues = positioned ? syntaxIssues() : [];
    fail(issues.length > 0 ? issues : [bigFileSyntaxIssue(text, explainYamlError(firstLine((error as Error).message)))]);
  }
  const yamlIssues = positioned ? syntaxIssues() : bigFileDuplicateKeys(text);
  if (yamlIssues.length > 0) fail(yamlIssues);
  if (data === null || data === undefined) fail([{ message: "the file is empty; a workflow needs a name and tasks" }]);
  if (typeof data !== "object" || Array.isArray(data)) {
    fail([{ message: "the top level must be a mapping with `name` and `tasks`", position: at([]) }]);
  }

  // Graph problems are found on the parsed YAML as it is, so they are reported with the schema's.
  const graph = checkGraph(data, at);
  const graphIssues = [...graph.issues, ...checkHandlerGraphs(data, at)];
  const parsed = v.safeParse(workflowSchema, data, { abortEarly: false });
  if (!parsed.success) {
    // Only the problems that will be shown are located: thousands would each cost a walk of the document.
    const located = parsed.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => schemaIssue(issue, data, at));
    return fail([...located, ...graphIssues, ...fieldProblems(partsThatParse(data), at)], parsed.issues.length - located.length);
  }
  const raw = parsed.output;
  const issues = [...graphIssues, ...fieldProblems(raw, at), ...referenceProblems(raw, at)];
  const { plan } = graph;
  if (issues.length > 0 || plan === undefined) return fail(issues);
  return resolveWorkflow(raw, plan, sourceFile, defaults, at);
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}

/** `task 'load': config.command` rather than `tasks.3.config.command`. */
function describePath(path: DocPath, data: unknown): string {
  const list = path[0];
  if (typeof list === "string" && isTaskList(list) && typeof path[1] === "number") {
    const task = (data as Record<string, unknown[] | undefined>)[list]?.[path[1]] as { name?: unknown } | undefined;
    const kind = list === "tasks" ? "task" : `${list} task`;
    const label = typeof task?.name === "string" && task.name ? `${kind} '${task.name}'` : `${list}[${path[1]}]`;
    const rest = path.slice(2).join(".");
    return rest ? `${label}: ${rest}` : label;
  }
  return path.join(".");
}

function schemaIssue(issue: v.BaseIssue<unknown>, data: unknown, at: Locator): WorkflowIssue {
  const path = (issue.path ?? []).map((item) => item.key as string | number);
  const field = path.length > 0 ? `${describePath(path, data)}: ` : "";
  const last = path[path.length - 1];
  if (issue.type === "strict_object" && issue.expected === "never") {
    return { message: `${describePath(path.slice(0, -1), data) || "workflow"}: unknown field "${String(last)}"`, position: at(path, true) };
  }
  if ((issue.type === "strict_object" || issue.type === "variant") && issue.received === "undefined") {
    return { message: `${describePath(path.slice(0, -1), data) || "workflow"}: missing required field "${String(last)}"`, position: at(path) };
  }
  if (issue.kind === "schema" && issue.message.startsWith("Invalid type")) {
    return { message: `${field}expected ${describeType(issue.expected)}, got ${issue.received}`, position: at(path) };
  }
  return { message: `${field}${issue.message} (got ${issue.received})`, position: at(path) };
}

const TYPE_WORDS: Record<string, string> = {
  Array: "a list",
  Object: "a mapping",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

function describeType(expected: string | null): string {
  return (expected && TYPE_WORDS[expected]) ?? expected ?? "another type";
}

/** What field checks need; when the file does not match the schema, only its parts that do. */
interface CheckableParts {
  tasks: readonly (RawTask | undefined)[];
  on_failure?: readonly (RawTask | undefined)[] | undefined;
  on_success?: readonly (RawTask | undefined)[] | undefined;
  on_exit?: readonly (RawTask | undefined)[] | undefined;
  schedule?: string | undefined;
  timezone?: string | undefined;
}

/** The tasks, schedule and timezone of a file that fails the schema, each kept only if it passes on its own. */
function partsThatParse(data: unknown): CheckableParts {
  const { tasks, schedule, timezone } = data as { tasks?: unknown; schedule?: unknown; timezone?: unknown };
  const ok = <T>(result: v.SafeParseResult<v.GenericSchema<unknown, T>>): T | undefined => (result.success ? result.output : undefined);
  const list = (items: unknown) => (Array.isArray(items) ? items.map((task: unknown) => ok(v.safeParse(taskSchema, task))) : []);
  const lists = data as Record<HandlerKind, unknown>;
  return {
    tasks: list(tasks),
    on_failure: list(lists.on_failure),
    on_success: list(lists.on_success),
    on_exit: list(lists.on_exit),
    schedule: ok(v.safeParse(workflowSchema.entries.schedule, schedule)),
    timezone: ok(v.safeParse(workflowSchema.entries.timezone, timezone)),
  };
}

function fieldProblems(parts: CheckableParts, at: Locator): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  for (const list of ["tasks", ...HANDLER_KINDS] as const) {
    (parts[list] ?? []).forEach((task, index) => {
      if (task) issues.push(...taskConfigProblems(task, list, index, at));
    });
  }
  if (parts.schedule !== undefined) {
    const problem = cronProblem(parts.schedule, parts.timezone);
    if (problem) issues.push({ message: `schedule: ${problem}`, position: at(["schedule"]) });
  }
  if (parts.timezone !== undefined && !isTimezone(parts.timezone)) {
    issues.push({ message: `timezone: unknown time zone "${parts.timezone}" (use an IANA name such as Europe/Berlin)`, position: at(["timezone"]) });
  }
  return issues;
}

/** RFC 9110 token characters: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks of one field against another, or beyond what the schema's per-field rules say. */
function taskConfigProblems(task: RawTask, list: TaskListKey, index: number, at: Locator): WorkflowIssue[] {
  const where = (field: string, ...rest: (string | number)[]) => at([list, index, "config", field, ...rest]);
  const label = `${list === "tasks" ? "task" : `${list} task`} '${task.name}': config`;
  const problems: WorkflowIssue[] = [];
  if (task.type === "http") {
    const { method, body, headers } = task.config;
    if (body !== undefined && (method ?? "GET") === "GET") {
      problems.push({ message: `${label}.body: a GET request cannot have a body; set method to POST, PUT or PATCH`, position: where("body") });
    }
    for (const name of Object.keys(headers ?? {})) {
      if (!HEADER_NAME.test(name)) {
        problems.push({ message: `${label}.headers: "${name}" is not a valid header name`, position: at([list, index, "config", "headers", name], true) });
      }
    }
  }
  if (task.type === "ssh" && /^[^:]+:\d+$/.test(task.config.host)) {
    problems.push({ message: `${label}.host: "${task.config.host}" includes a port; put the port in \`port\``, position: where("host") });
  }
  return problems;
}

function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is unusable, or undefined when croner accepts it. */
export function cronProblem(expression: string, timezone?: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (!expression.trim().startsWith("@") && fields.length !== 5 && fields.length !== 6) {
    return `"${expression}" has ${fields.length} fields; expected 6 (second minute hour day month weekday) or 5`;
  }
  try {
    // Loaded only for workflows that have a schedule: most `run`s never need it.
    const { Cron } = require("croner") as typeof import("croner");
    new Cron(expression, { paused: true, timezone: timezone && isTimezone(timezone) ? timezone : undefined });
    return undefined;
  } catch (error) {
    return `"${expression}" is not a valid cron expression: ${(error as Error).message}`;
  }
}

function resolveWorkflow(raw: RawWorkflow, plan: Plan, sourceFile: string, defaults: WorkflowDefaults, at: Locator): LoadedWorkflow {
  const warnings: WorkflowIssue[] = [];
  const workflowRetries = raw.config?.retry_default ?? defaults.retries;
  const workflowTimeout = raw.config?.timeout_default ?? defaults.timeoutSeconds;
  const cap = (seconds: number, path: DocPath): number => {
    if (seconds <= defaults.maxTimeoutSeconds) return seconds;
    warnings.push({ message: `timeout ${seconds}s is above [timeout] max_seconds; capped to ${defaults.maxTimeoutSeconds}s`, position: at(path) });
    return defaults.maxTimeoutSeconds;
  };
  const resolveTask = (list: TaskListKey) => (rawTask: RawTask, index: number): Task => {
    const retry: RetryPolicy = {
      retries: rawTask.retry ?? workflowRetries,
      initialBackoffMs: defaults.initialBackoffMs,
      multiplier: defaults.backoffMultiplier,
      maxBackoffMs: defaults.maxBackoffMs,
    };
    const timeoutPath = rawTask.timeout !== undefined ? [list, index, "timeout"] : ["config", "timeout_default"];
    const timeoutMs = cap(rawTask.timeout ?? workflowTimeout, timeoutPath) * 1000;
    const base = {
      name: rawTask.name,
      dependsOn: [...new Set(rawTask.depends_on ?? [])],
      retry,
      timeoutMs,
      continueOnFailure: rawTask.continue_on_failure ?? false,
      gates: resolveGates(raw.config?.gates, rawTask.gates, sourceFile),
      gateTimeoutMs: secondsToMs(rawTask.gate_timeout ?? raw.config?.gate_timeout) ?? timeoutMs,
      keepsOutput: rawTask.output ?? false,
    };
    if (rawTask.gates?.disk_path !== undefined && { ...raw.config?.gates, ...rawTask.gates }.min_free_disk_mb === undefined) {
      warnings.push({ message: `task '${rawTask.name}': gates.disk_path has no effect without min_free_disk_mb`, position: at([list, index, "gates", "disk_path"]) });
    }
    return resolveTaskConfig(rawTask, base, list, index, sourceFile, warnings, at, cap);
  };
  if (raw.config?.gates?.disk_path !== undefined && raw.config.gates.min_free_disk_mb === undefined) {
    warnings.push({ message: "config.gates.disk_path has no effect without min_free_disk_mb", position: at(["config", "gates", "disk_path"]) });
  }
  const tasks = raw.tasks.map(resolveTask("tasks"));
  const handlers = Object.fromEntries(HANDLER_KINDS.map((kind) => [kind, (raw[kind] ?? []).map(resolveTask(kind))])) as Record<HandlerKind, Task[]>;
  return {
    workflow: {
      name: raw.name,
      description: raw.description,
      schedule: raw.schedule,
      timezone: raw.timezone,
      catchup: { mode: raw.catchup ?? d.DEFAULT_CATCHUP_MODE, windowMs: (raw.catchup_window ?? d.DEFAULT_CATCHUP_WINDOW_SECONDS) * 1000 },
      maxParallel: raw.config?.max_parallel ?? defaults.maxParallel,
      tasks,
      plan,
      handlers,
      sourceFile,
    },
    warnings: collapseWarnings(warnings),
  };
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

type TaskBase = Pick<Task, "name" | "dependsOn" | "retry" | "timeoutMs" | "continueOnFailure" | "gates" | "gateTimeoutMs" | "keepsOutput">;

function resolveTaskConfig(
  raw: RawTask,
  base: TaskBase,
  list: TaskListKey,
  index: number,
  sourceFile: string,
  warnings: WorkflowIssue[],
  at: Locator,
  cap: (seconds: number, path: DocPath) => number,
): Task {
  const configTimeout = (given: number | undefined, fallback: number) =>
    given === undefined ? fallback : cap(given, [list, index, "config", "timeout"]);
  switch (raw.type) {
    case "shell": {
      const { command, args, working_dir, env } = raw.config;
      if (!isAbsolute(command)) {
        warnings.push({
          message: `task '${raw.name}': command "${command}" is not an absolute path; it will be looked up on PATH`,
          position: at([list, index, "config", "command"]),
        });
      }
      return { ...base, type: "shell", command, args: args ?? [], workingDir: working_dir, env: env ?? {} };
    }
    case "http": {
      const c = raw.config;
      return {
        ...base,
        type: "http",
        url: c.url,
        // fieldProblems has refused a GET with a body, so the body goes only with other methods.
        ...(c.method === undefined || c.method === "GET" ? { method: "GET", body: undefined } : { method: c.method, body: c.body }),
        headers: c.headers ?? {},
        requestTimeoutMs: configTimeout(c.timeout, d.DEFAULT_HTTP_TIMEOUT_SECONDS) * 1000,
        expectedStatus: c.expected_status,
        caFile: c.ca_file === undefined ? undefined : resolve(dirname(sourceFile), c.ca_file),
      };
    }
    case "ssh": {
      const c = raw.config;
      return {
        ...base,
        type: "ssh",
        host: c.host,
        port: c.port ?? d.DEFAULT_SSH_PORT,
        user: c.user,
        command: c.command,
        // Relative to the workflow file, like ca_file; `~` is expanded by the executor.
        keyPath: c.key_path === undefined || c.key_path.startsWith("~") ? c.key_path : resolve(dirname(sourceFile), c.key_path),
        connectTimeoutMs: configTimeout(c.timeout, d.DEFAULT_SSH_CONNECT_TIMEOUT_SECONDS) * 1000,
      };
    }
  }
}
