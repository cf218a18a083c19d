/** Where the board readers look, and one call that takes every reading at once. */
import { readDiskFree } from "./disk.ts";
import { readLoad1 } from "./load.ts";
import { readMemoryAvailable } from "./memory.ts";
import type { Reading } from "./reading.ts";
import { readHottestTemperature, type Temperature } from "./thermal.ts";
import { readThrottled, type ThrottledFlags } from "./throttled.ts";

/** The `[system]` paths of picoflow.toml; tests and containers point them at files. */
export interface BoardPaths {
  meminfo: string;
  thermalGlob: string;
  loadavg: string;
  throttled: string;
}

export interface BoardReadings {
  memoryAvailableBytes: Reading<number>;
  temperature: Reading<Temperature>;
  load1: Reading<number>;
  throttled: Reading<ThrottledFlags>;
  diskFreeBytes: Reading<number>;
}

/** Takes every reading; `diskPath` is any path on the file system to measure. */
export function readBoard(paths: BoardPaths, diskPath: string): BoardReadings {
  return {
    memoryAvailableBytes: readMemoryAvailable(paths.meminfo),
    temperature: readHottestTemperature(paths.thermalGlob),
    load1: readLoad1(paths.loadavg),
    throttled: readThrottled(paths.throttled),
    diskFreeBytes: readDiskFree(diskPath),
  };
}
