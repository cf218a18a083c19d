import { describe, expect, test } from "bun:test";
import { parseWorkflow } from "../../src/workflow/load.ts";
import type { HttpTask, SshTask } from "../../src/workflow/model.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";
import { problemLines } from "../helpers/problems.ts";

const problems = (yaml: string) => problemLines(yaml, "/w/limits.yaml");

describe("names that must fit in a file name", () => {
  test("a task name over 64 characters is a positioned error", () => {
    const long = "t".repeat(65);
    const lines = problems(`name: ok\ntasks:\n  - name: ${long}\n    type: shell\n    config: {command: /bin/true}\n`);
    expect(lines).toEqual([`error: /w/limits.yaml:3:11: task '${long}': name: must be at most 64 characters (it becomes a file name) (got 65)`]);
  });

  test("a workflow name over 64 characters is a positioned error; 64 is fine", () => {
    const lines = problems(`name: ${"w".repeat(300)}\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("error: /w/limits.yaml:1:7: name: must be at most 64 characters");
    expect(problems(`name: ${"w".repeat(64)}\ntasks:\n  - {name: ${"a".repeat(64)}, type: shell, config: {command: /bin/true}}\n`)).toEqual([]);
  });
});

describe("durations a timer can hold (2^31 ms)", () => {
  const task = (fields: string) => `name: long\ntasks:\n  - {name: a, ${fields}}\n`;

  test("every timeout field above 2147483 s is a positioned error", () => {
    expect(problems(task("type: shell, timeout: 2147484, config: {command: /bin/true}"))).toEqual([
      "error: /w/limits.yaml:3:37: task 'a': timeout: must be at most 2147483 (got 2147484)",
    ]);
    expect(problems(task("type: http, config: {url: 'http://127.0.0.1/', timeout: 99999999999}"))[0]).toMatch(
      /^error: \/w\/limits.yaml:3:\d+: task 'a': config.timeout: must be at most 2147483/,
    );
    expect(problems(task("type: ssh, config: {host: h, user: u, command: c, timeout: 1e12}"))[0]).toMatch(/config.timeout: must be at most 2147483/);
    expect(problems(`name: long\nconfig: {timeout_default: 3000000}\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n`)[0]).toMatch(
      /^error: \/w\/limits.yaml:2:27: config.timeout_default: must be at most 2147483/,
    );
  });

  test("http and ssh config.timeout are capped by [timeout] max_seconds, with a warning", () => {
    const yaml = `name: capped\ntasks:\n  - {name: api, type: http, config: {url: "http://127.0.0.1/", timeout: 7200}}\n  - {name: far, type: ssh, config: {host: h, user: u, command: c, timeout: 7200}}\n`;
    const { workflow, warnings } = parseWorkflow(yaml, "/w/capped.yaml", { ...TEST_DEFAULTS, maxTimeoutSeconds: 3600 });
    expect((workflow.tasks[0] as HttpTask).requestTimeoutMs).toBe(3_600_000);
    expect((workflow.tasks[1] as SshTask).connectTimeoutMs).toBe(3_600_000);
    // Said once for both tasks (issue 11, item 10), at the first one.
    expect(warnings.map((w) => w.message)).toEqual(["timeout 7200s is above [timeout] max_seconds; capped to 3600s (and 1 more task)"]);
  });
});
