/**
 * The JSON Schema for editors must agree with `picoflow validate` on everything a JSON
 * Schema can express, and must stay a build-time artefact (nothing of it in the CLI bundle).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Ajv from "ajv";
import * as v from "valibot";
import { parse } from "yaml";
import { renderWorkflowJsonSchema, SCHEMA_FILE } from "../../build/json-schema.ts";
import { workflowSchema } from "../../src/workflow/schema.ts";

const ROOT = resolve(import.meta.dir, "../..");
const EXAMPLES = join(ROOT, "examples");
const VALID = join(ROOT, "test/fixtures/valid");
const TEMPLATES = join(ROOT, "src/cli/templates");
const INVALID = join(ROOT, "test/fixtures/invalid");

const committed = readFileSync(join(ROOT, SCHEMA_FILE), "utf8");
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(committed));

function yamlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch {
    return [];
  }
}

/** Parsed document, or undefined when the file is not even YAML (a JSON Schema never sees it). */
function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, "utf8"), { uniqueKeys: true });
  } catch {
    return undefined;
  }
}

const workflow = (task: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: "w", tasks: [task], ...extra });
const shell = { name: "t", type: "shell", config: { command: "/bin/true" } };
const http = (config: Record<string, unknown>) => ({ name: "h", type: "http", config: { url: "http://127.0.0.1/x", ...config } });

describe("JSON Schema", () => {
  test("the committed file is what `bun run schema` generates now", () => {
    expect(committed).toBe(renderWorkflowJsonSchema());
  });

  test("accepts every file in examples/, test/fixtures/valid/ and the `picoflow template` templates", () => {
    const files = [EXAMPLES, VALID, TEMPLATES].flatMap((dir) => yamlFiles(dir).map((name) => join(dir, name)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const ok = validate(readYaml(file));
      expect({ file, errors: ok ? null : validate.errors }).toEqual({ file, errors: null });
    }
  });

  // The fixtures are split by what the valibot schema says: its failures are schema problems
  // the JSON Schema must reject too; files it accepts fail only on semantics (cycles, unknown
  // or duplicate tasks, cron, time zones), which no JSON Schema can see.
  test("rejects exactly the invalid fixtures that are schema problems", () => {
    const semanticOnly: string[] = [];
    const notYaml: string[] = [];
    const files = yamlFiles(INVALID);
    for (const file of files) {
      const data = readYaml(join(INVALID, file));
      if (data === undefined) {
        notYaml.push(file);
        continue;
      }
      const schemaProblem = !v.safeParse(workflowSchema, data).success;
      if (!schemaProblem) semanticOnly.push(file);
      expect({ file, rejected: !validate(data) }).toEqual({ file, rejected: schemaProblem });
    }
    // Guards against a mis-split: most malformed fixtures are shape problems.
    if (files.length > 0) expect(semanticOnly.length + notYaml.length).toBeLessThan(files.length);
    if (semanticOnly.length + notYaml.length > 0) {
      console.log(`out of a JSON Schema's reach: semantic only [${semanticOnly.join(", ")}], not YAML [${notYaml.join(", ")}]`);
    }
  });

  test.each([
    ["a missing name", { tasks: [shell] }],
    ["missing tasks", { name: "w" }],
    ["an empty task list", { name: "w", tasks: [] }],
    ["an unknown top-level field", workflow(shell, { retries: 3 })],
    ["an unknown config field", workflow(shell, { config: { parallel: 2 } })],
    ["a workflow name with a space", { name: "my flow", tasks: [shell] }],
    ["a task name with a slash", workflow({ ...shell, name: "a/b" })],
    ["an unknown task type", workflow({ ...shell, type: "docker" })],
    ["a task without config", workflow({ name: "t", type: "shell" })],
    ["an unknown task field", workflow({ ...shell, retries: 2 })],
    ["shell config given to an http task", workflow({ ...shell, type: "http" })],
    ["an unknown shell config field", workflow({ ...shell, config: { command: "/bin/true", cmd: "x" } })],
    ["a negative retry", workflow({ ...shell, retry: -1 })],
    ["a fractional timeout", workflow({ ...shell, timeout: 1.5 })],
    ["an http url without a scheme", workflow(http({ url: "example.com/health" }))],
    ["an unknown http method", workflow(http({ method: "FETCH" }))],
    ["a status code out of range", workflow(http({ expected_status: [700] }))],
    ["an ssh task without user", workflow({ name: "s", type: "ssh", config: { host: "pi", command: "uptime" } })],
    ["an ssh host with user@", workflow({ name: "s", type: "ssh", config: { host: "pi@host", user: "pi", command: "uptime" } })],
    ["output that is not true or false", workflow({ ...shell, output: "yes" })],
    ["a handler list that is not a list", workflow(shell, { on_failure: shell })],
    ["a handler task with an unknown field", workflow(shell, { on_exit: [{ ...shell, retries: 1 }] })],
  ])("rejects %s, like valibot", (_, data) => {
    expect(v.safeParse(workflowSchema, data).success).toBe(false);
    expect(validate(data)).toBe(false);
  });

  test.each([
    ["numbers and booleans as shell args", workflow({ ...shell, config: { command: "/bin/echo", args: [1, true, "x"] } })],
    ["a lower-case http method", workflow(http({ method: "post" }))],
    ["an HTTPS url in capitals", workflow(http({ url: "HTTPS://example.com" }))],
    ["any JSON body", workflow(http({ body: { a: [1, 2] } }))],
    ["every optional field", workflow({ ...shell, depends_on: [], retry: 0, timeout: 5, continue_on_failure: true }, { description: "d", schedule: "0 * * * * *", timezone: "UTC", config: { max_parallel: 1, retry_default: 0, timeout_default: 1 } })],
    ["handlers and an output", workflow({ ...shell, output: true }, { on_failure: [{ ...shell, name: "n" }], on_success: [], on_exit: [{ ...shell, name: "e", output: false }] })],
  ])("accepts %s, like valibot", (_, data) => {
    expect(v.safeParse(workflowSchema, data).success).toBe(true);
    expect({ errors: validate(data) ? null : validate.errors }).toEqual({ errors: null });
  });

  test("neither the converter nor the validator is bundled into the CLI", async () => {
    const result = await Bun.build({ entrypoints: [join(ROOT, "src/main.ts")], target: "bun", metafile: true });
    expect(result.success).toBe(true);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((path) => /@valibot[/\\]to-json-schema|[/\\]ajv[/\\]|(^|[/\\])build[/\\]/.test(path))).toEqual([]);
  });
});
