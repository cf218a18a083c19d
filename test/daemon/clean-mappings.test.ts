/** Which mappings the idle release may drop: only the executable's own clean, read-only pages. */
import { expect, test } from "bun:test";
import { parseSmaps, releasableMappings } from "../../src/daemon/clean-mappings.ts";

const EXE = "/usr/local/bin/picoflow";
const mapping = (range: string, perms: string, path: string, rssKb: number, anonymousKb: number) =>
  `${range} ${perms} 00000000 fe:00 42 ${path}\nSize:             1024 kB\nRss:            ${rssKb} kB\nPss:            ${rssKb} kB\nAnonymous:      ${anonymousKb} kB\nVmFlags: rd ex mr mw me\n`;

const SMAPS = [
  mapping("00200000-01a39000", "r--p", EXE, 1856, 0), // read-only data: released
  mapping("01a40000-0684a000", "r-xp", EXE, 9176, 0), // code: released
  mapping("06850000-06867000", "r--p", EXE, 32, 12), // relocated, then made read-only: holds private copies
  mapping("06867000-06f93000", "rw-p", EXE, 5132, 116), // writable data
  mapping("06f93000-06f94000", "r--p", EXE, 0, 0), // nothing resident
  mapping("7fd25b3ab000-7fd25b501000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 1108, 0), // another file
  mapping("587cec00000-5880ec00000", "rw-p", "", 9836, 9836), // the heap
].join("");

test("parses each mapping's range, permissions, path, Rss and Anonymous", () => {
  const parsed = parseSmaps(SMAPS);
  expect(parsed).toHaveLength(7);
  expect(parsed[1]).toEqual({ start: 0x1a40000n, end: 0x684a000n, perms: "r-xp", path: EXE, rssKb: 9176, anonymousKb: 0 });
  expect(parsed[6]?.path).toBe("");
});

test("only the executable's resident, read-only mappings without private copies are released", () => {
  const chosen = releasableMappings(parseSmaps(SMAPS), EXE).map((m) => `${m.perms} ${m.start.toString(16)}`);
  expect(chosen).toEqual(["r--p 200000", "r-xp 1a40000"]);
});

test("a replaced binary still matches: /proc/self/exe and smaps both say (deleted)", () => {
  const deleted = `${EXE} (deleted)`;
  const smaps = mapping("01a40000-0684a000", "r-xp", deleted, 9176, 0);
  expect(releasableMappings(parseSmaps(smaps), deleted)).toHaveLength(1);
  expect(releasableMappings(parseSmaps(smaps), EXE)).toHaveLength(0);
});
