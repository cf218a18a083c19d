import { describe, expect, test } from "bun:test";
import { formatUptime } from "../../src/cli/format.ts";

describe("formatUptime, shared by daemon status and the dashboard", () => {
  test("reads like the guide's: days and hours drop the seconds", () => {
    expect(formatUptime(2 * 86400 + 5 * 3600 + 23 * 60 + 7)).toBe("2d 5h 23m");
    expect(formatUptime(5 * 3600 + 60)).toBe("5h 1m");
    expect(formatUptime(83)).toBe("1m 23s");
    expect(formatUptime(4.6)).toBe("4s");
    expect(formatUptime(-3)).toBe("0s");
  });
});
