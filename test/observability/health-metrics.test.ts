/** The health gauges read the board from fake /proc and /sys files at scrape time; absent readings are absent series. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMetrics } from "../../src/observability/metrics.ts";
import { tempDir } from "../helpers/cli.ts";
import { type FakeBoard, fakeBoard } from "../helpers/fake-board.ts";
import { parseExposition } from "../helpers/exposition.ts";
import { waitFor } from "../helpers/wait-for.ts";

let folder: ReturnType<typeof tempDir>;
let board: FakeBoard;
beforeEach(() => {
  folder = tempDir("picoflow-health-");
  board = fakeBoard(folder.dir);
});
afterEach(() => folder.cleanup());

const HEALTH = [
  "picoflow_system_temperature_celsius",
  "picoflow_system_throttled",
  "picoflow_system_memory_available_bytes",
  "picoflow_system_load1",
  "picoflow_disk_free_bytes",
  "picoflow_history_db_bytes",
  "picoflow_logs_bytes",
];

function metricsOnBoard() {
  const dbPath = join(folder.dir, "picoflow.db");
  const logsDir = join(folder.dir, "logs");
  const metrics = createMetrics({ version: "test", startedAt: new Date(), health: { board: board.paths, dbPath, logsDir } });
  const scrape = async () => parseExposition(await metrics.render());
  const value = async (name: string, labels: Record<string, string> = {}) =>
    (await scrape()).get(name)?.samples.find((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
  return { dbPath, logsDir, scrape, value };
}

test("each health gauge reads its file at scrape time", async () => {
  const { dbPath, logsDir, scrape, value } = metricsOnBoard();
  writeFileSync(dbPath, Buffer.alloc(8192));
  writeFileSync(`${dbPath}-wal`, Buffer.alloc(1000));
  mkdirSync(join(logsDir, "wf", "run1"), { recursive: true });
  writeFileSync(join(logsDir, "wf", "run1", "task.log"), "x".repeat(3000));
  board.setTemperatures(48.5, 71.25);
  board.setMemAvailableKb(250_000);
  board.setLoad1(2.5);
  board.setThrottled("throttled=0x50005");

  const families = await scrape();
  for (const name of HEALTH) expect(families.get(name)?.type).toBe("gauge");
  expect(await value("picoflow_system_temperature_celsius")).toBe(71.25);
  expect(await value("picoflow_system_memory_available_bytes")).toBe(250_000 * 1024);
  expect(await value("picoflow_system_load1")).toBe(2.5);
  expect(await value("picoflow_history_db_bytes")).toBe(9192);
  expect(await value("picoflow_logs_bytes")).toBe(3000);
  expect(await value("picoflow_disk_free_bytes")).toBeGreaterThan(0);
  const throttled = families.get("picoflow_system_throttled")?.samples ?? [];
  expect(throttled).toHaveLength(8);
  const flag = (name: string, when: string) => throttled.find((sample) => sample.labels.flag === name && sample.labels.when === when)?.value;
  expect([flag("under_voltage", "now"), flag("under_voltage", "since_boot")]).toEqual([1, 1]);
  expect([flag("throttled", "now"), flag("throttled", "since_boot")]).toEqual([1, 1]);
  expect([flag("arm_frequency_capped", "now"), flag("soft_temperature_limit", "since_boot")]).toEqual([0, 0]);

  // Scrape time, not start time: a change shows on a later scrape (once the one-second
  // snapshot shared by one scrape's gauges has aged; the costly logs walk is kept 60 s).
  board.setTemperatures(39);
  board.setThrottled("0");
  await waitFor(async () => (await value("picoflow_system_temperature_celsius")) === 39, 10_000, "the new temperature on a scrape");
  expect(await value("picoflow_system_throttled", { flag: "under_voltage", when: "now" })).toBe(0);
}, 30_000);

test("readings this machine does not have, or cannot parse, are absent series, and the scrape still works", async () => {
  const { scrape } = metricsOnBoard();
  board.remove("thermal");
  board.remove("throttled");
  board.remove("meminfo");
  board.writeRaw("loadavg", "garbage\n");
  const families = await scrape();
  for (const name of ["picoflow_system_temperature_celsius", "picoflow_system_throttled", "picoflow_system_memory_available_bytes", "picoflow_system_load1", "picoflow_history_db_bytes", "picoflow_logs_bytes"]) {
    expect(families.get(name)?.samples ?? []).toEqual([]);
  }
  // The rest is still there.
  expect(families.get("picoflow_disk_free_bytes")?.samples).toHaveLength(1);
  expect(families.get("picoflow_info")?.samples).toHaveLength(1);
});

test("without health sources (one run's export) there are no health gauges", async () => {
  const metrics = createMetrics({ version: "test", startedAt: new Date() });
  const families = parseExposition(await metrics.render());
  for (const name of HEALTH) expect(families.has(name)).toBe(false);
});
