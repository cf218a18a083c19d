/**
 * Inputs built to make a parser work hard: each must fail with exit 2 and one clear message,
 * in bounded time and memory (peak RSS of the real CLI, its own: see test/helpers/peak-rss.ts).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { MAX_REPORTED_ISSUES } from "../../src/errors.ts";
import { picoflowCommand, tempDir } from "../helpers/cli.ts";
import { runMeasured } from "../helpers/peak-rss.ts";

const folder = tempDir("picoflow-pathological-");
afterAll(() => folder.cleanup());

/** Generous: a 512 MB board must survive every one of these with room to spare. */
const MAX_RSS_BYTES = 400 * 1024 * 1024;
const MAX_SECONDS = 30;

async function validate(name: string, text: string) {
  const file = folder.write(name, text);
  const started = performance.now();
  const { stdout, stderr, exitCode, peakRssBytes } = await runMeasured([...picoflowCommand(), "validate", file], {
    env: { ...process.env, PICOFLOW_DB_PATH: join(folder.dir, "none.db") },
  });
  const seconds = (performance.now() - started) / 1000;
  return { file, stdout, stderr, exitCode, seconds, rssBytes: peakRssBytes };
}

test("the memory figure is the command's own, not the test runner's", async () => {
  // Bun.spawn's maxRSS would read at least this much for any child (see test/helpers/peak-rss.ts).
  const held = new Uint8Array(200 * 1024 * 1024).fill(1);
  const { exitCode, peakRssBytes } = await runMeasured(["/bin/true"]);
  expect(exitCode).toBe(0);
  expect(peakRssBytes).toBeGreaterThan(0);
  expect(peakRssBytes).toBeLessThan(50 * 1024 * 1024);
  expect(held[held.length - 1]).toBe(1);
});

const task = (i: number, extra = "") => `  - {name: t${i}, type: shell${extra}, config: {command: /bin/true}}\n`;

describe("pathological YAML", () => {
  const cases: [string, () => string, RegExp][] = [
    ["2 MB of [", () => "[".repeat(2_000_000), /:1:\d+: nesting deeper than 64 levels/],
    ["a 10,000-deep block sequence", () => "- ".repeat(10_000) + "x\n", /:1:\d+: nesting deeper than 64 levels/],
    ["200 nested indented mappings", () => Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:\n`).join(""), /:65:\d+: nesting deeper than 64 levels/],
    ["2 MB of ]", () => "]".repeat(2 * 1024 * 1024 - 64), /:1:1: YAML syntax: .*\(at or just before this line\)/],
    ["2 MB of ': '", () => ": ".repeat(1024 * 1024 - 64), /:1:1: YAML syntax:/],
    ["a file over 2 MiB", () => `name: x\ntasks:\n${"#".repeat(3_000_000)}\n`, /: it is 3000016 bytes; a workflow file may have at most 2097152 bytes \(2 MiB\)/],
    ["a 2 MB flow mapping", () => `{${Array.from({ length: 100_000 }, (_, i) => `k${i}: [a, {b: c}]`).join(",")}}`, /missing required field "name"/],
    ["an alias bomb", () => `a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(",")}]\n`).join("")}name: x\ntasks: *a9\n`, /YAML syntax: too many alias expansions/],
    ["two YAML documents", () => "name: x\ntasks: []\n---\nname: y\n", /:3:1: YAML syntax: the file holds more than one YAML document/],
  ];
  test.each(cases)("%s: exit 2, a clear first line, bounded", async (name, make, message) => {
    const result = await validate(`${name.replace(/\W+/g, "-")}.yaml`, make());
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toContain("internal error");
    expect(result.seconds).toBeLessThan(MAX_SECONDS);
    expect(result.rssBytes).toBeLessThan(MAX_RSS_BYTES);
  }, 60_000);

  test("32 KiB of ] through the positioned parser: 50 lines and a count, bounded", async () => {
    const result = await validate("close-small.yaml", "]".repeat(32 * 1024 - 64));
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(lines.at(-1)).toMatch(/: and \d+ more problems$/);
    expect(result.seconds).toBeLessThan(MAX_SECONDS);
    expect(result.rssBytes).toBeLessThan(MAX_RSS_BYTES);
  }, 60_000);

  test("thousands of problems: the first 50, then 'and N more'", async () => {
    const text = `name: many\ntasks:\n${Array.from({ length: 3000 }, (_, i) => task(i, ", retry: -1")).join("")}`;
    const result = await validate("many.yaml", text);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(lines[0]).toMatch(/many\.yaml:3:\d+: task 't0': retry: must be at least 0/);
    expect(lines.at(-1)).toBe(`error: ${result.file}: and 2950 more problems`);
  }, 60_000);
});

describe("big files (over 32 KiB) without the positioned parser", () => {
  test("a syntax error deep in a big file is found on its line", async () => {
    const before = Array.from({ length: 5000 }, (_, i) => `  - name: a${i}\n    type: shell\n    config: {command: /bin/true}\n`).join("");
    const result = await validate("big-syntax.yaml", `name: big\ntasks:\n${before}  - name: [oops\n${before.replaceAll("a", "b")}`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/big-syntax\.yaml:15003:1: YAML syntax:/);
  }, 60_000);

  test("20,000 tasks with a warning each: one warning line with its position, quickly", async () => {
    const tasks = Array.from({ length: 20_000 }, (_, i) => `  - name: t${i}\n    type: shell\n    config:\n      command: echo\n      args: [hi]\n`).join("");
    const result = await validate("w20k.yaml", `name: big\ntasks:\n${tasks}`);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe(
      `warning: ${result.file}:6:16: task 't0': command "echo" is not an absolute path; it will be looked up on PATH (and 19999 more tasks)\n`,
    );
    // Before: 5.7 s and 302 MB through the yaml library's document; now about 0.4 s and 150 MB (bench/hostile-input.ts).
    expect(result.rssBytes).toBeLessThan(MAX_RSS_BYTES);
    // What made it slow: the yaml library's positioned document. It must not even be loaded.
    const probe = folder.write(
      "probe.ts",
      `import { parseWorkflow } from ${JSON.stringify(resolve(import.meta.dir, "../../src/workflow/load.ts"))};
const text = require("node:fs").readFileSync(${JSON.stringify(result.file)}, "utf8");
const { warnings } = parseWorkflow(text, "/w20k.yaml", { retries: 0, timeoutSeconds: 300, maxTimeoutSeconds: 86400, maxParallel: 10, initialBackoffMs: 1000, backoffMultiplier: 2, maxBackoffMs: 300000 } as never);
console.log(warnings.length, Object.keys(require.cache).some((path) => path.includes("/node_modules/yaml/")));`,
    );
    const checked = Bun.spawnSync([process.execPath, probe]);
    expect(checked.stdout.toString().trim()).toBe("1 false");
  }, 60_000);

  test("a schema problem in a big file points at its line", async () => {
    const tasks = Array.from({ length: 8000 }, (_, i) => `  - name: t${i}\n    type: shell\n${i === 7000 ? "    retry: many\n" : ""}    config: {command: /bin/true}\n`).join("");
    const result = await validate("big-schema.yaml", `name: big\ntasks:\n${tasks}`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`error: ${result.file}:21005:12: task 't7000': retry: expected a number, got "many"\n`);
  }, 60_000);
});
