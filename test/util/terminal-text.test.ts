import { afterAll, expect, test } from "bun:test";
import { MAX_LINE_CHARS, terminalLine } from "../../src/util/terminal-text.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

const folder = tempDir("picoflow-terminal-");
afterAll(() => folder.cleanup());

test("control and bidi characters are shown escaped; long lines are cut with a count", () => {
  expect(terminalLine("a\u001b[2Jb\u202ecba\u2066x\u0007\ty\r")).toBe("a\\x1b[2Jb\\u{202e}cba\\u{2066}x\\x07\\ty\\r");
  expect(terminalLine("x".repeat(1500))).toBe(`${"x".repeat(MAX_LINE_CHARS)}... (500 more characters)`);
  expect(terminalLine("plain text, ünïcode ✓")).toBe("plain text, ünïcode ✓");
});

test("a 100 KB value with terminal escapes in a warning prints as one bounded, escaped line", async () => {
  const command = `\u001b]0;pwned\u0007\u202e${"c".repeat(100_000)}`;
  const file = folder.write("w.yaml", `name: loud\ntasks:\n  - {name: a, type: shell, config: {command: ${JSON.stringify(command)}}}\n`);
  const result = await runCli(["validate", file], { cwd: folder.dir });
  expect(result.exitCode).toBe(0);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("\\x1b]0;pwned\\x07\\u{202e}ccc");
  expect(lines[0]).toMatch(/\.\.\. \(\d+ more characters\)$/);
  expect(lines[0]?.length).toBeLessThan(MAX_LINE_CHARS + 100);
  expect(result.stderr).not.toContain("\u001b");
});

test("the same warning for many tasks is said once", async () => {
  const tasks = Array.from({ length: 30 }, (_, i) => `  - {name: t${i}, type: shell, timeout: 999999, config: {command: /bin/true}}\n`).join("");
  folder.write("picoflow.toml", "[timeout]\nmax_seconds = 60\n");
  const file = folder.write("many.yaml", `name: capped\ntasks:\n${tasks}`);
  const result = await runCli(["validate", file], { cwd: folder.dir });
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toBe(`warning: ${file}:3:38: timeout 999999s is above [timeout] max_seconds; capped to 60s (and 29 more tasks)\n`);
});
