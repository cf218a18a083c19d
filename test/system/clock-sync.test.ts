/** When the daemon trusts the wall clock: real flag files, the real adjtimex call, a mocked far-away clock. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDate, type ClockSignals, clockVerdict, kernelClockSync } from "../../src/system/clock-sync.ts";
import { tempDir } from "../helpers/cli.ts";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir("picoflow-clock-");
});
afterEach(() => temp.cleanup());

const BUILT = new Date("2026-06-01T00:00:00Z");
function signals(overrides: Partial<ClockSignals> = {}): ClockSignals {
  return { now: () => new Date("2026-06-02T00:00:00Z"), buildDate: BUILT, syncedFile: join(temp.dir, "no-timesyncd", "synchronized"), kernelSynced: () => false, ...overrides };
}

test("a clock earlier than the build is never trusted, except with ignore", () => {
  // The one mock: a board that booted without a real-time clock, in 1970.
  const booted = signals({ now: () => new Date(0), kernelSynced: () => true });
  expect(clockVerdict("auto", booted)).toEqual({ trusted: false, reason: "the clock (1970-01-01T00:00:00.000Z) is earlier than this build (2026-06-01T00:00:00.000Z)" });
  expect(clockVerdict("wait", booted).trusted).toBe(false);
  expect(clockVerdict("ignore", booted).trusted).toBe(true);
});

test("where timesyncd runs, its flag file decides", () => {
  const folder = join(temp.dir, "timesync");
  mkdirSync(folder);
  const flag = join(folder, "synchronized");
  const withTimesyncd = signals({ syncedFile: flag, kernelSynced: () => true });
  expect(clockVerdict("auto", withTimesyncd)).toEqual({ trusted: false, reason: `${flag} does not exist yet` });
  expect(clockVerdict("wait", withTimesyncd).trusted).toBe(false);
  writeFileSync(flag, "");
  expect(clockVerdict("auto", withTimesyncd)).toEqual({ trusted: true });
  expect(clockVerdict("wait", withTimesyncd)).toEqual({ trusted: true });
});

test("without timesyncd, wait asks the kernel and auto trusts the clock", () => {
  expect(clockVerdict("auto", signals())).toEqual({ trusted: true });
  expect(clockVerdict("wait", signals({ kernelSynced: () => true }))).toEqual({ trusted: true });
  expect(clockVerdict("wait", signals())).toMatchObject({ trusted: false, reason: expect.stringContaining("the kernel reports the clock unsynchronised") });
  expect(clockVerdict("wait", signals({ kernelSynced: () => undefined }))).toMatchObject({ trusted: false, reason: expect.stringContaining("cannot be read") });
});

test("the kernel's state is read through adjtimex, and a source build trusts no clock before 2026", () => {
  // Whatever this machine's NTP state is, the call works and answers yes or no.
  expect(typeof kernelClockSync()()).toBe("boolean");
  expect(buildDate().getTime()).toBeGreaterThanOrEqual(Date.parse("2026-01-01T00:00:00Z"));
});
