import { expect, test } from "bun:test";
import { formatBytes, healthLines } from "../../src/cli/health-lines.ts";
import { absent, ok, unreadable } from "../../src/system/reading.ts";
import { decodeThrottled } from "../../src/system/throttled.ts";

test("health lines show readings, name unreadable ones, and leave absent ones out", () => {
  expect(
    healthLines({
      temperature: unreadable("/sys/class/thermal/thermal_zone0/temp", 'not a temperature in millidegrees: "hot"'),
      memoryAvailableBytes: ok(512 * 1024 * 1024, "/proc/meminfo"),
      load1: absent("/proc/loadavg"),
      diskFreeBytes: ok(3 * 1024 ** 3, "/var/lib/picoflow"),
      throttled: ok(decodeThrottled(0x0), "/sys/.../get_throttled"),
      historyDbBytes: ok(2048, "/var/lib/picoflow/picoflow.db"),
      logsBytes: absent("/var/lib/picoflow/logs"),
    }),
  ).toEqual([
    'System: temperature unreadable (/sys/class/thermal/thermal_zone0/temp: not a temperature in millidegrees: "hot"), 512.0 MB memory available, 3.0 GB disk free',
    "Throttling: none since boot",
    "Storage: history 2.0 KB",
  ]);
});

test("a machine with none of the readings gets no health lines", () => {
  const none = absent<never>("x");
  expect(healthLines({ temperature: none, memoryAvailableBytes: none, load1: none, diskFreeBytes: none, throttled: none, historyDbBytes: none, logsBytes: none })).toEqual([]);
});

test("formatBytes", () => {
  expect([formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(5 * 1024 ** 4)]).toEqual(["0 B", "1023 B", "1.5 KB", "5.0 TB"]);
});
