/** Each gate's reading and the reason it gives when closed, from real files and a real statfs. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { closedReason, resourceGate } from "../../src/gates/resource-gate.ts";
import type { BoardPaths } from "../../src/system/board.ts";
import type { Gate, Task } from "../../src/workflow/model.ts";
import { tempDir } from "../helpers/cli.ts";

let temp: ReturnType<typeof tempDir>;
let paths: BoardPaths;
const warnings: string[] = [];
beforeEach(() => {
  temp = tempDir("picoflow-gate-");
  warnings.length = 0;
  paths = {
    meminfo: temp.write("meminfo", "MemTotal: 4000000 kB\nMemAvailable: 204800 kB\n"),
    thermalGlob: join(temp.dir, "zone*"),
    loadavg: temp.write("loadavg", "3.25 1.00 0.50 2/300 999\n"),
    throttled: temp.write("throttled", "50005\n"),
  };
  writeFileSync(join(temp.dir, "zone0"), "62500\n");
});
afterEach(() => temp.cleanup());

const reason = (gate: Gate) => closedReason(gate, paths, (message) => warnings.push(message));

test("free memory from MemAvailable", () => {
  expect(reason({ kind: "free-memory", minMb: 256 })).toBe("free memory 200 MB < 256 MB");
  expect(reason({ kind: "free-memory", minMb: 200 })).toBeUndefined();
});

test("the hottest zone, the 1-minute load and the throttling bits now", () => {
  expect(reason({ kind: "temperature", maxCelsius: 60 })).toBe("temperature 62.5 °C > 60 °C");
  expect(reason({ kind: "temperature", maxCelsius: 70 })).toBeUndefined();
  expect(reason({ kind: "load", max: 2 })).toBe("load 3.25 > 2");
  expect(reason({ kind: "load", max: 4 })).toBeUndefined();
  // 0x50005: under-voltage and throttled now (bits 0 and 2); the high bits are "since boot".
  expect(reason({ kind: "not-throttled" })).toBe("throttled now: under_voltage, throttled");
  writeFileSync(paths.throttled, "50000\n");
  expect(reason({ kind: "not-throttled" })).toBeUndefined();
});

test("free disk through statfs on the gate's path", () => {
  expect(reason({ kind: "free-disk", minMb: 0, path: temp.dir })).toBeUndefined();
  expect(reason({ kind: "free-disk", minMb: 1e12, path: temp.dir })).toMatch(new RegExp(`^free disk \\d+ MB < 1000000000000 MB on ${temp.dir}$`));
  expect(reason({ kind: "free-disk", minMb: 1, path: join(temp.dir, "no-such-folder") })).toBe(`free disk cannot be read (${join(temp.dir, "no-such-folder")}: not found)`);
  expect(warnings).toEqual([`gate stays closed: free disk cannot be read (${join(temp.dir, "no-such-folder")}: not found)`]);
});

test("a reading that keeps failing is warned about once, and again when it fails after recovering", () => {
  const gate = resourceGate(paths, 100, (message) => warnings.push(message));
  const task = { name: "hot", gates: [{ kind: "temperature", maxCelsius: 70 }] } as unknown as Task;
  writeFileSync(join(temp.dir, "zone0"), "oops\n");
  const broken = `temperature cannot be read (${join(temp.dir, "zone0")}: not a temperature in millidegrees: "oops")`;
  expect(gate.check(task)).toBe(broken);
  expect(gate.check(task)).toBe(broken);
  expect(warnings).toEqual([`gate stays closed: ${broken}`]);
  writeFileSync(join(temp.dir, "zone0"), "65000\n");
  expect(gate.check(task)).toBeUndefined();
  writeFileSync(join(temp.dir, "zone0"), "oops\n");
  expect(gate.check(task)).toBe(broken);
  expect(warnings).toHaveLength(2);
});
