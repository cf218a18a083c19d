/**
 * "Anything the task forked goes too", for processes that leave the task's process group
 * (setsid, a double fork): PicoFlow is their subreaper and kills them by the task's markers.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { EngineHarness, yamlWorkflow } from "../helpers/engine.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** PIDs of live processes whose command line contains `token` (a unique sleep duration). */
function pidsRunning(token: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ");
      const state = readFileSync(`/proc/${entry}/stat`, "latin1").split(") ")[1]?.[0];
      if (cmdline.includes(token) && state !== "Z") found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

const uniqueSleep = () => `${100 + Math.floor(Math.random() * 800)}.${Math.floor(Math.random() * 1e6)}`;
const survivors: number[] = [];
const folder = tempDir("picoflow-escape-");
afterAll(() => {
  for (const pid of survivors) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  folder.cleanup();
});

describe("processes that escape the task's group", () => {
  test("( setsid sleep & ); sleep 30 with timeout 1: run exits on time and the grandchild is gone", async () => {
    const token = uniqueSleep();
    const file = folder.write(
      "timeout.yaml",
      yamlWorkflow("escape_timeout", `  - {name: esc, type: shell, timeout: 1, config: {command: /bin/sh, args: ["-c", "( setsid sleep ${token} & ); sleep 30"]}}\n`),
    );
    const started = performance.now();
    const result = await runCli(["run", file, "--db-path", join(folder.dir, "a.db")], { cwd: folder.dir });
    const seconds = (performance.now() - started) / 1000;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("Task 'esc' timed out after 1s");
    // Timeout 1 s + kill grace; without the fix `run` waited for the grandchild (minutes).
    expect(seconds).toBeLessThan(8);
    const left = pidsRunning(token);
    survivors.push(...left);
    expect(left).toEqual([]);
  });

  test("a successful task's daemonised child is killed when the task ends", async () => {
    const token = uniqueSleep();
    const file = folder.write(
      "daemonise.yaml",
      yamlWorkflow("escape_success", `  - {name: bg, type: shell, config: {command: /bin/sh, args: ["-c", "( setsid sh -c 'sleep ${token}' & ) ; echo started"]}}\n`),
    );
    const result = await runCli(["run", file, "--db-path", join(folder.dir, "b.db")], { cwd: folder.dir });
    expect(result.exitCode).toBe(0);
    const left = pidsRunning(token);
    survivors.push(...left);
    expect(left).toEqual([]);
  });

  test("one that also clears its environment cannot hold run open (the documented limit: it survives)", async () => {
    const token = uniqueSleep();
    const file = folder.write(
      "unmarked.yaml",
      yamlWorkflow("escape_unmarked", `  - {name: esc, type: shell, config: {command: /bin/sh, args: ["-c", "( env -i /usr/bin/setsid /bin/sleep ${token} & ); echo ok"]}}\n`),
    );
    const started = performance.now();
    const result = await runCli(["run", file, "--db-path", join(folder.dir, "c.db")], { cwd: folder.dir });
    expect(result.exitCode).toBe(0);
    expect((performance.now() - started) / 1000).toBeLessThan(8);
    survivors.push(...pidsRunning(token));
  });
});

describe("in a long-lived process (the daemon's executor)", () => {
  const harness = new EngineHarness();
  afterAll(() => harness.dispose());
  const openFds = () => readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("pipe:");
    } catch {
      return false;
    }
  }).length;
  /** Zombie children that left their task's group: ours to reap (other test files' orphans may be alive children too). */
  const orphanZombies = () =>
    readFileSync(`/proc/self/task/${process.pid}/children`, "latin1")
      .trim()
      .split(" ")
      .filter(Boolean)
      .filter((pid) => {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.split(" ") ?? [];
          return fields[0] === "Z" && fields[2] !== pid;
        } catch {
          return false;
        }
      });

  test("escaping processes leave no process, zombie or pipe behind, run after run", async () => {
    const token = uniqueSleep();
    const workflow = harness.workflow(
      yamlWorkflow("escape_daemon", `  - {name: esc, type: shell, timeout: 1, config: {command: /bin/sh, args: ["-c", "( setsid sleep ${token} & ); (sleep ${token} &); sleep 30"]}}\n`),
    );
    await harness.run(workflow);
    const pipesAfterFirst = openFds();
    for (let run = 0; run < 2; run++) {
      const result = await harness.run(workflow);
      expect(result.status).toBe("Failed");
    }
    expect(pidsRunning(token)).toEqual([]);
    expect(orphanZombies()).toEqual([]);
    expect(openFds()).toBeLessThanOrEqual(pipesAfterFirst);
  }, 30_000);

  test("one that cleared its environment and ended on its own is reaped, not kept as a zombie", async () => {
    const escape = harness.workflow(
      // The task ends only once the escapee runs sleep: until its exec it still carries the
      // task's markers, and the search at the task's end would rightly kill it.
      yamlWorkflow(
        "escape_then_end",
        `  - {name: esc, type: shell, config: {command: /bin/sh, args: ["-c", "( env -i /usr/bin/setsid /bin/sleep 0.3 & echo $!; while [ \\"$(cat /proc/$!/comm)\\" != sleep ]; do :; done )"]}}\n`,
      ),
    );
    const first = await harness.run(escape);
    const pid = Number(harness.rows(first.executionId)[0]?.stdout);
    expect(pid).toBeGreaterThan(0);
    const isOurChild = () => readFileSync(`/proc/self/task/${process.pid}/children`, "latin1").trim().split(" ").includes(String(pid));
    const state = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.[0];
      } catch {
        return undefined;
      }
    };
    // Unrecognised (no markers), so it outlives its task and then ends as our zombie.
    await waitFor(() => state() === "Z", 10_000, "the escapee to end");
    expect(isOurChild()).toBe(true);
    // Later task ends collect it once it has lingered; without that it stays until the process exits.
    const later = harness.workflow(yamlWorkflow("later_task", `  - {name: t, type: shell, config: {command: /bin/true}}\n`));
    await waitFor(async () => {
      await harness.run(later);
      return !isOurChild();
    }, 10_000, "the lingering zombie to be reaped");
  }, 30_000);
});
