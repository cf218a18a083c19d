/**
 * The daemon runs with JSC's optimising JIT tiers off: started without the settings, it
 * replaces itself (same PID) with them added; a value the user set is kept; tasks do not
 * inherit what the daemon added.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADDED_ENV, ENGINE_SETTINGS, missingSettings } from "../../src/daemon/engine-settings.ts";
import { daemonDir, queryDb, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir> | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** The environment a process was started with (after an execve: the new one). */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return Object.fromEntries(entries.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** A workflow whose task prints its environment; its stdout lands in the history database. */
async function taskEnvironment(extra: Record<string, string>): Promise<{ daemon: Record<string, string>; task: string; pid: number; statePid: number }> {
  const folder = daemonDir();
  env = folder;
  const file = folder.write("env.yaml", workflowYaml("env", "* * * * * *", shellTask("print", "/usr/bin/env", [])));
  const clean = Object.fromEntries(Object.keys(ENGINE_SETTINGS).map((name) => [name, undefined]));
  const daemon = folder.start([file], { ...clean, [ADDED_ENV]: undefined, ...extra });
  await started(daemon);
  const db = join(folder.dir, "picoflow.db");
  const task = await waitFor(
    () => queryDb(db, (d) => d.query<{ stdout: string }, []>("SELECT stdout FROM task_executions WHERE status = 'Success' LIMIT 1").get())?.stdout,
    20_000,
    "a finished task",
  );
  const statePid = JSON.parse(readFileSync(join(folder.dir, "picoflow-daemon.json"), "utf8")).pid;
  const result = { daemon: environOf(daemon.pid), task, pid: daemon.pid, statePid };
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  return result;
}

test("started without them, the daemon replaces itself with the JIT settings added, same PID; tasks do not inherit them", async () => {
  const seen = await taskEnvironment({});
  expect(seen.statePid).toBe(seen.pid);
  for (const [name, value] of Object.entries(ENGINE_SETTINGS)) {
    expect(seen.daemon[name]).toBe(value);
    expect(seen.task).not.toContain(`${name}=`);
  }
  expect(seen.task).not.toContain(ADDED_ENV);
  expect(seen.task).toContain("PATH=");
}, 60_000);

test("a setting the user gave is kept, for the daemon and its tasks", async () => {
  const seen = await taskEnvironment({ BUN_JSC_useDFGJIT: "1" });
  expect(seen.daemon.BUN_JSC_useDFGJIT).toBe("1");
  expect(seen.daemon.BUN_JSC_useBaselineJIT).toBe("0");
  expect(seen.task).toContain("BUN_JSC_useDFGJIT=1");
  expect(seen.task).not.toContain("BUN_JSC_useBaselineJIT=");
}, 60_000);

test("nothing is missing when every setting is given, whatever its value", () => {
  expect(missingSettings({})).toEqual({ ...ENGINE_SETTINGS });
  expect(missingSettings({ BUN_JSC_useBaselineJIT: "1", BUN_JSC_useDFGJIT: "1", BUN_JSC_useFTLJIT: "0" })).toEqual({});
});
