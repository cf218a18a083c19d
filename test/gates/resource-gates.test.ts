/**
 * Resource gates through `picoflow run`, with the board's files faked: picoflow.toml's
 * `[system]` points the readers at files this test writes, as a container would.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait-for.ts";

let temp: ReturnType<typeof tempDir>;
let zone: string;
beforeEach(() => {
  temp = tempDir("picoflow-gates-");
  mkdirSync(join(temp.dir, "thermal", "thermal_zone0"), { recursive: true });
  mkdirSync(join(temp.dir, "thermal", "thermal_zone1"), { recursive: true });
  zone = join(temp.dir, "thermal", "thermal_zone1", "temp");
  writeFileSync(join(temp.dir, "thermal", "thermal_zone0", "temp"), "40000\n");
  writeFileSync(zone, "81200\n");
  writeFileSync(join(temp.dir, "meminfo"), "MemTotal: 4000000 kB\nMemAvailable: 204800 kB\n");
  writeFileSync(join(temp.dir, "loadavg"), "0.50 0.40 0.30 1/100 4242\n");
  temp.write(
    "picoflow.toml",
    `[system]\nthermal_glob = "thermal/thermal_zone*/temp"\nmeminfo = "meminfo"\nloadavg = "loadavg"\nthrottled = "throttled"\n[gates]\npoll_seconds = 0.2\n`,
  );
});
afterEach(() => temp.cleanup());

const db = () => join(temp.dir, "picoflow.db");
const cli = (args: string[]) => runCli(["--db-path", db(), ...args], { cwd: temp.dir });

function rowsOf(): { task_name: string; status: string; attempt: number; error: string | null }[] {
  const reader = new Database(db(), { readonly: true });
  try {
    return reader.query("SELECT task_name, status, attempt, error FROM task_executions ORDER BY started_at, attempt").all() as never;
  } finally {
    reader.close();
  }
}

function startRun(file: string) {
  const child = Bun.spawn([...picoflowCommand(), "--db-path", db(), "run", file], {
    cwd: temp.dir,
    env: { ...process.env, PICOFLOW_LOG_FORMAT: "json", PICOFLOW_METRICS_PORT: "0" },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const out = new Response(child.stdout).text();
  const err = new Response(child.stderr).text();
  return { child, done: async () => ({ exitCode: await child.exited, stdout: await out, stderr: await err }) };
}

test("a closed temperature gate holds the task (status shows why, no attempt row); rewriting the file starts it", async () => {
  const file = temp.write(
    "hot.yaml",
    `name: hot\ntasks:\n  - name: compress\n    type: shell\n    gates:\n      max_temperature_c: 75\n    config:\n      command: "true"\n`,
  );
  const run = startRun(file);
  try {
    await holdsThenStarts(run);
  } finally {
    run.child.kill("SIGKILL");
  }
}, 60_000);

async function holdsThenStarts(run: ReturnType<typeof startRun>): Promise<void> {
  const waiting = await waitFor(async () => {
    const status = await cli(["status", "hot", "--format", "json"]);
    const task = JSON.parse(status.stdout || "{}").executions?.[0]?.tasks?.find((t: { name: string }) => t.name === "compress");
    return task?.state === "waiting" ? task : undefined;
  }, 20_000, "the task to wait on its gate");
  expect(waiting).toMatchObject({ state: "waiting", waiting_reason: "temperature 81.2 °C > 75 °C", attempt: null });
  const text = await cli(["status", "hot"]);
  expect(text.stdout).toMatch(/ {2}○ compress \(waiting for [\d.]+s: gate closed: temperature 81\.2 °C > 75 °C\)/);
  expect(rowsOf()).toEqual([]);

  writeFileSync(zone, "50000\n");
  const result = await run.done();
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain("Task 'compress' waiting: temperature 81.2 °C > 75 °C");
  expect(result.stdout).toContain("Task 'compress' completed successfully");
  expect(result.stderr).toContain('"msg":"task waiting: gate closed"');
  expect(rowsOf()).toEqual([{ task_name: "compress", status: "Success", attempt: 1, error: null }]);
}

test("a gate that never opens fails the task after gate_timeout and skips its downstream", async () => {
  const file = temp.write(
    "never.yaml",
    `name: never\nconfig:\n  gate_timeout: 1s\n  gates:\n    max_temperature_c: 75\ntasks:\n  - name: heavy\n    type: shell\n    retry: 3\n    config:\n      command: "true"\n  - name: after\n    type: shell\n    depends_on: [heavy]\n    config:\n      command: "true"\n`,
  );
  const result = await cli(["run", file]);
  expect(result.exitCode).toBe(1);
  expect(result.stdout).toMatch(/Task 'heavy' failed: gate closed: temperature 81\.2 °C > 75 °C \(waited 1(\.\d)?s\)/);
  const rows = rowsOf();
  // No attempt was ever made, so no retry was used either: one Failed row with attempt 0.
  expect(rows.map((row) => [row.task_name, row.status, row.attempt])).toEqual([
    ["heavy", "Failed", 0],
    ["after", "Skipped", 0],
  ]);
  expect(rows[0]?.error).toStartWith("gate closed: temperature 81.2 °C > 75 °C");
}, 60_000);

test("a task waiting on a gate holds no max_parallel slot: another task runs meanwhile and opens it", async () => {
  const file = temp.write(
    "slot.yaml",
    `name: slot\nconfig:\n  max_parallel: 1\ntasks:\n  - name: gated\n    type: shell\n    gate_timeout: 30\n    gates:\n      max_temperature_c: 75\n      min_free_memory_mb: 100\n      max_load: 2\n    config:\n      command: "true"\n  - name: cooler\n    type: shell\n    config:\n      command: "/bin/sh"\n      args: ["-c", "echo 45000 > ${zone}"]\n`,
  );
  const result = await cli(["run", file]);
  expect(result.exitCode).toBe(0);
  expect(rowsOf().map((row) => [row.task_name, row.status, row.attempt])).toEqual([
    ["cooler", "Success", 1],
    ["gated", "Success", 1],
  ]);
}, 60_000);

test("a reading that cannot be taken is a clear warning and the gate stays closed", async () => {
  writeFileSync(zone, "hot!\n");
  const file = temp.write(
    "unreadable.yaml",
    `name: unreadable\ntasks:\n  - name: t\n    type: shell\n    gate_timeout: 1\n    gates:\n      max_temperature_c: 75\n      not_throttled: true\n    config:\n      command: "true"\n`,
  );
  const result = await cli(["run", file]);
  expect(result.exitCode).toBe(1);
  const warnings = result.stderr.split("\n").filter((line) => line.includes("gate stays closed"));
  expect(warnings.some((line) => line.includes(`temperature cannot be read (${zone}: not a temperature in millidegrees: \\"hot!\\")`))).toBe(true);
  expect(warnings.some((line) => line.includes(`throttling flags cannot be read (${join(temp.dir, "throttled")}: not found)`))).toBe(true);
  // Once per cause, not at every poll.
  expect(warnings.length).toBe(2);
  expect(rowsOf()[0]).toMatchObject({ task_name: "t", status: "Failed", attempt: 0 });
}, 60_000);
