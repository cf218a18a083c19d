import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { EngineHarness, processExists, yamlWorkflow } from "../helpers/engine.ts";
import { waitFor } from "../helpers/wait-for.ts";

let h: EngineHarness;
beforeEach(() => {
  h = new EngineHarness();
});
afterEach(() => h.dispose());

function task(name: string, command: string, args: string[], extra = "", config = ""): string {
  return `  - name: ${name}\n    type: shell\n${extra}    config:\n      command: ${JSON.stringify(command)}\n      args: ${JSON.stringify(args)}\n${config}`;
}

/** Sleep durations unique to this test process (pgrep finds them; parallel runs of the suite have their own). */
const tag = process.pid;

/** Resolves once no process matches `pattern`; fails after `withinMs`. */
const gone = (pattern: string, withinMs: number) => waitFor(async () => !(await processExists(pattern)), withinMs, `no process matching ${pattern}`);

describe("timeouts", () => {
  test("a timeout kills a task that forked children and leaves no process behind", async () => {
    // Distinct durations make the children findable with pgrep.
    const script = `sleep 1001.${tag} & sleep 1002.${tag} & wait`;
    const started = Date.now();
    const result = await h.run(h.workflow(yamlWorkflow("forks", task("forker", "sh", ["-c", script], "    timeout: 1\n"))));
    const took = Date.now() - started;
    expect(result.status).toBe("Failed");
    const [row] = h.rows(result.executionId);
    expect(row?.status).toBe("Timeout");
    expect(row?.error).toContain("timed out after 1s");
    expect(took).toBeLessThan(10_000);
    await gone(`sleep 100[12]\\.${tag}`, 3000);
  });

  test("a task that ignores SIGTERM is killed after the grace period", async () => {
    const script = `trap '' TERM; sleep 1003.${tag}; true`;
    const result = await h.run(h.workflow(yamlWorkflow("stubborn", task("stubborn", "sh", ["-c", script], "    timeout: 1\n"))));
    expect(h.rows(result.executionId)[0]?.status).toBe("Timeout");
    await gone(`sleep 1003\\.${tag}`, 3000);
  });

  test("timeouts are per attempt and retried like failures", async () => {
    const result = await h.run(h.workflow(yamlWorkflow("slow", task("slow", "sleep", ["1004"], "    timeout: 1\n    retry: 1\n"))));
    expect(h.rows(result.executionId).map((row) => [row.attempt, row.status])).toEqual([
      [1, "Timeout"],
      [2, "Timeout"],
    ]);
  });

  test("background children a task leaves behind are killed when it exits", async () => {
    const result = await h.run(h.workflow(yamlWorkflow("leaver", task("leaver", "sh", ["-c", `sleep 1005.${tag} > /dev/null 2>&1 &`]))));
    expect(result.status).toBe("Success");
    await gone(`sleep 1005\\.${tag}`, 3000);
  });
});

describe("process start", () => {
  test("a missing binary is a clear task failure", async () => {
    const result = await h.run(h.workflow(yamlWorkflow("missing", task("ghost", "/no/such/binary", []))));
    expect(result.status).toBe("Failed");
    expect(h.rows(result.executionId)[0]?.error).toBe("command not found: /no/such/binary");
  });

  test("a command that is not on PATH is a clear task failure", async () => {
    const result = await h.run(h.workflow(yamlWorkflow("missing", task("ghost", "picoflow-no-such-command", []))));
    expect(h.rows(result.executionId)[0]?.error).toBe("command not found: picoflow-no-such-command");
  });

  test("a working_dir that does not exist is a clear task failure", async () => {
    const config = "      working_dir: /no/such/dir\n";
    const result = await h.run(h.workflow(yamlWorkflow("baddir", task("lost", "true", [], "", config))));
    expect(h.rows(result.executionId)[0]?.error).toBe("working_dir /no/such/dir does not exist");
  });

  test("working_dir, env and args reach the process exactly, with no shell in between", async () => {
    const dir = `${h.folder.dir}/work`;
    mkdirSync(dir);
    const config = `      working_dir: ${dir}\n      env:\n        GREETING: "hello there"\n        PORT: 5432\n`;
    const script = 'printf "%s|%s|%s|%s" "$(pwd)" "$GREETING" "$PORT" "$1"';
    const result = await h.run(h.workflow(yamlWorkflow("env", task("show", "sh", ["-c", script, "sh", "$(whoami); `id`"], "", config))));
    expect(h.rows(result.executionId)[0]?.stdout).toBe(`${dir}|hello there|5432|$(whoami); \`id\``);
  });
});

describe("output", () => {
  test("stdout and stderr go to the task's log file and their tails to the database", async () => {
    const script = "echo out-line; echo err-line >&2; exit 4";
    const result = await h.run(h.workflow(yamlWorkflow("output", task("talk", "sh", ["-c", script]))));
    const [row] = h.rows(result.executionId);
    expect(row?.stdout).toBe("out-line\n");
    expect(row?.stderr).toBe("err-line\n");
    expect(row?.exit_code).toBe(4);
    expect(row?.log_path).toMatch(/logs\/output\/\d{4}-\d{2}-\d{2}_\d{6}_[0-9a-f]{8}\/talk\.log$/);
    const log = readFileSync(row?.log_path ?? "", "utf8");
    expect(log).toContain("out-line\n");
    expect(log).toContain("err-line\n");
    expect(log).toContain("attempt 1 failed: exit code 4");
  });

  test("large output is streamed: the log file is capped with a marker and the database keeps a bounded tail", async () => {
    // 8 MB of output against a 1 MB log cap.
    const script = "head -c 8000000 /dev/zero | tr '\\0' 'x'; echo; echo THE-END";
    const result = await h.run(h.workflow(yamlWorkflow("flood", task("flood", "sh", ["-c", script]))), { maxTaskLogBytes: 1024 * 1024 });
    const [row] = h.rows(result.executionId);
    expect(row?.status).toBe("Success");
    expect(row?.stdout?.endsWith("THE-END\n")).toBe(true);
    expect(row?.stdout?.length).toBeLessThanOrEqual(64 * 1024);
    const size = statSync(row?.log_path ?? "").size;
    expect(size).toBeGreaterThan(1024 * 1024 - 1);
    expect(size).toBeLessThan(1024 * 1024 + 4096);
    expect(readFileSync(row?.log_path ?? "", "utf8")).toContain("output truncated");
  });
});
