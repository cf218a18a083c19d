/**
 * `validate`'s checks of `${tasks.NAME.output...}` and `${run.FIELD}` references, each with its
 * position: the named task must be upstream and set `output: true`; run fields exist only in
 * handlers; in SSH commands a reference must stand bare (see sshCommandProblem).
 */
import type { WorkflowIssue } from "../errors.ts";
import type { DocPath } from "./positions.ts";
import { referencesIn, sshCommandProblem } from "./references.ts";
import type { RawTask, RawWorkflow } from "./schema.ts";
import { type TaskListKey, taskLists } from "./task-lists.ts";

type Locator = (path: DocPath, atKey?: boolean) => WorkflowIssue["position"];

/** A templated field of a task: where it is and its text. */
interface Field {
  path: DocPath;
  label: string;
  text: string;
}

function templatedFields(task: RawTask): Field[] {
  const fields: Field[] = [];
  const add = (path: (string | number)[], label: string, text: string) => fields.push({ path: ["config", ...path], label, text });
  switch (task.type) {
    case "shell":
      (task.config.args ?? []).forEach((arg, index) => add(["args", index], `args[${index}]`, arg));
      for (const [name, value] of Object.entries(task.config.env ?? {})) add(["env", name], `env.${name}`, value);
      break;
    case "http": {
      add(["url"], "url", task.config.url);
      for (const [name, value] of Object.entries(task.config.headers ?? {})) add(["headers", name], `headers.${name}`, value);
      const walk = (value: unknown, path: (string | number)[], label: string) => {
        if (typeof value === "string") add(path, label, value);
        else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index], `${label}[${index}]`));
        else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) walk(item, [...path, key], `${label}.${key}`);
      };
      walk(task.config.body, ["body"], "body");
      break;
    }
    case "ssh":
      add(["command"], "command", task.config.command);
      break;
  }
  return fields;
}

/** Every task the given one depends on, directly or not, within its list. */
function ancestors(task: RawTask, byName: ReadonlyMap<string, RawTask>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(task.depends_on ?? [])];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...(byName.get(name)?.depends_on ?? []));
  }
  return seen;
}

export function referenceProblems(raw: RawWorkflow, at: Locator): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  const everyTask = new Map<string, { task: RawTask; list: TaskListKey }>();
  for (const [list, tasks] of taskLists(raw)) for (const task of tasks) if (!everyTask.has(task.name)) everyTask.set(task.name, { task, list });
  const mainTasks = new Set(raw.tasks.map((task) => task.name));

  for (const [list, tasks] of taskLists(raw)) {
    const byName = new Map(tasks.map((task) => [task.name, task]));
    const handler = list !== "tasks";
    tasks.forEach((task, index) => {
      const upstream = ancestors(task, byName);
      // Handlers run after the main DAG, so every main task is upstream of them.
      if (handler) for (const name of mainTasks) upstream.add(name);
      const label = `${handler ? `${list} task` : "task"} '${task.name}'`;
      for (const field of templatedFields(task)) {
        const report = (message: string) => issues.push({ message: `${label}: config.${field.label}: ${message}`, position: at([list, index, ...field.path]) });
        for (const { name, reference } of referencesIn(field.text)) {
          if (reference.kind === "invalid") {
            // Shell and SSH commands are passed as written: other ${...} there belong to the command.
            if (task.type === "http" || name.startsWith("tasks.") || name.startsWith("run.")) report(reference.problem);
          } else if (reference.kind === "run") {
            if (!handler) report(`\${${name}} is only available in handler tasks (on_failure, on_success, on_exit)`);
          } else if (reference.kind === "output") {
            const source = everyTask.get(reference.task);
            if (!source) report(`\${${name}} refers to unknown task '${reference.task}'`);
            else if (!upstream.has(reference.task)) report(`\${${name}} refers to task '${reference.task}', which is not upstream of '${task.name}'; add it to depends_on`);
            else if (!source.task.output) report(`\${${name}} refers to task '${reference.task}', which does not set output: true`);
          }
        }
        if (task.type === "ssh") {
          const problem = sshCommandProblem(field.text);
          if (problem) report(problem);
        }
      }
    });
  }
  return issues;
}
