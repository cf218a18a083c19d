/**
 * Run-time values of `${tasks.NAME.output...}` and `${run.FIELD}`, which the engine hands each
 * attempt. They are not secrets (an output is already recorded with its task's attempt), so
 * unlike environment variables they are never redacted.
 */
import { classifyReference, REFERENCE, type Reference, type RunField } from "../workflow/references.ts";

export interface TaskValues {
  /** Outputs of tasks that succeeded with `output: true`, by task name. */
  outputs: ReadonlyMap<string, string>;
  /** Only for handler tasks. */
  run: Readonly<Record<RunField, string>> | undefined;
}

export const NO_VALUES: TaskValues = { outputs: new Map(), run: undefined };

/** A reference whose value does not exist at run time (the task failed, the JSON field is missing). */
export class MissingValueError extends Error {
  constructor(message: string, where: string) {
    super(`${message} (used in ${where})`);
  }
}

/** The value of an output or run reference; throws MissingValueError. */
export function valueOf(name: string, reference: Extract<Reference, { kind: "output" | "run" }>, values: TaskValues, where: string): string {
  if (reference.kind === "run") {
    const value = values.run?.[reference.field];
    if (value === undefined) throw new MissingValueError(`\${${name}} is only set in handler tasks`, where);
    return value;
  }
  const output = values.outputs.get(reference.task);
  if (output === undefined) throw new MissingValueError(`task '${reference.task}' left no output (it did not succeed, or does not set output: true)`, where);
  if (reference.path.length === 0) return output;
  let current: unknown;
  try {
    current = JSON.parse(output);
  } catch {
    throw new MissingValueError(`\${${name}}: the output of task '${reference.task}' is not JSON`, where);
  }
  for (const key of reference.path) {
    const next = current !== null && typeof current === "object" && Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    if (next === undefined) throw new MissingValueError(`\${${name}}: the output of task '${reference.task}' has no field '${key}'`, where);
    current = next;
  }
  return typeof current === "string" ? current : JSON.stringify(current);
}

/**
 * Substitutes the output and run references in `text` (shell args and env, SSH commands) and
 * turns `$${tasks...}` into the literal text; `${HOME}` and other names stay as written, since
 * shell and SSH commands are passed as written. `encode` quotes each value (SSH).
 */
export function expandValues(text: string, values: TaskValues, where: string, encode: (value: string) => string = (value) => value): string {
  return text.replace(REFERENCE, (match, escaped: string, name: string) => {
    const reference = classifyReference(name);
    if (reference.kind !== "output" && reference.kind !== "run") return match;
    if (escaped) return `\${${name}}`;
    return encode(valueOf(name, reference, values, where));
  });
}

/** POSIX single-quoting: the remote shell reads the value as one word, nothing in it expanded. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
