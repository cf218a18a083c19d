/**
 * A real daemon whose `[system]` paths point at fake /proc and /sys files: its /metrics and
 * `daemon status` report what the files say, and leave out what this "machine" lacks.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DaemonState } from "../../src/daemon/state-file.ts";
import { runCli } from "../helpers/cli.ts";
import { fakeBoard } from "../helpers/fake-board.ts";
import { parseExposition } from "../helpers/exposition.ts";
import { daemonDir, executions, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
afterEach(async () => {
  await env.cleanup();
});

test("health metrics and daemon status read the board through [system]; a missing reading is left out", async () => {
  env = daemonDir();
  const board = fakeBoard(env.dir);
  board.setTemperatures(55.5, 62);
  board.setMemAvailableKb(1_048_576);
  board.setLoad1(0.75);
  board.setThrottled("0x50000");
  env.write("picoflow.toml", board.toml);
  const file = env.write("tick.yaml", workflowYaml("tick", "* * * * * *", shellTask("hello", "echo", ["hi"])));
  const db = join(env.dir, "picoflow.db");
  const daemon = env.start([file]);
  await started(daemon);
  await waitFor(() => executions(db, "tick").some((row) => row.status === "Success"), 15_000, "a run (so logs/ exists)");
  const state = JSON.parse(readFileSync(join(env.dir, "picoflow-daemon.json"), "utf8")) as DaemonState;

  const scrape = async () => parseExposition(await (await fetch(state.metricsUrl as string)).text());
  const value = (families: Awaited<ReturnType<typeof scrape>>, name: string) => families.get(name)?.samples[0]?.value;
  let families = await scrape();
  expect(value(families, "picoflow_system_temperature_celsius")).toBe(62);
  expect(value(families, "picoflow_system_memory_available_bytes")).toBe(1024 ** 3);
  expect(value(families, "picoflow_system_load1")).toBe(0.75);
  expect(value(families, "picoflow_disk_free_bytes")).toBeGreaterThan(0);
  expect(value(families, "picoflow_history_db_bytes")).toBeGreaterThan(4096);
  expect(value(families, "picoflow_logs_bytes")).toBeGreaterThan(0);
  const throttled = families.get("picoflow_system_throttled")?.samples ?? [];
  expect(throttled.filter((sample) => sample.value === 1).map((sample) => `${sample.labels.flag}/${sample.labels.when}`)).toEqual(["under_voltage/since_boot", "throttled/since_boot"]);

  const status = await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir });
  expect(status.exitCode).toBe(0);
  const lines = status.stdout.split("\n");
  // Right after the memory lines.
  const systemAt = lines.findIndex((line) => line.startsWith("System: "));
  expect(lines[systemAt - 1]).toMatch(/^(Memory usage|Private memory): /);
  expect(lines[systemAt]).toMatch(/^System: 62\.0 °C, 1\.0 GB memory available, load 0\.75, [\d.]+ [KMGT]B disk free$/);
  expect(lines[systemAt + 1]).toBe("Throttling: under-voltage since boot, throttled since boot");
  expect(lines[systemAt + 2]).toMatch(/^Storage: history [\d.]+ [KM]B, logs [\d.]+ (B|KB)$/);

  // Not a Pi, and no thermal zone: those series and words go, nothing fails.
  board.remove("throttled");
  board.remove("thermal");
  // A later scrape reads the files again (one scrape's gauges share a one-second snapshot).
  families = await waitFor(async () => {
    const fresh = await scrape();
    return fresh.get("picoflow_system_temperature_celsius")?.samples.length === 0 && fresh;
  }, 10_000, "a scrape without the temperature");
  expect(families.get("picoflow_system_temperature_celsius")?.samples).toEqual([]);
  expect(families.get("picoflow_system_throttled")?.samples).toEqual([]);
  expect(value(families, "picoflow_system_load1")).toBe(0.75);
  const after = await runCli(["--db-path", db, "daemon", "status"], { cwd: env.dir });
  expect(after.stdout).toMatch(/\nSystem: 1\.0 GB memory available, load 0\.75, /);
  expect(after.stdout).not.toContain("Throttling:");
  expect(after.stdout).not.toContain("°C");
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);
