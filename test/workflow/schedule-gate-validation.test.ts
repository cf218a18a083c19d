/** `picoflow validate` on catch-up, gate and duration fields: every bad value at its file:line:col, exit 2. */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { TEST_DEFAULTS } from "../helpers/engine.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";

setDefaultTimeout(60_000);

const tmp = tempDir("picoflow-validate-gates-");
afterAll(() => tmp.cleanup());

test("negative sizes, unknown gate names, catchup: sometimes and bad durations are positioned errors", async () => {
  const file = tmp.write(
    "bad.yaml",
    `name: bad
catchup: sometimes
catchup_window: 2 weeks
config:
  gate_timeout: -5
  gates:
    min_free_memory_mb: -1
    max_humidity: 50
tasks:
  - name: t
    type: shell
    gate_timeout: 15x
    gates:
      min_free_disk_mb: -10
      max_load: -0.5
      not_throttled: "yes"
    config:
      command: "true"
`,
  );
  const result = await runCli(["validate", file], { cwd: tmp.dir });
  expect(result.exitCode).toBe(2);
  const errors = result.stderr.split("\n").filter((line) => line.startsWith("error: ")).map((line) => line.replace(file, "F"));
  expect(errors.sort()).toEqual(
    [
      'error: F:2:10: catchup: must be one of none, latest, all (got "sometimes")',
      'error: F:3:17: catchup_window: must be seconds as a number or a duration such as "90s", "15m", "6h", "2d" (got "2 weeks")',
      "error: F:5:17: config.gate_timeout: must be at least 1s (got -5)",
      "error: F:7:25: config.gates.min_free_memory_mb: must not be negative (got -1)",
      'error: F:8:5: config.gates: unknown field "max_humidity"',
      `error: F:12:19: task 't': gate_timeout: must be seconds as a number or a duration such as "90s", "15m", "6h", "2d" (got "15x")`,
      "error: F:14:25: task 't': gates.min_free_disk_mb: must not be negative (got -10)",
      "error: F:15:17: task 't': gates.max_load: must not be negative (got -0.5)",
      `error: F:16:22: task 't': gates.not_throttled: expected true or false, got "yes"`,
    ].sort(),
  );
});

test("durations as seconds or with a unit; a task's gates win field by field over the workflow's", () => {
  const { workflow } = parseWorkflow(
    `name: good
schedule: "0 */5 * * * *"
catchup: all
catchup_window: 2d
config:
  gate_timeout: 15m
  gates:
    max_temperature_c: 75
    min_free_disk_mb: 500
    disk_path: data
tasks:
  - name: a
    type: shell
    config:
      command: "true"
  - name: b
    type: shell
    timeout: 60
    gate_timeout: 90
    gates:
      max_temperature_c: 70
      not_throttled: true
    config:
      command: "true"
  - name: c
    type: shell
    gate_timeout: 1.5h
    config:
      command: "true"
`,
    "/srv/flows/good.yaml",
    TEST_DEFAULTS,
  );
  expect(workflow.catchup).toEqual({ mode: "all", windowMs: 2 * 86_400_000 });
  const [a, b, c] = workflow.tasks;
  expect(a?.gateTimeoutMs).toBe(15 * 60_000);
  expect(a?.gates).toEqual([
    { kind: "temperature", maxCelsius: 75 },
    { kind: "free-disk", minMb: 500, path: "/srv/flows/data" },
  ]);
  expect(b?.gateTimeoutMs).toBe(90_000);
  expect(b?.gates).toEqual([
    { kind: "temperature", maxCelsius: 70 },
    { kind: "free-disk", minMb: 500, path: "/srv/flows/data" },
    { kind: "not-throttled" },
  ]);
  expect(c?.gateTimeoutMs).toBe(1.5 * 3600_000);
});

test("without gate_timeout a task waits as long as its timeout; the default catch-up is latest within 24h", () => {
  const { workflow } = parseWorkflow(
    `name: plain\ntasks:\n  - name: a\n    type: shell\n    timeout: 42\n    config:\n      command: "true"\n`,
    "/srv/plain.yaml",
    TEST_DEFAULTS,
  );
  expect(workflow.tasks[0]?.gateTimeoutMs).toBe(42_000);
  expect(workflow.tasks[0]?.gates).toEqual([]);
  expect(workflow.catchup).toEqual({ mode: "latest", windowMs: 86_400_000 });
});

test("disk_path without min_free_disk_mb is a positioned warning: it would measure nothing", () => {
  const { warnings } = parseWorkflow(
    `name: lonely\nconfig:\n  gates:\n    disk_path: /srv\ntasks:\n  - name: a\n    type: shell\n    gates:\n      disk_path: /data\n    config:\n      command: /bin/true\n`,
    "/srv/lonely.yaml",
    TEST_DEFAULTS,
  );
  expect(warnings.map((warning) => [warning.message, warning.position?.line])).toEqual([
    ["config.gates.disk_path has no effect without min_free_disk_mb", 4],
    ["task 'a': gates.disk_path has no effect without min_free_disk_mb", 9],
  ]);
});
