import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readBoard } from "../../src/system/board.ts";
import { readDiskFree } from "../../src/system/disk.ts";
import { readLoad1 } from "../../src/system/load.ts";
import { readMemoryAvailable } from "../../src/system/memory.ts";
import { valueOf } from "../../src/system/reading.ts";
import { readHottestTemperature } from "../../src/system/thermal.ts";
import { anyThrottledNow, readThrottled } from "../../src/system/throttled.ts";
import { tempDir } from "../helpers/cli.ts";
import { fakeBoard, type FakeBoard } from "../helpers/fake-board.ts";

let folder: ReturnType<typeof tempDir>;
let board: FakeBoard;
beforeEach(() => {
  folder = tempDir("picoflow-board-");
  board = fakeBoard(folder.dir);
});
afterEach(() => folder.cleanup());

describe("free memory", () => {
  test("is MemAvailable in bytes", () => {
    board.setMemAvailableKb(512_000);
    expect(readMemoryAvailable(board.paths.meminfo)).toEqual({ kind: "ok", value: 512_000 * 1024, source: board.paths.meminfo });
  });
  test("a missing file is absent, a file without MemAvailable is unreadable", () => {
    board.remove("meminfo");
    expect(readMemoryAvailable(board.paths.meminfo).kind).toBe("absent");
    board.writeRaw("meminfo", "MemTotal: 100 kB\n");
    expect(readMemoryAvailable(board.paths.meminfo)).toMatchObject({ kind: "unreadable", reason: "no MemAvailable line" });
  });
});

describe("hottest thermal zone", () => {
  test("is the largest zone, in degrees Celsius", () => {
    board.setTemperatures(41.2, 67.8, 55);
    const reading = readHottestTemperature(board.paths.thermalGlob);
    expect(valueOf(reading)?.celsius).toBe(67.8);
    expect(valueOf(reading)?.zone).toBe(join(folder.dir, "board", "thermal", "thermal_zone1", "temp"));
  });
  test("follows zone folders that are symbolic links, as /sys/class/thermal has them", () => {
    const real = join(folder.dir, "devices", "zone-a");
    mkdirSync(real, { recursive: true });
    writeFileSync(join(real, "temp"), "72500\n");
    board.setTemperatures();
    symlinkSync(real, join(folder.dir, "board", "thermal", "thermal_zone0"));
    expect(valueOf(readHottestTemperature(board.paths.thermalGlob))?.celsius).toBe(72.5);
  });
  test("no zone (or no folder) is absent; a zone with garbage is unreadable", () => {
    board.setTemperatures();
    expect(readHottestTemperature(board.paths.thermalGlob).kind).toBe("absent");
    board.remove("thermal");
    expect(readHottestTemperature(board.paths.thermalGlob).kind).toBe("absent");
    expect(readHottestTemperature(join(folder.dir, "nowhere", "zone*", "temp")).kind).toBe("absent");
    board.setTemperatures(40, 50);
    writeFileSync(join(folder.dir, "board", "thermal", "thermal_zone1", "temp"), "hot\n");
    expect(readHottestTemperature(board.paths.thermalGlob)).toMatchObject({ kind: "unreadable" });
  });
  test("a negative temperature parses", () => {
    board.setTemperatures(-5.5);
    expect(valueOf(readHottestTemperature(board.paths.thermalGlob))?.celsius).toBe(-5.5);
  });
});

describe("load average", () => {
  test("is the first field of loadavg", () => {
    board.setLoad1(3.75);
    expect(valueOf(readLoad1(board.paths.loadavg))).toBe(3.75);
  });
  test("absent when missing, unreadable when not a number", () => {
    board.remove("loadavg");
    expect(readLoad1(board.paths.loadavg).kind).toBe("absent");
    board.writeRaw("loadavg", "busy\n");
    expect(readLoad1(board.paths.loadavg).kind).toBe("unreadable");
  });
});

describe("Raspberry Pi throttling flags", () => {
  test("decodes each firmware bit, now and since boot, in every printed form", () => {
    for (const text of ["50005", "0x50005", "throttled=0x50005"]) {
      board.setThrottled(text);
      expect(valueOf(readThrottled(board.paths.throttled))).toEqual({
        under_voltage: { now: true, sinceBoot: true },
        arm_frequency_capped: { now: false, sinceBoot: false },
        throttled: { now: true, sinceBoot: true },
        soft_temperature_limit: { now: false, sinceBoot: false },
      });
    }
    board.setThrottled("0xA0002");
    const flags = valueOf(readThrottled(board.paths.throttled))!;
    expect(flags.arm_frequency_capped).toEqual({ now: true, sinceBoot: true });
    expect(flags.soft_temperature_limit).toEqual({ now: false, sinceBoot: true });
    expect(flags.under_voltage).toEqual({ now: false, sinceBoot: false });
    expect(anyThrottledNow(flags)).toBe(true);
  });
  test("only since-boot bits mean nothing is throttled now", () => {
    board.setThrottled("0xf0000");
    expect(anyThrottledNow(valueOf(readThrottled(board.paths.throttled))!)).toBe(false);
    board.setThrottled("0");
    expect(anyThrottledNow(valueOf(readThrottled(board.paths.throttled))!)).toBe(false);
  });
  test("not a Pi is absent; something that is not hex is unreadable", () => {
    board.remove("throttled");
    expect(readThrottled(board.paths.throttled).kind).toBe("absent");
    for (const text of ["throttled=", "0xZZ", "yes", ""]) {
      board.writeRaw("throttled", text);
      expect(readThrottled(board.paths.throttled).kind).toBe("unreadable");
    }
  });
});

describe("free disk", () => {
  test("statfs of a path gives a plausible byte count", () => {
    const reading = readDiskFree(folder.dir);
    expect(reading.kind).toBe("ok");
    expect(valueOf(reading)).toBeGreaterThan(0);
  });
  test("a path that does not exist is absent", () => {
    expect(readDiskFree(join(folder.dir, "missing", "db")).kind).toBe("absent");
  });
});

test("readBoard takes every reading from the configured paths", () => {
  board.setMemAvailableKb(1000);
  board.setTemperatures(60);
  board.setLoad1(1.5);
  board.setThrottled("0x1");
  const readings = readBoard(board.paths, folder.dir);
  expect(valueOf(readings.memoryAvailableBytes)).toBe(1_024_000);
  expect(valueOf(readings.temperature)?.celsius).toBe(60);
  expect(valueOf(readings.load1)).toBe(1.5);
  expect(valueOf(readings.throttled)?.under_voltage.now).toBe(true);
  expect(readings.diskFreeBytes.kind).toBe("ok");
});
