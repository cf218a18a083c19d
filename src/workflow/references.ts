/**
 * References to values PicoFlow supplies at run time, written like environment variables:
 * `${tasks.NAME.output}`, `${tasks.NAME.output.FIELD...}` (a field of a JSON output) and
 * `${run.FIELD}` (handlers only). Pure parsing, shared by `validate` and the executors.
 */

/** `${NAME}` or `$${NAME}` (the literal text `${NAME}`); NAME may be dotted. */
export const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}/g;

/** The `${run.FIELD}` names, each also a PICOFLOW_<FIELD> environment variable of handler tasks. */
export const RUN_FIELDS = ["workflow", "execution_id", "status", "failed_tasks", "duration_seconds", "log_dir"] as const;
export type RunField = (typeof RUN_FIELDS)[number];

export type Reference =
  | { kind: "env"; name: string }
  | { kind: "output"; task: string; path: readonly string[] }
  | { kind: "run"; field: RunField }
  | { kind: "invalid"; problem: string };

/** What the name inside `${...}` refers to. */
export function classifyReference(name: string): Reference {
  const parts = name.split(".");
  if (parts[0] === "tasks" && parts.length > 1) {
    const [, task, output, ...path] = parts;
    if (!task || output !== "output") return { kind: "invalid", problem: `\${${name}}: write \${tasks.NAME.output} or \${tasks.NAME.output.FIELD}` };
    return { kind: "output", task, path };
  }
  if (parts[0] === "run" && parts.length > 1) {
    const field = parts.slice(1).join(".");
    if (!(RUN_FIELDS as readonly string[]).includes(field)) {
      return { kind: "invalid", problem: `\${${name}}: unknown run field '${field}' (known: ${RUN_FIELDS.join(", ")})` };
    }
    return { kind: "run", field: field as RunField };
  }
  if (parts.length > 1) return { kind: "invalid", problem: `\${${name}}: unknown reference; use \${tasks.NAME.output}, \${run.FIELD} or an environment variable name` };
  return { kind: "env", name };
}

/** Every reference in `text` (escaped `$${...}` left out). */
export function referencesIn(text: string): { name: string; reference: Reference }[] {
  return [...text.matchAll(REFERENCE)].filter((match) => !match[1]).map((match) => ({ name: match[2] as string, reference: classifyReference(match[2] as string) }));
}

/** `${run.status}` is also PICOFLOW_STATUS in a handler task's environment. */
export function runEnvName(field: RunField): string {
  return `PICOFLOW_${field.toUpperCase()}`;
}

/**
 * Where a `${tasks...}` or `${run...}` reference sits in an SSH command that the remote shell
 * would parse: PicoFlow inserts the value as one single-quoted word, which is only inert
 * outside any quotes (inside "..." or `...` the shell would still expand `$(...)`) and outside
 * here-documents. Returns the problem, or undefined when every reference is bare.
 */
export function sshCommandProblem(command: string): string | undefined {
  const hasValueReference = referencesIn(command).some(({ reference }) => reference.kind === "output" || reference.kind === "run");
  if (!hasValueReference) return undefined;
  if (command.includes("<<")) return "a command with ${tasks...} or ${run...} references cannot use a here-document (<<)";
  let quote: "'" | '"' | "`" | undefined;
  const quoteNames = { "'": "single quotes", '"': "double quotes", "`": "backquotes" } as const;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "$" && command[i + 1] === "{" && quote !== undefined) {
      const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}/.exec(command.slice(i));
      const reference = match ? classifyReference(match[1] as string) : undefined;
      if (match && reference && (reference.kind === "output" || reference.kind === "run") && command[i - 1] !== "$") {
        return `${match[0]} is inside ${quoteNames[quote]}; write it bare: PicoFlow inserts it as one single-quoted word`;
      }
    }
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "$" && command.startsWith("$${", i)) {
      i += 2;
      continue;
    }
    if (quote !== undefined && c === quote) quote = undefined;
    else if (quote === undefined && (c === "'" || c === '"' || c === "`")) quote = c;
  }
  return undefined;
}
