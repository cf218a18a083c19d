/**
 * systemd/picoflow.service as systemd would run it: ExecStart's argv exactly (no shell), stdin
 * not a terminal, the WorkingDirectory; then ExecReload's SIGHUP and stop's SIGTERM. Paths are
 * moved into a temp folder. The guide's own unit line (a `*.yaml` glob systemd does not expand)
 * is run the same way.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { picoflowCommand } from "../helpers/cli.ts";
import { type DaemonProcess, daemonDir, executions, shellTask, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir> | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const UNIT = resolve(import.meta.dir, "../../systemd/picoflow.service");

function unitSetting(name: string): string {
  const line = readFileSync(UNIT, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}=`));
  if (!line) throw new Error(`${name}= missing from ${UNIT}`);
  return line.slice(name.length + 1);
}

/** Spawns an ExecStart line the way systemd does: split on spaces, no shell, stdin /dev/null. */
function spawnExecStart(execStart: string, cwd: string, map: Record<string, string>): DaemonProcess {
  let line = execStart;
  for (const [from, to] of Object.entries(map)) line = line.replaceAll(from, to);
  const [binary, ...args] = line.split(" ");
  expect(binary).toBe("/usr/local/bin/picoflow");
  const proc = Bun.spawn([...picoflowCommand(), ...args], {
    cwd,
    env: { ...process.env, PICOFLOW_LOG_FORMAT: undefined, PICOFLOW_METRICS_PORT: "0" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return wrap(proc);
}

function wrap(proc: Bun.Subprocess<"ignore", "pipe", "pipe">): DaemonProcess {
  const err = { text: "" };
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) err.text += decoder.decode(chunk, { stream: true });
  })();
  const logs = () =>
    err.text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; level: number; [key: string]: unknown });
  return {
    proc,
    pid: proc.pid,
    logs,
    stderr: () => err.text,
    stdout: () => "",
    waitForLog: (match, timeoutMs = 20_000) => waitFor(() => logs().find(match), timeoutMs, "a daemon log line"),
    exited: proc.exited,
  };
}

test("the shipped unit's ExecStart runs the daemon in the foreground; ExecReload and stop work", async () => {
  env = daemonDir();
  const state = join(env.dir, "var-lib-picoflow");
  const workflows = join(env.dir, "etc-picoflow-workflows");
  mkdirSync(state);
  mkdirSync(workflows);
  writeFileSync(join(workflows, "tick.yaml"), workflowYaml("tick", "* * * * * *", shellTask("t", "echo")));
  const map = { "/var/lib/picoflow": state, "/etc/picoflow/workflows": workflows };
  expect(unitSetting("WorkingDirectory")).toBe("/var/lib/picoflow");
  expect(unitSetting("ReadWritePaths")).toBe("/var/lib/picoflow");
  expect(unitSetting("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
  expect(unitSetting("KillMode")).toBe("mixed");

  const daemon = spawnExecStart(unitSetting("ExecStart"), state, map);
  env.daemons.push(daemon);
  // JSON on stderr (not a terminal), so the journal gets structured lines.
  await daemon.waitForLog((line) => line.msg === "daemon started");
  expect(existsSync(join(state, "picoflow.pid"))).toBe(true);
  await waitFor(() => executions(join(state, "picoflow.db"), "tick").length > 0, 15_000, "a run");
  // Task logs land beside the database (the unit's WorkingDirectory), once the task has printed.
  await waitFor(() => existsSync(join(state, "logs", "tick")), 15_000, "the task's log folder");

  writeFileSync(join(workflows, "second.yaml"), workflowYaml("second", "* * * * * *", shellTask("t", "echo")));
  daemon.proc.kill("SIGHUP");
  await daemon.waitForLog((line) => line.msg === "reloaded workflow files");
  await waitFor(() => executions(join(state, "picoflow.db"), "second").length > 0, 15_000, "a run of the added workflow");

  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
  expect(existsSync(join(state, "picoflow.pid"))).toBe(false);
}, 60_000);

test("the guide's unit line, with its unexpanded workflows/*.yaml, works as written", async () => {
  env = daemonDir();
  const opt = join(env.dir, "opt-picoflow");
  mkdirSync(join(opt, "workflows"), { recursive: true });
  writeFileSync(join(opt, "workflows", "a.yaml"), workflowYaml("a", "0 0 2 * * *", shellTask("t", "echo")));
  writeFileSync(join(opt, "workflows", "b.yaml"), workflowYaml("b", "0 */5 * * * *", shellTask("t", "echo")));
  const daemon = spawnExecStart("/usr/local/bin/picoflow daemon start /opt/picoflow/workflows/*.yaml", opt, { "/opt/picoflow": opt });
  env.daemons.push(daemon);
  const startedLine = await daemon.waitForLog((line) => line.msg === "daemon started");
  expect((startedLine.workflows as { name: string }[]).map((workflow) => workflow.name)).toEqual(["a", "b"]);
  // WorkingDirectory=/opt/picoflow: the database, PID file and state file land there.
  expect(existsSync(join(opt, "picoflow.db"))).toBe(true);
  expect(existsSync(join(opt, "picoflow.pid"))).toBe(true);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 60_000);

/** systemd-analyze verify on a copy whose ExecStart binary exists here; its complaints, if any. */
function verifyUnit(text: string): { exitCode: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "picoflow-unit-"));
  try {
    writeFileSync(join(dir, "picoflow.service"), text.replaceAll("/usr/local/bin/picoflow", process.execPath));
    const result = Bun.spawnSync(["systemd-analyze", "verify", join(dir, "picoflow.service")], { stdout: "pipe", stderr: "pipe" });
    return { exitCode: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the shipped unit is Type=notify with a 30 s watchdog, and systemd-analyze verify accepts it", () => {
  expect(unitSetting("Type")).toBe("notify");
  expect(unitSetting("NotifyAccess")).toBe("main");
  expect(unitSetting("WatchdogSec")).toBe("30s");
  const unit = readFileSync(UNIT, "utf8");
  expect(verifyUnit(unit)).toEqual({ exitCode: 0, output: "" });
  // The check has teeth: verify complains about a setting it cannot parse.
  expect(verifyUnit(unit.replace("WatchdogSec=30s", "WatchdogSec=thirty")).output).toContain("Failed to parse sec value");
});
