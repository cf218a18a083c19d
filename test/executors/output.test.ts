import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { logFileOutputs, TailBuffer } from "../../src/executors/output.ts";
import { tempDir } from "../helpers/cli.ts";

let folder: ReturnType<typeof tempDir>;
beforeEach(() => {
  folder = tempDir();
});
afterEach(() => folder.cleanup());

const open = () => logFileOutputs({ runDir: join(folder.dir, "run"), maxFileBytes: 1024, tailBytes: 64, now: () => new Date(0) });

describe("task log files", () => {
  test("a silent success leaves no file and no folder", () => {
    const output = open()("quiet", 1);
    output.note("attempt 1/1 started");
    output.close(true);
    expect(existsSync(join(folder.dir, "run"))).toBe(false);
  });

  test("a failure keeps its notes even without output", () => {
    const output = open()("broken", 1);
    output.note("attempt 1/1 started");
    output.close(false);
    expect(readFileSync(join(folder.dir, "run", "broken.log"), "utf8")).toBe("[1970-01-01T00:00:00.000Z] attempt 1/1 started\n");
  });

  test("a warning keeps the file even on a silent success", () => {
    const output = open()("careful", 1);
    output.note("started");
    output.warn("key is readable by others");
    output.close(true);
    expect(readFileSync(join(folder.dir, "run", "careful.log"), "utf8")).toBe(
      "[1970-01-01T00:00:00.000Z] started\n[1970-01-01T00:00:00.000Z] warning: key is readable by others\n",
    );
  });

  test("attempts append to one file; output past the cap is cut with a marker", () => {
    const outputs = open();
    const first = outputs("chatty", 1);
    first.write("stdout", "a".repeat(600));
    first.close(true);
    const second = outputs("chatty", 2);
    second.write("stderr", "b".repeat(600));
    const tails = second.close(true);
    const log = readFileSync(join(folder.dir, "run", "chatty.log"), "utf8");
    expect(log.startsWith("a".repeat(600))).toBe(true);
    expect(log).toContain("output truncated: log file reached 1024 bytes");
    expect(tails.stderrTail).toBe("b".repeat(64));
  });
});

describe("tail buffer", () => {
  test("keeps the last bytes written, across chunk boundaries", () => {
    const tail = new TailBuffer(10);
    for (const piece of ["hello ", "wonderful ", "world"]) tail.push(new TextEncoder().encode(piece));
    expect(tail.text()).toBe("rful world");
  });

  test("a cut through a multi-byte character does not throw", () => {
    const tail = new TailBuffer(4);
    tail.push(new TextEncoder().encode("ééé"));
    expect(tail.text().endsWith("é")).toBe(true);
  });
});
