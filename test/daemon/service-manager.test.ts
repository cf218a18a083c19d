/**
 * systemd's side of Type=notify, played by a real AF_UNIX datagram socket (a path, and an
 * abstract name): a real daemon with NOTIFY_SOCKET and WATCHDOG_USEC set must say READY=1 once
 * its schedules are armed, keep STATUS= current, ping WATCHDOG=1 at half the interval, bracket
 * a SIGHUP reload with RELOADING=1/READY=1 and say STOPPING=1 on SIGTERM.
 */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { type NotifyMessage, type NotifyReceiver, bindNotifyReceiver } from "../helpers/notify-receiver.ts";
import { cronAt, daemonDir, executions, queryDb, secondAfter, shellTask, started, waitFor, workflowYaml } from "./helpers.ts";

let env: ReturnType<typeof daemonDir>;
let receiver: NotifyReceiver | undefined;
afterEach(async () => {
  receiver?.close();
  receiver = undefined;
  await env.cleanup();
});

const NEVER_DURING_TEST = "0 0 0 1 1 *";
/** 1 s: the daemon should ping every 500 ms. */
const WATCHDOG_USEC = "1000000";

const has = (key: string, value?: string) => (message: NotifyMessage) => key in message.fields && (value === undefined || message.fields[key] === value);

async function lifecycle(addressIn: (dir: string) => string): Promise<void> {
  env = daemonDir();
  const address = addressIn(env.dir);
  receiver = bindNotifyReceiver(address);
  const nightly = env.write("nightly.yaml", workflowYaml("nightly", NEVER_DURING_TEST, shellTask("t", "echo")));
  const fireAt = secondAfter(4000);
  const soon = env.write("soon.yaml", workflowYaml("soon", cronAt(fireAt), shellTask("nap", "sleep", ["2"])));
  const daemon = env.start([nightly, soon], { NOTIFY_SOCKET: address, WATCHDOG_USEC });

  const ready = await receiver.waitFor(has("READY", "1"));
  // Armed: the status already knows the next fire time, which only a started timer has.
  const clock = fireAt.toTimeString().slice(0, 8);
  expect(ready.fields.STATUS).toBe(`2 workflows; next: soon at ${clock}`);
  expect(ready.fields.MAINPID).toBe(String(daemon.pid));
  await started(daemon);

  // The scheduled run shows up in STATUS while it runs.
  await receiver.waitFor((message) => message.fields.STATUS?.startsWith("2 workflows; 1 running; ") ?? false);
  await waitFor(() => executions(join(env.dir, "picoflow.db"), "soon").some((row) => row.status === "Success"), 15_000, "the scheduled run");
  await receiver.waitFor(has("STATUS", `2 workflows; next: nightly at ${new Date().getFullYear() + 1}-01-01 00:00:00`));

  // WATCHDOG=1 every 500 ms or so: wait for six more pings, then check their spacing (generous bounds).
  const windowStart = receiver.messages.length;
  const messages = receiver.messages;
  const pings = (await waitFor(() => {
    const since = messages.slice(windowStart).filter(has("WATCHDOG", "1"));
    return since.length >= 6 && since;
  }, 15_000, "six watchdog pings")).slice(0, 6);
  const gaps = pings.slice(1).map((ping, index) => ping.atMs - (pings[index] as NotifyMessage).atMs);
  const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] as number;
  expect(median).toBeGreaterThan(300);
  expect(median).toBeLessThan(900);

  const beforeReload = receiver.messages.length;
  daemon.proc.kill("SIGHUP");
  const reloading = await receiver.waitFor(has("RELOADING", "1"), 15_000, beforeReload);
  const readyAgain = await receiver.waitFor((message) => message.fields.READY === "1" && message.atMs >= reloading.atMs, 15_000, beforeReload);
  expect(readyAgain.fields.STATUS).toStartWith("2 workflows; next: nightly at ");

  const beforeStop = receiver.messages.length;
  daemon.proc.kill("SIGTERM");
  const stopping = await receiver.waitFor(has("STOPPING", "1"), 15_000, beforeStop);
  expect(stopping.fields.STATUS).toBe("stopping");
  expect(await daemon.exited).toBe(0);
}

test("a notify socket at a path gets READY, STATUS, WATCHDOG, RELOADING/READY and STOPPING", async () => {
  await lifecycle((dir) => join(dir, "notify.sock"));
}, 60_000);

test("an abstract notify socket (@name) gets the same messages", async () => {
  await lifecycle(() => `@picoflow-test-${process.pid}-${Date.now()}`);
}, 60_000);

test("tasks do not inherit NOTIFY_SOCKET or WATCHDOG_USEC; without a listener the daemon warns once and keeps running", async () => {
  env = daemonDir();
  const address = join(env.dir, "nobody-listens.sock");
  const file = env.write(
    "env.yaml",
    workflowYaml("env", "* * * * * *", shellTask("show", "/bin/sh", ["-c", 'echo "socket=${NOTIFY_SOCKET:-none} watchdog=${WATCHDOG_USEC:-none}"'])),
  );
  const daemon = env.start([file], { NOTIFY_SOCKET: address, WATCHDOG_USEC });
  await daemon.waitForLog((line) => line.msg === "could not notify systemd through NOTIFY_SOCKET");
  const db = join(env.dir, "picoflow.db");
  const run = await waitFor(() => executions(db, "env").find((row) => row.status === "Success"), 15_000, "a run");
  const stdout = queryDb(db, (database) => database.query("SELECT stdout FROM task_executions WHERE workflow_execution_id = ?").get(run.id) as { stdout: string });
  expect(stdout.stdout.trim()).toBe("socket=none watchdog=none");
  // Every run changes STATUS and the watchdog pings every 500 ms: three more runs mean many
  // more failed sends, and still one warning.
  await waitFor(() => executions(db, "env").filter((row) => row.status === "Success" && row.started_at > run.started_at).length >= 3, 15_000, "three more runs");
  expect(daemon.logs().filter((line) => line.msg === "could not notify systemd through NOTIFY_SOCKET")).toHaveLength(1);
  daemon.proc.kill("SIGTERM");
  expect(await daemon.exited).toBe(0);
}, 40_000);

test("a malformed NOTIFY_SOCKET or WATCHDOG_USEC is a one-line error and exit 2", async () => {
  env = daemonDir();
  const file = env.write("a.yaml", workflowYaml("a", NEVER_DURING_TEST, shellTask("t", "echo")));
  const relative = env.start([file], { NOTIFY_SOCKET: "relative/notify.sock" });
  expect(await relative.exited).toBe(2);
  expect(relative.stderr().trim()).toBe('error: NOTIFY_SOCKET: "relative/notify.sock" must be an absolute path or an abstract name starting with @');
  const watchdog = env.start([file], { NOTIFY_SOCKET: join(env.dir, "n.sock"), WATCHDOG_USEC: "30s" });
  expect(await watchdog.exited).toBe(2);
  expect(watchdog.stderr().trim()).toBe('error: WATCHDOG_USEC: "30s" is not a positive number of microseconds');
}, 40_000);
