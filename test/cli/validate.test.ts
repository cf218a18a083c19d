import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

const INVALID = resolve(import.meta.dir, "../fixtures/invalid");
const EXAMPLES = resolve(import.meta.dir, "../../examples");

/** Each malformed file, the line:column it must point at, and what the message must say. */
const MALFORMED: Record<string, [string, RegExp]> = {
  "yaml-syntax.yaml": ["6:1", /YAML syntax: Flow sequence/],
  "empty-file.yaml": ["", /the file is empty/],
  "top-level-list.yaml": ["1:1", /top level must be a mapping/],
  "missing-name.yaml": ["1:1", /missing required field "name"/],
  "bad-workflow-name.yaml": ["1:7", /name: must contain only letters/],
  "missing-tasks.yaml": ["1:1", /missing required field "tasks"/],
  "empty-tasks.yaml": ["2:8", /tasks: must list at least one task/],
  "tasks-not-list.yaml": ["3:3", /tasks: expected a list/],
  "unknown-top-field.yaml": ["2:1", /unknown field "schedual"/],
  "unknown-task-field.yaml": ["6:5", /task 'a': unknown field "retries"/],
  "unknown-config-field.yaml": ["7:7", /task 'a': config: unknown field "arguments"/],
  "task-missing-name.yaml": ["3:5", /tasks\[0\]: missing required field "name"/],
  "task-missing-type.yaml": ["3:5", /task 'a': missing required field "type"/],
  "unknown-task-type.yaml": ["4:11", /type: must be one of "shell", "ssh", "http" \(got "docker"\)/],
  "task-missing-config.yaml": ["3:5", /task 'a': missing required field "config"/],
  "shell-missing-command.yaml": ["5:13", /config: missing required field "command"/],
  "retry-not-number.yaml": ["6:12", /retry: expected a number, got "three"/],
  "retry-negative.yaml": ["6:12", /retry: must be at least 0/],
  "timeout-zero.yaml": ["6:14", /timeout: must be at least 1/],
  "max-parallel-zero.yaml": ["3:17", /config.max_parallel: must be at least 1/],
  "args-not-list.yaml": ["5:40", /config.args: expected a list/],
  "continue-not-bool.yaml": ["6:26", /continue_on_failure: expected true or false/],
  "depends-not-list.yaml": ["5:17", /depends_on: expected a list/],
  "duplicate-task.yaml": ["6:11", /duplicate task name 'a'/],
  "unknown-dependency.yaml": ["5:18", /task 'a' depends on unknown task 'ghost'/],
  "cycle.yaml": ["5:17", /dependency cycle: a -> c -> b -> a/],
  "self-dependency.yaml": ["5:18", /task 'a' depends on itself/],
  "bad-cron.yaml": ["2:11", /schedule: .*Invalid value for hour/],
  "cron-field-count.yaml": ["2:11", /has 3 fields; expected 6/],
  "bad-timezone.yaml": ["3:11", /unknown time zone "Mars\/Olympus"/],
  "duplicate-key.yaml": ["2:1", /Map keys must be unique/],
  "http-bad-url.yaml": ["5:19", /config.url: must be a full http/],
  "http-bad-method.yaml": ["5:53", /config.method: must be one of GET/],
  "ssh-bad-port.yaml": ["5:64", /config.port: must be at most 65535/],
  "bad-task-name.yaml": ["3:11", /name: must contain only letters/],
  "env-not-text.yaml": ["5:43", /config.env.A: must be a string/],
  "tab-indent.yaml": ["2:1", /Tabs are not allowed/],
};

describe("malformed workflow files", () => {
  test("every fixture has an expectation", () => {
    expect(readdirSync(INVALID).sort()).toEqual(Object.keys(MALFORMED).sort());
  });

  for (const [file, [position, message]] of Object.entries(MALFORMED)) {
    test(`${file}: exit 2 and a positioned one-line message`, async () => {
      const result = await runCli(["validate", file], { cwd: INVALID });
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trimEnd().split("\n");
      const where = position ? `${file}:${position}: ` : `${file}: `;
      expect(lines[0]?.startsWith(`error: ${where}`)).toBe(true);
      expect(lines[0]).toMatch(message);
      // No stack traces, ever.
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  }

  test("run refuses an invalid file the same way, before recording anything", async () => {
    const folder = tempDir();
    try {
      const result = await runCli(["run", join(INVALID, "cycle.yaml"), "--db-path", join(folder.dir, "h.db")]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("dependency cycle: a -> c -> b -> a");
      expect(readdirSync(folder.dir)).toEqual([]);
    } finally {
      folder.cleanup();
    }
  });
});

describe("validate", () => {
  const folder = tempDir();
  afterAll(() => folder.cleanup());

  test("reports every problem of a file at once", async () => {
    const file = folder.write(
      "many.yaml",
      "name: many\ntasks:\n  - name: a\n    type: shell\n    retry: -2\n    config: {command: /bin/true, bogus: 1}\n  - name: b\n    type: http\n    config: {url: nope}\n",
    );
    const result = await runCli(["validate", file]);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.join("\n")).toContain("retry: must be at least 0");
    expect(lines.join("\n")).toContain('unknown field "bogus"');
    expect(lines.join("\n")).toContain("config.url: must be a full http");
  });

  test("schema and graph problems of different tasks come out in one pass", async () => {
    const file = folder.write(
      "mixed.yaml",
      [
        "name: mixed",
        "tasks:",
        "  - name: probe",
        "    type: http",
        "    config: {url: not-a-url}",
        "  - name: load",
        "    type: shell",
        "    depends_on: [probe, ghost]",
        "    config: {command: /bin/true}",
        "  - name: load",
        "    type: shell",
        "    retry: many",
        "    config: {command: /bin/true}",
        "  - name: x",
        "    type: shell",
        "    depends_on: [y]",
        "    config: {command: /bin/true}",
        "  - name: y",
        "    type: shell",
        "    depends_on: [x]",
        "    config: {command: /bin/true}",
        "",
      ].join("\n"),
    );
    const result = await runCli(["validate", file]);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      `error: ${file}:5:19: task 'probe': config.url: must be a full http:// or https:// URL (got "not-a-url")`,
      `error: ${file}:12:12: task 'load': retry: expected a number, got "many"`,
      `error: ${file}:10:11: duplicate task name 'load' (first defined as tasks[1])`,
      `error: ${file}:8:25: task 'load' depends on unknown task 'ghost'`,
      `error: ${file}:16:17: dependency cycle: x -> y -> x ("->" reads "depends on")`,
    ]);
  });

  test("a cycle message says which way its arrows point", async () => {
    const result = await runCli(["validate", join(INVALID, "cycle.yaml")]);
    expect(result.stderr).toContain('dependency cycle: a -> c -> b -> a ("->" reads "depends on")');
  });

  test("prints the summary and the execution order by level", async () => {
    const result = await runCli(["validate", join(EXAMPLES, "parallel-example.yaml")]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        "Workflow 'parallel-example' is valid",
        "Tasks: 4",
        "Dependencies validated: No cycles detected",
        "Max parallel levels: 2",
        "Execution order: task_a, task_b, task_c -> summary",
        "",
      ].join("\n"),
    );
  });

  test("a chain prints first -> second -> third", async () => {
    const file = folder.write(
      "chain.yaml",
      "name: chain\ntasks:\n  - {name: first, type: shell, config: {command: /bin/true}}\n  - {name: second, type: shell, depends_on: [first], config: {command: /bin/true}}\n  - {name: third, type: shell, depends_on: [second], config: {command: /bin/true}}\n",
    );
    const result = await runCli(["validate", file]);
    expect(result.stdout).toContain("Execution order: first -> second -> third\n");
    expect(result.stdout).toContain("Max parallel levels: 3\n");
  });

  test("warns, without failing, about commands looked up on PATH", async () => {
    const result = await runCli(["validate", join(EXAMPLES, "hello-world.yaml")]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`warning: ${join(EXAMPLES, "hello-world.yaml")}:9:16: task 'say_hello': command "echo" is not an absolute path`);
  });

  test("a missing file or a folder is a one-line usage error", async () => {
    const missing = await runCli(["validate", "/no/such/file.yaml"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("error: cannot read workflow file /no/such/file.yaml: no such file\n");
    const dir = await runCli(["validate", folder.dir]);
    expect(dir.exitCode).toBe(2);
    expect(dir.stderr).toContain("is a directory");
  });

  test("every example validates", async () => {
    for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith(".yaml"))) {
      const result = await runCli(["validate", join(EXAMPLES, file)]);
      expect({ file, code: result.exitCode, err: result.exitCode ? result.stderr : "" }).toEqual({ file, code: 0, err: "" });
    }
  });
});
