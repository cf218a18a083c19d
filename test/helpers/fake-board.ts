/** Real files standing in for /proc and /sys, so board readings can be set by a test. */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BoardPaths } from "../../src/system/board.ts";

export interface FakeBoard {
  paths: BoardPaths;
  /** The `[system]` section of a picoflow.toml pointing at these files. */
  toml: string;
  setMemAvailableKb(kb: number): void;
  /** One value per thermal zone, in degrees Celsius. */
  setTemperatures(...celsius: number[]): void;
  setLoad1(load: number): void;
  setThrottled(text: string): void;
  /** Removes a reading's file(s), as on a machine that does not have it. */
  remove(reading: "meminfo" | "thermal" | "loadavg" | "throttled"): void;
  /** Writes raw text where a reading is (to test unparseable files). */
  writeRaw(reading: "meminfo" | "loadavg" | "throttled", text: string): void;
}

export function fakeBoard(dir: string): FakeBoard {
  const root = join(dir, "board");
  const thermalRoot = join(root, "thermal");
  mkdirSync(thermalRoot, { recursive: true });
  const paths: BoardPaths = {
    meminfo: join(root, "meminfo"),
    thermalGlob: join(thermalRoot, "thermal_zone*", "temp"),
    loadavg: join(root, "loadavg"),
    throttled: join(root, "get_throttled"),
  };
  const rawPath = { meminfo: paths.meminfo, loadavg: paths.loadavg, throttled: paths.throttled };
  const board: FakeBoard = {
    paths,
    toml: [
      "[system]",
      `meminfo = ${JSON.stringify(paths.meminfo)}`,
      `thermal_glob = ${JSON.stringify(paths.thermalGlob)}`,
      `loadavg = ${JSON.stringify(paths.loadavg)}`,
      `throttled = ${JSON.stringify(paths.throttled)}`,
      "",
    ].join("\n"),
    setMemAvailableKb: (kb) =>
      writeFileSync(paths.meminfo, `MemTotal:        3884376 kB\nMemFree:          123456 kB\nMemAvailable:   ${kb} kB\nBuffers:           1234 kB\n`),
    setTemperatures: (...celsius) => {
      rmSync(thermalRoot, { recursive: true, force: true });
      mkdirSync(thermalRoot, { recursive: true });
      celsius.forEach((value, index) => {
        const zone = join(thermalRoot, `thermal_zone${index}`);
        mkdirSync(zone, { recursive: true });
        writeFileSync(join(zone, "temp"), `${Math.round(value * 1000)}\n`);
      });
    },
    setLoad1: (load) => writeFileSync(paths.loadavg, `${load.toFixed(2)} 0.52 0.18 2/103 15265\n`),
    setThrottled: (text) => writeFileSync(paths.throttled, `${text}\n`),
    remove: (reading) => {
      if (reading === "thermal") rmSync(thermalRoot, { recursive: true, force: true });
      else rmSync(rawPath[reading], { force: true });
    },
    writeRaw: (reading, text) => writeFileSync(rawPath[reading], text),
  };
  board.setMemAvailableKb(2_000_000);
  board.setTemperatures(45.5);
  board.setLoad1(0.25);
  board.setThrottled("0");
  return board;
}

/** Makes a file exist but be unreadable (not for root, which reads anything). */
export function makeUnreadable(path: string): void {
  chmodSync(path, 0o000);
}
